/**
 * The steady state of one client session: client → broker → database and back.
 *
 * Client messages are framed (never trusted whole until parsed), statements go through the
 * gate (analysis + policy), are recorded before they are forwarded, and refused ones are
 * replaced by a poison (see blocked-statements.ts). Database messages are relayed as they come,
 * with only the few inspections the broker needs.
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
  parseBind,
  readBindTarget,
  parseClose,
  parseExecute,
  parseParse,
  parseQuery,
  ProtocolError,
  type FrameSink,
  type NoticeFields,
  type TextDecoding,
} from '../protocol/postgres/index.js';
import type { SessionRecorder } from '../recording/session-recorder.js';
import { BlockedStatements } from './blocked-statements.js';
import { CoalescingWriter } from './coalescing-writer.js';
import { CURSOR_PORTAL, decisionError, errorFields, PIPELINED_AFTER_SETTING } from './refusal-errors.js';
import { ExecutionTracker } from './execution-tracker.js';
import { ExtendedQueryState, type PreparedStatement } from './extended-query-state.js';
import { ReadingBarrier, STREAM_PIECE } from './reading-barrier.js';
import type { Releasable, ReleaseBatch } from './release-batch.js';
import { UpstreamRelay } from './upstream-relay.js';
import type { GateResult, StatementGate } from './statement-gate.js';
import type { HoldContext } from './approval-hold.js';
import { SessionHolds } from './session-holds.js';
import { ResultMasking, type MaskedResult } from './result-masking.js';
import type { SessionMasking } from '../masking/session-masking.js';
import { LineageError, type StatementOutput } from '../masking/lineage/types.js';

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

export class ProxySession implements FrameSink, Releasable {
  private readonly client: Duplex;
  private readonly upstream: Socket;
  private readonly reader: FrameReader;
  private readonly blocked = new BlockedStatements();
  private readonly tracker: ExecutionTracker;
  private readonly relay: UpstreamRelay;
  /** Protocol-level prepared statements and portals (extended query protocol). */
  private readonly extended = new ExtendedQueryState();
  /** After a refused Parse, client messages are dropped until Sync, as the server would. */
  private skipUntilSync = false;
  /** Sync units sent to the database (each answered by one ReadyForQuery). */
  private unitsSent = 0;
  private decoding: TextDecoding;
  private closed = false;
  private terminating = false;
  /** The client sent Terminate: whichever socket closes first, the client ended the session. */
  private clientTerminated = false;
  /** Messages pipelined behind a statement that can change how text is read wait here. */
  private readonly barrier = new ReadingBarrier();
  /** Corks on the upstream socket not yet released, and whether a release is queued. */
  private corks = 0;
  private releaseQueued = false;
  /** Statements waiting for approval, and every client message after them (in order). */
  private readonly holds: SessionHolds;
  private readonly masking: ResultMasking | undefined;
  /** Extended messages were forwarded since the last Sync (a batch is open upstream). */
  private forwardedSinceSync = false;
  private readonly toUpstream = new CoalescingWriter((buf) => {
    if (!this.upstream.write(buf)) this.client.pause();
  });

  constructor(private readonly opts: ProxySessionOptions) {
    this.client = opts.client;
    this.upstream = opts.upstream;
    this.decoding = decodingFor(opts.clientEncoding);
    this.reader = new FrameReader({
      maxMessageBytes: opts.maxMessageBytes,
      streamable: (c) => c === FrontendCode.CopyData,
    });
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
      unitsSent: () => this.unitsSent,
      midBatch: () => this.forwardedSinceSync,
      dispatch: (code, frame) => this.dispatch(code, frame),
      message: (code, frame) => this.message(code, frame),
      streamPiece: (frame) => this.streamPiece(frame),
      refuse: (fields, protocol, sql, kinds, decision) => this.refuse(fields, protocol, sql, kinds, decision),
      corkedTurn: (work) => this.corkedTurn(work),
      fatal: (error, reason) => this.fatal(error, reason),
      close: (reason) => this.close(reason),
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
   * records of their statements are written (see release-batch.ts): record before forward.
   */
  private onClientData(chunk: Buffer): void {
    this.corkedTurn(() => this.reader.feed(chunk, this));
  }

  private corkedTurn(work: () => void): void {
    this.upstream.cork();
    this.corks++;
    try {
      work();
    } catch (e) {
      this.onClientError(e);
    }
    this.toUpstream.flush();
    if (!this.releaseQueued) {
      this.releaseQueued = true;
      this.opts.release.defer(this);
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

  private forward(frame: Buffer): void {
    this.toUpstream.write(frame);
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
    else this.forward(chunk);
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
        return this.forward(frame);
      case FrontendCode.Query:
        return this.onQuery(frame);
      case FrontendCode.Parse:
        return this.onParse(frame);
      case FrontendCode.Bind:
        return this.onBind(frame);
      case FrontendCode.Execute:
        return this.onExecute(frame);
      case FrontendCode.Sync:
        this.skipUntilSync = false;
        this.forwardedSinceSync = false;
        this.unitsSent++;
        this.barrier.syncSent(this.unitsSent);
        return this.forward(frame);
      case FrontendCode.Close:
        if (this.skipUntilSync) return;
        this.onClose(frame);
        this.forwardedSinceSync = true;
        return this.forward(frame);
      case FrontendCode.Describe:
      case FrontendCode.Flush:
        if (this.skipUntilSync) return;
        if (code === FrontendCode.Describe) this.masking?.describe(this.unitsSent + 1);
        this.forwardedSinceSync = true;
        return this.forward(frame);
      case FrontendCode.CopyData:
      case FrontendCode.CopyDone:
      case FrontendCode.CopyFail:
        return this.forward(frame);
      case FrontendCode.Terminate:
        // Answers to what came before Terminate still flow back; the database closes after it.
        this.clientTerminated = true;
        this.forward(frame);
        this.client.pause();
        setTimeout(() => this.close(CLIENT_ENDED), 5000).unref();
        return;
      case FrontendCode.FunctionCall:
        // The fastpath interface calls a function by OID, out of sight of the analyser.
        return this.refuse(errorFields(new AirlockError('BRK_ERR_FUNCTION_CALL')), 'simple', '<fastpath function call>', []);
      default:
        throw new ProtocolError('malformed', `unexpected message type ${code} after start-up`);
    }
  }

  private onQuery(frame: Buffer): void {
    if (this.skipUntilSync) return;
    const sql = this.readText('simple', () => parseQuery(frame, this.decoding));
    if (sql === undefined) return;
    const gate = this.admit('simple', sql);
    if (!gate) return;
    if (this.holds.mustHold(gate)) return this.holds.start(FrontendCode.Query, frame, { protocol: 'simple', sql, gate });
    const outputs = this.maskingOutputs('simple', sql, gate.kinds);
    if (outputs === null) return;
    // Queued now, written before the corked query leaves (see release-batch.ts).
    const id = this.opts.recorder.statement('simple', sql, gate.kinds, this.holds.recordedDecision(gate));
    this.unitsSent++;
    if (outputs) this.masking!.query(this.unitsSent, outputs);
    this.tracker.started(id, this.unitsSent, true);
    this.forward(frame);
    if (gate.changesReading) this.barrier.holdUntilUnit(this.unitsSent);
  }

  private onParse(frame: Buffer): void {
    if (this.skipUntilSync) return;
    const parsed = this.readText('extended', () => parseParse(frame, this.decoding));
    if (parsed === undefined) return;
    const gate = this.admit('extended', parsed.sql);
    if (!gate) return;
    if (this.holds.mustHold(gate)) return this.holds.start(FrontendCode.Parse, frame);
    const outputs = this.maskingOutputs('extended', parsed.sql, gate.kinds);
    if (outputs === null) return;
    this.extended.parsed(parsed.name, parsed.sql, gate, parsed.paramTypes, outputs?.[0]);
    this.forwardedSinceSync = true;
    this.forward(frame);
  }

  /**
   * For a masked identity: what each statement returns, or `null` after refusing a statement
   * whose lineage cannot be established. `undefined` when the session is not masked.
   */
  private maskingOutputs(protocol: 'simple' | 'extended', sql: string, kinds: readonly string[]): StatementOutput[] | null | undefined {
    const m = this.masking;
    if (!m) return undefined;
    try {
      return m.masking.outputs(sql);
    } catch (e) {
      if (!(e instanceof LineageError)) throw e;
      const explanation = `rule "airlock:masking-lineage" (block): ${e.message}`;
      this.refuse(
        { severity: 'ERROR', code: '42501', message: `Airlock cannot show this to a masked identity: ${e.message}`, hint: 'Select the columns you need directly from tables or views (built-in functions only), or ask for an exemption from masking.' },
        protocol, sql, kinds, { action: 'block', rule: 'airlock:masking-lineage', explanation, hint: undefined, statementIndex: 0 },
      );
      return null;
    }
  }

  /** Decodes a message's text; text invalid in the session's encoding is refused (undefined). */
  private readText<T>(protocol: 'simple' | 'extended', read: () => T): T | undefined {
    try {
      return read();
    } catch (e) {
      if (!(e instanceof ProtocolError) || e.code !== 'encoding') throw e;
      this.refuse({ severity: 'ERROR', code: e.sqlState, message: `Airlock refused the statement: ${e.message}`, hint: 'Send valid text in the session\'s client_encoding.' }, protocol, '<undecodable text>', ['unknown']);
      return undefined;
    }
  }

  /**
   * Judges a statement text; refuses it (undefined) unless allowed. Text pipelined in the same
   * extended batch behind a reading-rule change is refused unread (see reading-barrier.ts).
   */
  private admit(protocol: 'simple' | 'extended', sql: string): GateResult | undefined {
    if (this.barrier.changedInBatch) {
      this.refuse(decisionError(PIPELINED_AFTER_SETTING), protocol, sql, ['unknown'], PIPELINED_AFTER_SETTING);
      return undefined;
    }
    const gate = this.opts.gate.check(sql);
    if (gate.decision.action === 'block' || (gate.decision.action === 'approve' && !this.opts.approvals)) {
      this.refuse(decisionError(gate.decision), protocol, sql, gate.kinds, gate.decision);
      return undefined;
    }
    this.extended.forgetDeallocated(gate);
    return gate;
  }

  private onBind(frame: Buffer): void {
    if (this.skipUntilSync) return;
    let b: { portal: string; statement: string };
    let params: (Buffer | null)[] | number;
    if (this.opts.recorder.recordParameters) {
      const full = parseBind(frame, this.decoding);
      b = full;
      params = full.params.map((p) => (p ? Buffer.from(p) : null));
    } else {
      const target = readBindTarget(frame, this.decoding);
      b = target;
      params = target.paramCount;
    }
    let statement: PreparedStatement | undefined = this.extended.statement(b.statement);
    if (!statement) {
      // Not parsed in this session: a statement created by SQL PREPARE, judged by what it runs.
      const gate = this.opts.gate.checkPrepared(b.statement);
      const sql = `EXECUTE ${b.statement} -- bound by name through the extended protocol`;
      if (gate.decision.action === 'block' || (gate.decision.action === 'approve' && !this.opts.approvals)) {
        return this.refuse(decisionError(gate.decision), 'extended', sql, gate.kinds, gate.decision);
      }
      // For a masked identity: what the SQL-level PREPARE returns (undefined: masked as unknown).
      const output = this.masking?.masking.state.prepared.get(b.statement);
      statement = output ? { sql, gate, output } : { sql, gate };
    }
    if (this.holds.mustHold(statement.gate)) return this.holds.start(FrontendCode.Bind, frame);
    this.extended.bound(b.portal, { statement, params });
    this.forwardedSinceSync = true;
    this.forward(frame);
  }

  private onExecute(frame: Buffer): void {
    if (this.skipUntilSync) return;
    const { portal } = parseExecute(frame);
    const bound = this.extended.portal(portal);
    if (!bound) {
      // Not bound by Bind: a SQL cursor (its query was judged at DECLARE), or nothing (the
      // database answers with its own error). Recorded either way.
      const id = this.opts.recorder.statement('extended', `-- Execute of portal "${portal}" (a SQL cursor, or no such portal)`, ['cursor'], CURSOR_PORTAL);
      this.tracker.started(id, this.unitsSent + 1, false);
      this.masking?.execute(this.unitsSent + 1, this.masking.masking.state.cursors.get(portal));
      this.forwardedSinceSync = true;
      this.forward(frame);
      return;
    }
    const stmt = bound.statement;
    if (this.holds.mustHold(stmt.gate)) return this.holds.start(FrontendCode.Execute, frame);
    if (stmt.gate.changesReading) this.barrier.changedInBatch = true;
    const decision = this.holds.recordedDecision(stmt.gate);
    const fragment = decision !== stmt.gate.decision
      ? this.opts.recorder.fragment('extended', stmt.sql, stmt.gate.kinds, decision)
      : (stmt.fragment ??= this.opts.recorder.fragment('extended', stmt.sql, stmt.gate.kinds, stmt.gate.decision));
    const id = this.opts.recorder.statementFromFragment(fragment, bound.params);
    this.tracker.started(id, this.unitsSent + 1, false);
    this.masking?.execute(this.unitsSent + 1, stmt.output);
    this.forwardedSinceSync = true;
    this.forward(frame);
  }

  private onClose(frame: Buffer): void {
    const { target, name } = parseClose(frame);
    this.extended.closed(target, name);
  }

  /** Records the refusal, then has the database fail in its place (blocked-statements.ts). */
  private refuse(fields: NoticeFields, protocol: 'simple' | 'extended', sql: string, kinds: readonly string[], decision?: Decision): void {
    const d = decision ?? { action: 'block', rule: 'airlock:protocol', explanation: fields.message, hint: fields.hint, statementIndex: 0 };
    this.opts.recorder.statement(protocol, sql, kinds, d);
    this.poison(fields, protocol);
    this.opts.onRefused?.(sql, d);
  }

  private poison(fields: NoticeFields, protocol: 'simple' | 'extended'): void {
    if (protocol === 'simple') {
      this.unitsSent++;
      this.forward(this.blocked.poisonQuery(this.unitsSent, fields));
    } else {
      this.forward(this.blocked.poisonParse(this.unitsSent + 1, fields));
      this.skipUntilSync = true;
      this.forwardedSinceSync = true;
    }
  }
}
