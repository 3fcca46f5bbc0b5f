import type { AuditRecord, NewRecord } from './records.js';
import type { RecordStore } from './record-store.js';

/** Keeps records in an array; for tests and throw-away demos. */
export class MemoryStore implements RecordStore {
  readonly records: AuditRecord[] = [];
  private seq = 0;

  /** `now` stamps each record's `at` (tests pass their own clock). */
  constructor(private readonly now: () => string = () => new Date().toISOString()) {}

  append(record: NewRecord): number {
    const full = { ...record, seq: ++this.seq, at: this.now() } as AuditRecord;
    this.records.push(full);
    return full.seq;
  }

  appendJson(json: string): number {
    return this.append(JSON.parse(json) as NewRecord);
  }

  flush(): void {}

  async *readAll(): AsyncIterable<AuditRecord> {
    yield* this.records.slice();
  }

  async close(): Promise<void> {}
}
