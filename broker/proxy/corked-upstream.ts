/**
 * Record before forward, on the session's side (the batching across sessions is
 * release-batch.ts). Each turn of client work — a chunk from the client, or messages replayed
 * after a wait — forwards into the upstream socket while it is corked; the socket is uncorked
 * only once the release batch has written the records of that turn's statements. Several turns
 * may pass before the release: each adds a cork, and the release takes them all off.
 */
import type { Socket } from 'node:net';
import type { CoalescingWriter } from './coalescing-writer.js';
import type { Releasable, ReleaseBatch } from './release-batch.js';

export class CorkedUpstream implements Releasable {
  /** Corks on the upstream socket not yet released, and whether a release is queued. */
  private corks = 0;
  private releaseQueued = false;

  constructor(
    private readonly upstream: Socket,
    /** What the session forwards; flushed into the corked socket at the end of each turn. */
    private readonly toUpstream: CoalescingWriter,
    private readonly batch: ReleaseBatch,
    /** The records could not be written: what was forwarded must never leave. */
    private readonly recordingFailed: (error: unknown) => void,
  ) {}

  /** Starts a turn: what is forwarded from now on waits in the socket. */
  begin(): void {
    this.upstream.cork();
    this.corks++;
  }

  /** Ends a turn: the forwarded frames go into the socket, to leave once their records are written. */
  end(): void {
    this.toUpstream.flush();
    if (!this.releaseQueued) {
      this.releaseQueued = true;
      this.batch.defer(this);
    }
  }

  release(): void {
    this.releaseQueued = false;
    while (this.corks > 0) {
      this.corks--;
      this.upstream.uncork();
    }
  }

  failClosed(error: unknown): void {
    this.releaseQueued = false;
    this.recordingFailed(error);
  }
}
