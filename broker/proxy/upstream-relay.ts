/**
 * Database → client. Messages are passed on as they arrive (large DataRow/CopyData streamed in
 * pieces); the relay only looks at the few it must: ReadyForQuery (sync units, transaction
 * status), CommandComplete/EmptyQuery/PortalSuspended/ErrorResponse (statement outcomes, the
 * poison substitution) and ParameterStatus (the session's reading rules).
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  BackendCode,
  FrameReader,
  readCommandCompleteTag,
  readErrorFields,
  readParameterStatus,
  type FrameSink,
} from '../protocol/postgres/index.js';
import type { BlockedStatements } from './blocked-statements.js';
import { CoalescingWriter } from './coalescing-writer.js';
import type { ExecutionTracker } from './execution-tracker.js';
import type { ResultMasking } from './result-masking.js';

interface RelaySession {
  parameterChanged(name: string, value: string): void;
  unitSettled(unit: number): void;
  close(reason: string): void;
}

export interface UpstreamRelayOptions {
  /** Masks results for a masked identity (see result-masking.ts). */
  readonly masking?: ResultMasking | undefined;
  readonly client: Duplex;
  readonly upstream: Socket;
  readonly blocked: BlockedStatements;
  readonly tracker: ExecutionTracker;
  readonly session: RelaySession;
}

/** The database is trusted to frame correctly, but not to be small: no size limit, big rows stream. */
const UPSTREAM_MAX_BUFFERED = 1 << 30;

/**
 * CommandComplete's tag (`Byte1 'C', Int32 len, String tag`). The frame comes whole from the
 * FrameReader; a tag not ending in NUL is decoded strictly to raise the protocol error.
 */
function commandTag(frame: Buffer): string {
  return frame.length > 5 && frame[frame.length - 1] === 0 ? frame.toString('latin1', 5, frame.length - 1) : readCommandCompleteTag(frame);
}

/** Receives the database's answers while the broker talks to it itself (see side-channel.ts). */
export interface Interceptor {
  message(code: number, frame: Buffer): void;
}

export class UpstreamRelay implements FrameSink {
  /** Set while a side conversation runs: its answers go there, not to the client. */
  intercept: Interceptor | undefined;
  private readonly reader: FrameReader;
  private unitsSettled = 0;
  status: 'I' | 'T' | 'E' = 'I';
  private readonly toClient = new CoalescingWriter((buf) => {
    if (!this.o.client.write(buf)) this.o.upstream.pause();
  });

  constructor(private readonly o: UpstreamRelayOptions) {
    // Rows of a masked identity are rewritten whole, so they are not streamed in pieces.
    const masked = o.masking !== undefined;
    this.reader = new FrameReader({
      maxMessageBytes: UPSTREAM_MAX_BUFFERED,
      streamable: (c) => !masked && (c === BackendCode.DataRow || c === BackendCode.CopyData),
    });
  }

  start(): void {
    this.o.upstream.on('data', (chunk: Buffer) => {
      this.o.client.cork();
      try {
        this.reader.feed(chunk, this);
      } catch (e) {
        this.o.session.close(`database protocol error: ${(e as Error).message}`);
      } finally {
        this.toClient.flush();
        this.o.client.uncork();
      }
    });
  }

  private send(buf: Buffer): void {
    this.toClient.write(buf);
  }

  /** Sends what is pending to the client, before the session writes to it directly. */
  flush(): void {
    this.toClient.flush();
  }

  streamStart(code: number, _total: number, chunk: Buffer): void {
    // A huge row of the broker's own dry run is not needed (only its command tag is).
    if (this.intercept) return;
    if (code === BackendCode.DataRow && this.o.tracker.sampling) this.o.tracker.row(undefined);
    this.send(chunk);
  }

  streamChunk(chunk: Buffer): void {
    if (this.intercept) return;
    if (chunk.length) this.send(chunk);
  }

  message(code: number, frame: Buffer): void {
    if (this.intercept && code !== BackendCode.NotificationResponse) {
      if (code === BackendCode.ParameterStatus) {
        // A rolled-back SET is reported again with the old value: keep the reading rules exact.
        const { name, value } = readParameterStatus(frame);
        this.o.session.parameterChanged(name, value);
      }
      this.intercept.message(code, frame);
      return;
    }
    // Our own refusal answers a poison we sent (blocked-statements.ts): not a statement outcome.
    const refusal = code === BackendCode.ErrorResponse && this.o.blocked.hasPending ? this.o.blocked.substitute(frame) : undefined;
    if (refusal) {
      this.o.masking?.message(code, frame);
      this.send(refusal);
      return;
    }
    const masking = this.o.masking;
    if (!masking || code === BackendCode.ReadyForQuery) {
      this.observe(code, frame);
      this.send(frame);
      return;
    }
    const out = masking.message(code, frame);
    // Observed after masking: errors and rows are recorded as the client sees them, never with
    // the values masking took out (a cast failure quotes the value).
    if (Array.isArray(out)) {
      // A result's last message (an error already sanitised) followed by the masking NOTICE.
      this.observe(code, out[0]!);
      for (const b of out) this.send(b);
    } else {
      this.observe(code, out);
      this.send(out);
    }
  }

  /** The inspections the broker needs: unit boundaries, statement outcomes, reading rules, result samples. */
  private observe(code: number, frame: Buffer): void {
    switch (code) {
      case BackendCode.DataRow:
        if (this.o.tracker.sampling) this.o.tracker.row(frame);
        break;
      case BackendCode.RowDescription:
        if (this.o.tracker.sampling) this.o.tracker.columns(frame);
        break;
      case BackendCode.ReadyForQuery: {
        const s = frame[5];
        this.status = s === 0x54 ? 'T' : s === 0x45 ? 'E' : 'I';
        this.unitsSettled++;
        this.o.masking?.settle(this.unitsSettled);
        this.o.session.unitSettled(this.unitsSettled);
        break;
      }
      case BackendCode.CommandComplete:
        this.o.tracker.completed(commandTag(frame));
        break;
      case BackendCode.EmptyQueryResponse:
      case BackendCode.PortalSuspended:
        this.o.tracker.completed(null);
        break;
      case BackendCode.ErrorResponse: {
        if (!this.o.tracker.idle) {
          const f = readErrorFields(frame);
          this.o.tracker.failed(f.get('C') ?? '', f.get('M') ?? '');
        }
        break;
      }
      case BackendCode.ParameterStatus: {
        const { name, value } = readParameterStatus(frame);
        this.o.session.parameterChanged(name, value);
        break;
      }
      default:
        break;
    }
  }
}
