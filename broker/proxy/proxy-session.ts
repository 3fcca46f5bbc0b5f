/**
 * The steady state of one client session: client → broker → database and back.
 *
 * Client messages are framed (never trusted whole until parsed), statements go through the
 * gate (analysis + policy, statement-admission.ts), are recorded before they are forwarded
 * (corked-upstream.ts), and refused ones are replaced by a poison (statement-refusal.ts). The
 * session dispatches each message: simple queries here, the extended protocol in
 * extended-messages.ts, statements waiting for approval in session-holds.ts. Database messages
 * are relayed as they come, with only the few inspections the broker needs (upstream-relay.ts).
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { AirlockError, isAirlockError } from '../errors/airlock-error.js';
import type { Logger } from '../log.js';
import type { Decision } from '../policy/decision.js';
import type { SessionPolicy } from '../policy/policy-engine.js';
import {
  backendMessages as bm,
  decodingFor,
  FrameReader,
  FrontendCode,
  parseQuery,
  ProtocolError,
  type FrameSink,
  type TextDecoding,
} from '../protocol/postgres/index.js';
import type { SessionRecorder } from '../recording/session-recorder.js';
import { BlockedStatements } from './blocked-statements.js';
import { CoalescingWriter } from './coalescing-writer.js';
import { CorkedUpstream } from './corked-upstream.js';
import { errorFields } from './refusal-errors.js';
import { ExecutionTracker } from './execution-tracker.js';
import { ExtendedMessages } from './extended-messages.js';
import { ExtendedQueryState } from './extended-query-state.js';
import { ReadingBarrier, STREAM_PIECE } from './reading-barrier.js';
import type { ReleaseBatch } from './release-batch.js';
import { UpstreamRelay } from './upstream-relay.js';
import type { StatementGate } from './statement-gate.js';
import type { HoldContext } from './approval-hold.js';
import { SessionHolds } from './session-holds.js';
import { ResultMasking, type MaskedResult } from './result-masking.js';
import type { SessionMasking } from '../masking/session-masking.js';
import { StatementAdmission } from './statement-admission.js';
import { StatementRefusal } from './statement-refusal.js';
import { SyncPosition } from './sync-position.js';

/** The end reason of a session the client closed properly (Terminate). */
const CLIENT_ENDED = 'client ended the session';

export interface ProxySessionOptions {
  /** The client: a TCP or TLS socket, or the WebSocket stream of a tunnel. */
  readonly client: Duplex;
  readonly upstream: Socket;
  readonly gate: StatementGate;
  readonly recorder: SessionRecorder;
  readonly release: ReleaseBatch;
  readonly maxMessageBytes: number;
  readonly clientEncoding: string;
  readonly log: Logger;
  readonly onClose: (reason: string) => void;
  /** Approvals for statements an `approve` decision holds; without it they are refused. */
  readonly approvals?: HoldContext;
  /** For a masked identity: lineage and masking of what it receives (see result-masking.ts). */
  readonly masking?: SessionMasking | undefined;
  /** Told after each result in which values were masked. */
  readonly onMasked?: (r: MaskedResult) => void;
  /** Told about every refused statement (after it is recorded), for the events stream. */
  readonly onRefused?: (sql: string, decision: Decision) => void;
}

/** Messages queued behind a reading-rule change before the client socket is paused. */
const MAX_HELD_MESSAGES = 1000;

export class ProxySession implements FrameSink {
  private readonly client: Duplex;
  private readonly upstream: Socket;
  private readonly reader: FrameReader;
  private readonly blocked = new BlockedStatements();
  private readonly tracker: ExecutionTracker;
  private readonly relay: UpstreamRelay;
  /** Protocol-level prepared statements and portals (extended query protocol). */
  private readonly extended = new ExtendedQueryState();
  /** Sync units sent, an extended batch open upstream, messages skipped until Sync. */
  private readonly position = new SyncPosition();
  private decoding: TextDecoding;
  private closed = false;
  private terminating = false;
  /** The client sent Terminate: whichever socket closes first, the client ended the session. */
  private clientTerminated = false;
  /** Messages pipelined behind a statement that can change how text is read wait here. */
  private readonly barrier = new ReadingBarrier();
  private readonly toUpstream: CoalescingWriter;
  /** Keeps what a turn forwarded in the upstream socket until its records are written. */
  private readonly turns: CorkedUpstream;
  private readonly refusal: StatementRefusal;
  private readonly admission: StatementAdmission;
  private readonly extendedMessages: ExtendedMessages;
  /** Statements waiting for approval, and every client message after them (in order). */
  private readonly holds: SessionHolds;
  private readonly masking: ResultMasking | undefined;

  constructor(private readonly opts: ProxySessionOptions) {
    this.client = opts.client;
    this.upstream = opts.upstream;
    this.decoding = decodingFor(opts.clientEncoding);
    this.reader = new FrameReader({
      maxMessageBytes: opts.maxMessageBytes,
      streamable: (c) => c === FrontendCode.CopyData,
    });
    this.toUpstream = new CoalescingWriter((buf) => {
      if (!this.upstream.write(buf)) this.client.pause();
    });
    this.turns = new CorkedUpstream(this.upstream, this.toUpstream, opts.release, (error) => this.recordingFailed(error));
    this.tracker = new ExecutionTracker(opts.recorder, () => this.decoding);
    this.masking = opts.masking
      ? new ResultMasking(opts.masking, () => this.decoding, (r) => {
          opts.recorder.masked(this.tracker.current, r.columns, r.rules, r.values);
          opts.onMasked?.(r);
        })
      : undefined;
    this.relay = new UpstreamRelay({
      client: this.client,
      upstream: this.upstream,
      blocked: this.blocked,
      tracker: this.tracker,
      session: this,
      masking: this.masking,
    });
    this.refusal = new StatementRefusal(opts.recorder, this.blocked, this.toUpstream, this.position, opts.onRefused);
    this.admission = new StatementAdmission(opts.gate, !!opts.approvals, this.barrier, this.extended, this.masking, this.refusal);
    this.holds = new SessionHolds({
      client: this.client,
      upstream: this.upstream,
      relay: this.relay,
      gate: opts.gate,
      extended: this.extended,
      recorder: opts.recorder,
      log: opts.log,
      approvals: opts.approvals,
      closed: () => this.closed,
      decoding: () => this.decoding,
      unitsSent: () => this.position.unitsSent,
      midBatch: () => this.position.forwardedSinceSync,
      dispatch: (code, frame) => this.dispatch(code, frame),
      message: (code, frame) => this.message(code, frame),
      streamPiece: (frame) => this.streamPiece(frame),
      refuse: (fields, protocol, sql, kinds, decision) => this.refusal.refuse(fields, protocol, sql, kinds, decision),
      corkedTurn: (work) => this.corkedTurn(work),
      fatal: (error, reason) => this.fatal(error, reason),
      close: (reason) => this.close(reason),
    });
    this.extendedMessages = new ExtendedMessages({
      position: this.position,
      extended: this.extended,
      admission: this.admission,
      refusal: this.refusal,
      holds: this.holds,
      gate: opts.gate,
      recorder: opts.recorder,
      tracker: this.tracker,
      barrier: this.barrier,
      masking: this.masking,
      toUpstream: this.toUpstream,
      decoding: () => this.decoding,
    });
  }

  start(): void {
    this.client.on('data', (chunk: Buffer) => this.onClientData(chunk));
    this.client.on('drain', () => this.upstream.resume());
    this.upstream.on('drain', () => this.client.resume());
    this.client.on('end', () => this.close(this.clientTerminated ? CLIENT_ENDED : 'client disconnected'));
    this.client.on('close', () => this.close(this.clientTerminated ? CLIENT_ENDED : 'client disconnected'));
    this.client.on('error', (e) => this.close(`client socket error: ${e.message}`));
    this.upstream.on('end', () => this.close(this.clientTerminated ? CLIENT_ENDED : 'database closed the connection'));
    this.upstream.on('close', () => this.close(this.clientTerminated ? CLIENT_ENDED : 'database closed the connection'));
    this.upstream.on('error', (e) => this.close(`database socket error: ${e.message}`));
    this.relay.start();
  }

  /** The caller's groups changed mid-session (an access grant): new rules from the next statement on. */
  setPolicy(policy: SessionPolicy): void {
    this.opts.gate.setPolicy(policy);
    this.extended.rejudge((sql) => this.opts.gate.check(sql));
  }

  /** Called by the relay when the session's reading rules change (ParameterStatus). */
  parameterChanged(name: string, value: string): void {
    if (name === 'client_encoding') this.decoding = decodingFor(value);
    else if (name === 'standard_conforming_strings') this.opts.gate.standardConformingStrings = value === 'on';
  }

  /** The relay saw a ReadyForQuery: unit `n` is complete. */
  unitSettled(n: number): void {
    this.holds.settled(n);
    this.blocked.settle(n);
    this.tracker.settle(n);
    this.barrier.settle(n);
    if (this.barrier.waiting > 0) {
      this.corkedTurn(() => {
        for (let m = this.barrier.next(); m && !this.closed; m = this.barrier.next()) this.dispatch(m.code, m.frame);
      });
      if (this.barrier.waiting === 0) this.client.resume();
    }
  }

  fatal(error: AirlockError | ProtocolError, reason: string): void {
    if (this.closed) return;
    this.relay.flush();
    this.client.write(bm.errorResponse(errorFields(error, 'FATAL')));
    this.close(reason);
  }

  /**
   * The broker ends the session (shutdown): like PostgreSQL's own shutdown, the client gets
   * FATAL 57P01 first, saying whether a statement waiting for approval was dropped.
   */
  terminate(reason: string): void {
    if (this.closed) return;
    this.terminating = true;
    const held = this.holds.waiting ? '; the statement waiting for approval was not run' : '';
    this.relay.flush();
    this.client.write(bm.errorResponse({ severity: 'FATAL', code: '57P01', message: `Airlock: ${reason}${held}`, hint: 'Reconnect and send it again.' }));
    this.close(reason);
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    if (this.holds.waiting && !this.client.destroyed && !this.terminating) {
      // The client is waiting for a result that will not come: say why before hanging up.
      this.relay.flush();
      this.client.write(bm.errorResponse({ severity: 'FATAL', code: '57P01', message: `Airlock: ${reason}; the statement waiting for approval was not run`, hint: 'Reconnect and send it again.' }));
    }
    this.holds.ended();
    this.client.end();
    this.upstream.end();
    // Let queued bytes (the last answers, a FATAL) go out, then release the sockets.
    if (this.client instanceof Socket) this.client.destroySoon();
    else this.client.once('finish', () => this.client.destroy());
    this.upstream.destroySoon();
    this.opts.onClose(reason);
  }

  /**
   * Messages forwarded while handling a chunk stay corked in the upstream socket until the
   * records of their statements are written (see corked-upstream.ts): record before forward.
   * The same steps as `corkedTurn`, without a closure per chunk.
   */
  private onClientData(chunk: Buffer): void {
    this.turns.begin();
    try {
      this.reader.feed(chunk, this);
    } catch (e) {
      this.onClientError(e);
    }
    this.turns.end();
  }

  /** Client work outside a chunk (replays after a wait), forwarded under the same rule. */
  private corkedTurn(work: () => void): void {
    this.turns.begin();
    try {
      work();
    } catch (e) {
      this.onClientError(e);
    }
    this.turns.end();
  }

  private recordingFailed(error: unknown): void {
    this.opts.log.error('recording failed; session ended before forwarding', { error: (error as Error)?.message });
    // Destroying the corked socket drops what was forwarded: nothing recorded, nothing sent.
    this.upstream.destroy();
    this.fatal(new AirlockError('BRK_ERR_RECORDING_FAILED'), 'recording failed');
  }

  private onClientError(e: unknown): void {
    if (e instanceof ProtocolError || isAirlockError(e)) {
      this.fatal(e, `client protocol error: ${e.message}`);
      return;
    }
    this.opts.log.error('unexpected error on the client path', { error: String(e) });
    this.fatal(new AirlockError('BRK_ERR_INTERNAL'), 'internal error');
  }

  /** A client CancelRequest: withdraws a waiting approval (true), else it goes to the database. */
  cancelHeld(): boolean {
    return this.holds.cancel();
  }

  // ---- FrameSink: client messages ----------------------------------------------------------

  streamStart(_code: number, _total: number, chunk: Buffer): void {
    this.streamPiece(chunk);
  }

  streamChunk(chunk: Buffer): void {
    if (chunk.length) this.streamPiece(chunk);
  }

  /** Pieces of a large CopyData: forwarded as they come, or queued behind held messages. */
  private streamPiece(chunk: Buffer): void {
    if (this.holds.active) this.holds.queue(STREAM_PIECE, Buffer.from(chunk));
    else if (this.barrier.active) this.hold(STREAM_PIECE, Buffer.from(chunk));
    else this.toUpstream.write(chunk);
  }

  message(code: number, frame: Buffer): void {
    if (this.holds.active) this.holds.queue(code, frame);
    else if (this.barrier.active) this.hold(code, frame);
    else this.dispatch(code, frame);
  }

  private hold(code: number, frame: Buffer): void {
    this.barrier.hold({ code, frame });
    // Stop reading the socket while messages wait: the kernel's buffers apply back-pressure.
    if (this.barrier.waiting > MAX_HELD_MESSAGES) this.client.pause();
  }

  private dispatch(code: number, frame: Buffer): void {
    switch (code) {
      case STREAM_PIECE:
        return this.toUpstream.write(frame);
      case FrontendCode.Query:
        return this.onQuery(frame);
      case FrontendCode.Parse:
        return this.extendedMessages.parse(frame);
      case FrontendCode.Bind:
        return this.extendedMessages.bind(frame);
      case FrontendCode.Execute:
        return this.extendedMessages.execute(frame);
      case FrontendCode.Sync:
        return this.extendedMessages.sync(frame);
      case FrontendCode.Close:
        return this.extendedMessages.close(frame);
      case FrontendCode.Describe:
        return this.extendedMessages.describe(frame);
      case FrontendCode.Flush:
        return this.extendedMessages.flush(frame);
      case FrontendCode.CopyData:
      case FrontendCode.CopyDone:
      case FrontendCode.CopyFail:
        return this.toUpstream.write(frame);
      case FrontendCode.Terminate:
        // Answers to what came before Terminate still flow back; the database closes after it.
        this.clientTerminated = true;
        this.toUpstream.write(frame);
        this.client.pause();
        setTimeout(() => this.close(CLIENT_ENDED), 5000).unref();
        return;
      case FrontendCode.FunctionCall:
        // The fastpath interface calls a function by OID, out of sight of the analyser.
        return this.refusal.refuse(errorFields(new AirlockError('BRK_ERR_FUNCTION_CALL')), 'simple', '<fastpath function call>', []);
      default:
        throw new ProtocolError('malformed', `unexpected message type ${code} after start-up`);
    }
  }

  private onQuery(frame: Buffer): void {
    const p = this.position;
    if (p.skipUntilSync) return;
    let sql: string;
    try {
      sql = parseQuery(frame, this.decoding);
    } catch (e) {
      return this.admission.undecodable(e, 'simple');
    }
    const gate = this.admission.admit('simple', sql);
    if (!gate) return;
    if (this.holds.mustHold(gate)) return this.holds.start(FrontendCode.Query, frame, { protocol: 'simple', sql, gate });
    const outputs = this.admission.maskingOutputs('simple', sql, gate.kinds);
    if (outputs === null) return;
    // Queued now, written before the corked query leaves (see release-batch.ts).
    const id = this.opts.recorder.statement('simple', sql, gate.kinds, this.holds.recordedDecision(gate));
    p.unitsSent++;
    if (outputs) this.masking!.query(p.unitsSent, outputs);
    this.tracker.started(id, p.unitsSent, true);
    this.toUpstream.write(frame);
    if (gate.changesReading) this.barrier.holdUntilUnit(p.unitsSent);
  }
}
