/**
 * Reading the journal file: its lines, or its records with torn lines (a crash mid-write, reported
 * at open and by `audit verify`) skipped. Optionally a byte range (journal-index.ts).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { AuditRecord } from './records.js';

export interface ByteRange {
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
}

export function journalLines(path: string, range?: ByteRange): AsyncIterable<string> {
  const input = createReadStream(path, { encoding: 'utf8', ...(range ? { start: range.start, end: range.end - 1 } : {}) });
  return createInterface({ input, crlfDelay: Infinity });
}

export async function* journalRecords(path: string, range?: ByteRange): AsyncIterable<AuditRecord> {
  for await (const line of journalLines(path, range)) {
    if (!line) continue;
    try {
      yield JSON.parse(line) as AuditRecord;
    } catch {
      // A torn line: skipped.
    }
  }
}
