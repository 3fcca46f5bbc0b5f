/**
 * Record before forward, batched across sessions. While handling a chunk, a session forwards
 * into its corked upstream socket and queues itself here; once per turn of the event loop
 * (setImmediate, right after the I/O callbacks) the journal gets one write for every statement
 * recorded in that turn, and only then are the queued sessions uncorked. One journal write per
 * turn instead of one per statement, and no message leaves before its record.
 */
import type { RecordStore } from '../recording/record-store.js';

export interface Releasable {
  /** Send what was forwarded (uncork). */
  release(): void;
  /** The records could not be written: drop what was forwarded and end the session. */
  failClosed(error: unknown): void;
}

export class ReleaseBatch {
  private queued: Releasable[] = [];
  private scheduled = false;
  private readonly run = (): void => {
    this.scheduled = false;
    const batch = this.queued;
    this.queued = [];
    try {
      this.store.flush();
    } catch (e) {
      for (const s of batch) s.failClosed(e);
      return;
    }
    for (const s of batch) s.release();
  };

  constructor(private readonly store: RecordStore) {}

  /** Queues a session (once per turn; the session counts its own corks). */
  defer(session: Releasable): void {
    this.queued.push(session);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.run);
    }
  }
}
