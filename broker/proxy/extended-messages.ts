/**
 * The extended query protocol's client messages. Parse is judged like a query and remembered under
 * its name (extended-query-state.ts); Bind of a name not parsed here is a statement created by SQL
 * PREPARE, judged by what it runs; Execute is what is recorded as run, with the Bind's parameters;
 * Close forgets a name; Describe tells masking a RowDescription is coming; Sync ends the batch
 * (one sync unit). After a refusal the messages up to the Sync are dropped, as the server drops
 * them after its own error.
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-EXT-QUERY
 */
import {
  FrontendCode,
  parseBind,
  parseClose,
  parseExecute,
  parseParse,
  readBindTarget,
  type ParseMessage,
  type TextDecoding,
} from '../protocol/postgres/index.js';
import type { SessionRecorder } from '../recording/session-recorder.js';
import type { CoalescingWriter } from './coalescing-writer.js';
import type { ExecutionTracker } from './execution-tracker.js';
import type { ExtendedQueryState, PreparedStatement } from './extended-query-state.js';
import type { ReadingBarrier } from './reading-barrier.js';
import { CURSOR_PORTAL, decisionError } from './refusal-errors.js';
import type { ResultMasking } from './result-masking.js';
import type { SessionHolds } from './session-holds.js';
import type { StatementAdmission } from './statement-admission.js';
import type { StatementGate } from './statement-gate.js';
import type { StatementRefusal } from './statement-refusal.js';
import type { SyncPosition } from './sync-position.js';

export interface ExtendedMessagesOptions {
  readonly position: SyncPosition;
  readonly extended: ExtendedQueryState;
  readonly admission: StatementAdmission;
  readonly refusal: StatementRefusal;
  readonly holds: SessionHolds;
  readonly gate: StatementGate;
  readonly recorder: SessionRecorder;
  readonly tracker: ExecutionTracker;
  readonly barrier: ReadingBarrier;
  readonly masking: ResultMasking | undefined;
  readonly toUpstream: CoalescingWriter;
  /** The session's current client encoding (it changes with ParameterStatus). */
  readonly decoding: () => TextDecoding;
}

export class ExtendedMessages {
  constructor(private readonly o: ExtendedMessagesOptions) {}

  parse(frame: Buffer): void {
    const o = this.o;
    if (o.position.skipUntilSync) return;
    let parsed: ParseMessage;
    try {
      parsed = parseParse(frame, o.decoding());
    } catch (e) {
      return o.admission.undecodable(e, 'extended');
    }
    const gate = o.admission.admit('extended', parsed.sql);
    if (!gate) return;
    if (o.holds.mustHold(gate)) return o.holds.start(FrontendCode.Parse, frame);
    const outputs = o.admission.maskingOutputs('extended', parsed.sql, gate.kinds);
    if (outputs === null) return;
    o.extended.parsed(parsed.name, parsed.sql, gate, parsed.paramTypes, outputs?.[0]);
    o.position.forwardedSinceSync = true;
    o.toUpstream.write(frame);
  }

  bind(frame: Buffer): void {
    const o = this.o;
    if (o.position.skipUntilSync) return;
    let b: { portal: string; statement: string };
    let params: (Buffer | null)[] | number;
    if (o.recorder.recordParameters) {
      const full = parseBind(frame, o.decoding());
      b = full;
      params = full.params.map((p) => (p ? Buffer.from(p) : null));
    } else {
      const target = readBindTarget(frame, o.decoding());
      b = target;
      params = target.paramCount;
    }
    let statement: PreparedStatement | undefined = o.extended.statement(b.statement);
    if (!statement) {
      // Not parsed in this session: a statement created by SQL PREPARE, judged by what it runs.
      const gate = o.gate.checkPrepared(b.statement);
      const sql = `EXECUTE ${b.statement} -- bound by name through the extended protocol`;
      if (o.admission.refuses(gate.decision)) {
        return o.refusal.refuse(decisionError(gate.decision), 'extended', sql, gate.kinds, gate.decision);
      }
      // For a masked identity: what the SQL-level PREPARE returns (undefined: masked as unknown).
      const output = o.masking?.masking.state.prepared.get(b.statement);
      statement = output ? { sql, gate, output } : { sql, gate };
    }
    if (o.holds.mustHold(statement.gate)) return o.holds.start(FrontendCode.Bind, frame);
    o.extended.bound(b.portal, { statement, params });
    o.position.forwardedSinceSync = true;
    o.toUpstream.write(frame);
  }

  execute(frame: Buffer): void {
    const o = this.o;
    if (o.position.skipUntilSync) return;
    const { portal } = parseExecute(frame);
    const bound = o.extended.portal(portal);
    if (!bound) {
      // Not bound by Bind: a SQL cursor (its query was judged at DECLARE), or nothing (the
      // database answers with its own error). Recorded either way.
      const id = o.recorder.statement('extended', `-- Execute of portal "${portal}" (a SQL cursor, or no such portal)`, ['cursor'], CURSOR_PORTAL);
      o.tracker.started(id, o.position.unitsSent + 1, false);
      o.masking?.execute(o.position.unitsSent + 1, o.masking.masking.state.cursors.get(portal));
      o.position.forwardedSinceSync = true;
      o.toUpstream.write(frame);
      return;
    }
    const stmt = bound.statement;
    if (o.holds.mustHold(stmt.gate)) return o.holds.start(FrontendCode.Execute, frame);
    if (stmt.gate.changesReading) o.barrier.changedInBatch = true;
    const decision = o.holds.recordedDecision(stmt.gate);
    const fragment = decision !== stmt.gate.decision
      ? o.recorder.fragment('extended', stmt.sql, stmt.gate.kinds, decision)
      : (stmt.fragment ??= o.recorder.fragment('extended', stmt.sql, stmt.gate.kinds, stmt.gate.decision));
    const id = o.recorder.statementFromFragment(fragment, bound.params);
    o.tracker.started(id, o.position.unitsSent + 1, false);
    o.masking?.execute(o.position.unitsSent + 1, stmt.output);
    o.position.forwardedSinceSync = true;
    o.toUpstream.write(frame);
  }

  close(frame: Buffer): void {
    const o = this.o;
    if (o.position.skipUntilSync) return;
    const { target, name } = parseClose(frame);
    o.extended.closed(target, name);
    o.position.forwardedSinceSync = true;
    o.toUpstream.write(frame);
  }

  describe(frame: Buffer): void {
    const o = this.o;
    if (o.position.skipUntilSync) return;
    o.masking?.describe(o.position.unitsSent + 1);
    o.position.forwardedSinceSync = true;
    o.toUpstream.write(frame);
  }

  flush(frame: Buffer): void {
    const o = this.o;
    if (o.position.skipUntilSync) return;
    o.position.forwardedSinceSync = true;
    o.toUpstream.write(frame);
  }

  /** Ends the batch: one sync unit, answered by one ReadyForQuery. */
  sync(frame: Buffer): void {
    const p = this.o.position;
    p.skipUntilSync = false;
    p.forwardedSinceSync = false;
    p.unitsSent++;
    this.o.barrier.syncSent(p.unitsSent);
    this.o.toUpstream.write(frame);
  }
}
