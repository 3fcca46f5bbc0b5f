/**
 * Where the client's message stream stands against the database's sync units (each simple Query
 * or Sync is answered by one ReadyForQuery). Shared by the session's handlers — simple queries,
 * extended messages, refusals, holds — so that each knows the unit a message belongs to, whether
 * an extended batch is open upstream, and whether messages are skipped after a refusal.
 */
export class SyncPosition {
  /** Sync units sent to the database (each answered by one ReadyForQuery). */
  unitsSent = 0;
  /** Extended messages were forwarded since the last Sync (a batch is open upstream). */
  forwardedSinceSync = false;
  /** After a refused Parse, client messages are dropped until Sync, as the server would. */
  skipUntilSync = false;
}
