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

interface RelaySession {
  parameterChanged(name: string, value: string): void;
  unitSettled(unit: number): void;
  close(reason: string): void;
}

export interface UpstreamRelayOptions {
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
  private readonly reader = new FrameReader({
    maxMessageBytes: UPSTREAM_MAX_BUFFERED,
    streamable: (c) => c === BackendCode.DataRow || c === BackendCode.CopyData,
  });
  private unitsSettled = 0;
  status: 'I' | 'T' | 'E' = 'I';
  private readonly toClient = new CoalescingWriter((buf) => {
    if (!this.o.client.write(buf)) this.o.upstream.pause();
  });

  constructor(private readonly o: UpstreamRelayOptions) {}

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

  streamStart(_code: number, _total: number, chunk: Buffer): void {
    // A huge row of the broker's own dry run is not needed (only its command tag is).
    if (this.intercept) return;
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
    switch (code) {
      case BackendCode.ReadyForQuery: {
        const s = frame[5];
        this.status = s === 0x54 ? 'T' : s === 0x45 ? 'E' : 'I';
        this.o.session.unitSettled(++this.unitsSettled);
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
        const replacement = this.o.blocked.hasPending ? this.o.blocked.substitute(frame) : undefined;
        if (replacement) {
          this.send(replacement);
          return;
        }
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
    this.send(frame);
  }
}
