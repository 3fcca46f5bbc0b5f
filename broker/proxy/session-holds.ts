/**
 * The session's side of approvals: keeping client messages back while a statement waits
 * (held-batch.ts), running the approval flow (approval-hold.ts) with the session's database
 * connection for the dry run (side-channel.ts), and replaying what was held once it is decided
 * — the batch itself permitted (or refused in place), then everything after it, in order.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { UnitResult } from '../approvals/impact/dry-run-plan.js';
import { AirlockError } from '../errors/airlock-error.js';
import type { Logger } from '../log.js';
import type { Decision } from '../policy/decision.js';
import { backendMessages as bm, FrontendCode, type NoticeFields, type TextDecoding } from '../protocol/postgres/index.js';
import type { SessionRecorder } from '../recording/session-recorder.js';
import { holdForApproval, type HoldContext, type HoldHost, type HoldOutcome } from './approval-hold.js';
import type { ExtendedQueryState } from './extended-query-state.js';
import { HeldBatch, type HeldTargetInfo } from './held-batch.js';
import { STREAM_PIECE } from './reading-barrier.js';
import { SideChannel } from './side-channel.js';
import type { GateResult, StatementGate } from './statement-gate.js';
import type { UpstreamRelay } from './upstream-relay.js';

/** Messages queued behind a held statement before the client socket is paused. */
const MAX_HELD_MESSAGES = 1000;

/** What the holds need from their session. */
export interface HoldsSession {
  readonly client: Duplex;
  readonly upstream: Socket;
  readonly relay: UpstreamRelay;
  readonly gate: StatementGate;
  readonly extended: ExtendedQueryState;
  readonly recorder: SessionRecorder;
  readonly log: Logger;
  readonly approvals: HoldContext | undefined;
  closed(): boolean;
  decoding(): TextDecoding;
  unitsSent(): number;
  /** Extended messages were forwarded since the last Sync. */
  midBatch(): boolean;
  dispatch(code: number, frame: Buffer): void;
  message(code: number, frame: Buffer): void;
  streamPiece(frame: Buffer): void;
  refuse(fields: NoticeFields, protocol: 'simple' | 'extended', sql: string, kinds: readonly string[], decision?: Decision): void;
  corkedTurn(work: () => void): void;
  fatal(error: AirlockError, reason: string): void;
  close(reason: string): void;
}

const NO_EXECUTION: Decision = {
  action: 'allow',
  rule: 'airlock:no-execution',
  explanation: 'the batch prepares or describes the statement without running it',
  hint: undefined,
  statementIndex: 0,
};

export class SessionHolds {
  private held: HeldBatch | undefined;
  /** Set while an approved batch is replayed: approve-gated statements in it may run. */
  private permit: Decision | undefined;
  private phase: 'measuring' | 'waiting' | undefined;
  private cancelWhileMeasuring = false;
  private interrupt: ((why: 'cancelled' | 'ended') => void) | undefined;
  private unitsSettled = 0;
  private quiesceWaiters: (() => void)[] = [];

  constructor(private readonly s: HoldsSession) {}

  /** Client messages must queue here (a statement is held). */
  get active(): boolean {
    return this.held !== undefined;
  }

  /** A statement is waiting for its approval flow (the client waits for its result). */
  get waiting(): boolean {
    return this.held?.started === true;
  }

  /** Needs approval, or measuring first, and is not part of a batch already released for it. */
  mustHold(gate: GateResult): boolean {
    return !this.permit && (gate.decision.action === 'approve' || gate.measure);
  }

  /** What the record says: the outcome of the hold for held statements, else the gate's decision. */
  recordedDecision(gate: GateResult): Decision {
    return this.permit && (gate.decision.action === 'approve' || gate.measure) ? this.permit : gate.decision;
  }

  /** Holds `frame` and everything after it; a simple Query knows its statement already. */
  start(code: number, frame: Buffer, simple?: HeldTargetInfo): void {
    this.held = new HeldBatch({ code, frame }, this.s.midBatch(), simple);
    if (this.held.complete) void this.resolve(this.held);
  }

  queue(code: number, frame: Buffer): void {
    const h = this.held!;
    // A client that leaves while its statement waits gives it up: nothing after it will run.
    if (code === FrontendCode.Terminate) return this.s.close('client terminated the session while a statement waited');
    if (h.push({ code, frame })) void this.resolve(h);
    // Stop reading while messages wait: the kernel's buffers apply back-pressure.
    if (h.queue.length > MAX_HELD_MESSAGES) this.s.client.pause();
  }

  /** ReadyForQuery for unit `n`. */
  settled(n: number): void {
    this.unitsSettled = n;
    if (n >= this.s.unitsSent() && this.quiesceWaiters.length) {
      const w = this.quiesceWaiters;
      this.quiesceWaiters = [];
      for (const f of w) f();
    }
  }

  /** A client CancelRequest: withdraws a waiting approval (true), else it goes to the database. */
  cancel(): boolean {
    if (!this.held?.started || !this.interrupt) return false;
    if (this.phase === 'measuring') {
      // The dry run is running on the database: let the cancel stop it, then refuse.
      this.cancelWhileMeasuring = true;
      return false;
    }
    this.interrupt('cancelled');
    return true;
  }

  /** The session is closing. */
  ended(): void {
    this.interrupt?.('ended');
  }

  private async resolve(h: HeldBatch): Promise<void> {
    let outcome: HoldOutcome;
    try {
      const gate = this.s.gate;
      const t = h.target({
        decoding: this.s.decoding(),
        check: (sql) => gate.check(sql),
        checkPrepared: (name) => gate.checkPrepared(name),
        statement: (name) => this.s.extended.statement(name),
        portal: (name) => this.s.extended.portal(name),
      });
      if (!t) {
        outcome = { kind: 'run', decision: NO_EXECUTION };
      } else {
        h.started = true;
        this.phase = 'measuring';
        this.cancelWhileMeasuring = false;
        const interrupted = new Promise<'cancelled' | 'ended'>((resolve) => {
          this.interrupt = resolve;
          if (this.s.closed()) resolve('ended');
        });
        const statements = t.gate.analysis.statements;
        const o = await holdForApproval(
          { ...t, decision: t.gate.decision, statements, kinds: t.gate.kinds, midBatch: h.midBatch, indirect: (m) => gate.indirectRequirements(statements, m) },
          this.host(interrupted),
          this.s.approvals!,
        );
        if (o.kind === 'refuse') this.s.corkedTurn(() => this.s.refuse(o.fields, t.protocol, t.sql, t.gate.kinds, o.decision));
        outcome = o;
      }
    } catch (e) {
      this.s.log.error('holding a statement for approval failed', { error: (e as Error).message });
      outcome = { kind: 'ended' };
      // The cause (a store's address, say) is for the operator's log, not for the client.
      if (!this.s.closed()) this.s.fatal(new AirlockError('BRK_ERR_APPROVAL_UNAVAILABLE', 'the approval could not be requested; the broker log says why'), 'approval failed');
    }
    this.interrupt = undefined;
    this.phase = undefined;
    if (this.s.closed() || outcome.kind === 'ended') return;
    this.release(h, outcome);
  }

  /** Replays the held messages: the batch (permitted, or skipped after the refusal), then the rest. */
  private release(h: HeldBatch, outcome: HoldOutcome): void {
    this.held = undefined;
    this.s.corkedTurn(() => {
      this.permit = outcome.kind === 'run' ? outcome.decision : undefined;
      try {
        for (const m of h.unit()) {
          // After a refusal of a simple Query, its poison has taken its place.
          if (outcome.kind === 'refuse' && m.code === FrontendCode.Query) continue;
          this.s.dispatch(m.code, m.frame);
        }
      } finally {
        this.permit = undefined;
      }
      for (const m of h.after()) {
        if (this.s.closed()) return;
        if (m.code === STREAM_PIECE) this.s.streamPiece(m.frame);
        else this.s.message(m.code, m.frame);
      }
    });
    if (!this.held) this.s.client.resume();
  }

  private host(interrupted: Promise<'cancelled' | 'ended'>): HoldHost {
    const { relay, client } = this.s;
    return {
      interrupted,
      cancelledWhileMeasuring: () => this.cancelWhileMeasuring,
      waiting: () => {
        this.phase = 'waiting';
      },
      quiesce: () => {
        relay.flush();
        if (this.unitsSettled >= this.s.unitsSent()) return Promise.resolve(relay.status);
        return new Promise((resolve) => this.quiesceWaiters.push(() => resolve(relay.status)));
      },
      runSide: (units) => this.runSide(units),
      notice: (fields) => {
        relay.flush();
        client.write(bm.noticeResponse(fields));
      },
      record: (type, data) => this.s.recorder.event(type, data),
    };
  }

  /** The broker's own units on the session's connection; their answers never reach the client. */
  private async runSide(units: readonly Buffer[][]): Promise<UnitResult[]> {
    if (this.s.closed()) throw new Error('session closed');
    const { relay, upstream } = this.s;
    const side = new SideChannel(units.length, this.s.decoding());
    relay.intercept = side;
    const onEnd = (): void => side.abort('the session ended during the dry run');
    upstream.once('close', onEnd);
    try {
      upstream.write(Buffer.concat(units.flat()));
      return await side.finished;
    } finally {
      upstream.off('close', onEnd);
      relay.intercept = undefined;
    }
  }
}
