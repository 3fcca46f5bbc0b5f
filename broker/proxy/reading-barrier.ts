/**
 * Keeps client messages from being judged under reading rules the server will no longer use.
 *
 * A statement can change how the server reads the text that follows it: `SET client_encoding`
 * (a multibyte encoding can hide a quote), `SET standard_conforming_strings = off` (a backslash
 * then escapes a quote), or code that may do either (DO, CALL, functions). The broker learns the
 * new rules only from the server's ParameterStatus, so messages the client pipelined behind such
 * a statement wait here until its sync unit has completed (ReadyForQuery), and are then judged.
 * Within one extended-protocol batch there is no ReadyForQuery to wait for: text sent after such
 * an Execute and before the Sync is refused instead (see the session).
 */

/** Pseudo message code for a queued piece of a streamed CopyData (no real message has code 0). */
export const STREAM_PIECE = 0;

export interface HeldMessage {
  readonly code: number;
  readonly frame: Buffer;
}

export class ReadingBarrier {
  private settled = 0;
  private holdUntil = 0;
  private readonly queue: HeldMessage[] = [];
  /** A reading-rule change was executed in the current extended batch (before its Sync). */
  changedInBatch = false;

  /** Whether messages must wait (or are already waiting, and order must be kept). */
  get active(): boolean {
    return this.holdUntil > this.settled || this.queue.length > 0;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Messages after the current point wait until sync unit `unit` has completed. */
  holdUntilUnit(unit: number): void {
    this.holdUntil = unit;
  }

  /** A Sync was sent as unit `unit`: a change executed in its batch now holds what follows. */
  syncSent(unit: number): void {
    if (!this.changedInBatch) return;
    this.changedInBatch = false;
    this.holdUntil = unit;
  }

  hold(message: HeldMessage): void {
    this.queue.push(message);
  }

  /** Sync unit `unit` completed (its ReadyForQuery arrived). */
  settle(unit: number): void {
    this.settled = unit;
  }

  /** The next held message, if the barrier has lifted (a replayed message may raise it again). */
  next(): HeldMessage | undefined {
    return this.holdUntil > this.settled ? undefined : this.queue.shift();
  }
}
