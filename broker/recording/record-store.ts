/**
 * The storage port: append (durable when it returns, per the configured sync policy) and read
 * back in order. Adapters: the journal file (default) and memory (tests).
 */
import type { AuditRecord, NewRecord } from './records.js';

export interface RecordStore {
  /** Synchronous on purpose: the proxy records before it forwards, without yielding the loop. */
  append(record: NewRecord): AuditRecord;
  /** Every record, oldest first. */
  readAll(): AsyncIterable<AuditRecord>;
  close(): Promise<void>;
}
