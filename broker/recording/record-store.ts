/**
 * The storage port: append (durable when it returns, per the configured sync policy) and read
 * back in order. Adapters: the journal file (default) and memory (tests).
 */
import type { SessionSummary } from './queries.js';
import type { AuditRecord, NewRecord } from './records.js';

/** A session's summary as of the store's last record, and the time of the session's last record. */
export interface IndexedSession {
  readonly summary: Readonly<SessionSummary>;
  readonly lastAt: string;
}

export interface RecordStore {
  /**
   * Queues the record (synchronous, no I/O). It reaches the store at the next `flush()`, which
   * the proxy calls before it releases the messages it recorded, or on the next loop turn.
   */
  append(record: NewRecord): number; // the record's sequence number
  /** `append` for a record already serialised as a JSON object (the proxy's hot path). */
  appendJson(json: string): number;
  /** Writes every queued record; throws BRK_ERR_RECORDING_FAILED if it cannot. */
  flush(): void;
  /** Every record, oldest first. */
  readAll(): AsyncIterable<AuditRecord>;
  /** One session's records, oldest first, where the store can find them without reading everything. */
  readSession?(sessionId: string): AsyncIterable<AuditRecord>;
  /**
   * Every session's summary, in the order the sessions started, where the store keeps them. They
   * are the store's own objects: read them, copy what you keep.
   */
  sessionSummaries?(): Promise<Iterable<IndexedSession>>;
  close(): Promise<void>;
}
