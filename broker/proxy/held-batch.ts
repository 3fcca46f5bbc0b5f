/**
 * Client messages kept back while a statement waits for approval: the held batch itself (a
 * simple Query, or extended messages from the first one that needs approval up to the Sync or
 * Flush that ends the batch) and everything the client sends after it, in order.
 *
 * For an extended batch the statement to approve is found here: the first Execute whose portal
 * is bound to an approve-gated statement, with the Bind's parameters, which the approval is
 * bound to. A batch that only parses or describes such a statement needs no approval.
 */
import {
  FrontendCode,
  parseBind,
  parseExecute,
  parseParse,
  type TextDecoding,
} from '../protocol/postgres/index.js';
import type { PreparedStatement } from './extended-query-state.js';
import type { HeldMessage } from './reading-barrier.js';
import type { GateResult } from './statement-gate.js';

export interface HeldTargetInfo {
  readonly protocol: 'simple' | 'extended';
  readonly sql: string;
  readonly gate: GateResult;
  readonly paramTypes?: readonly number[];
  readonly paramFormats?: readonly number[];
  readonly params?: readonly (Buffer | null)[];
  readonly unknownParameters?: string;
  readonly statementName?: string;
}

export interface StatementLookup {
  readonly decoding: TextDecoding;
  check(sql: string): GateResult;
  checkPrepared(name: string): GateResult;
  statement(name: string): PreparedStatement | undefined;
  portal(name: string): { readonly statement: PreparedStatement } | undefined;
}

/** The statement waits for a reviewer, or for a measurement of what it writes. */
function held(g: GateResult): boolean {
  return g.decision.action === 'approve' || g.measure;
}

export class HeldBatch {
  readonly queue: HeldMessage[] = [];
  /** Messages in the held batch itself; 0 until it is complete. */
  unitLength = 0;
  /** The approval flow has started (a cancel now withdraws the request). */
  started = false;

  constructor(
    first: HeldMessage,
    /** Earlier messages of the same extended batch were already forwarded. */
    readonly midBatch: boolean,
    readonly simple?: HeldTargetInfo,
  ) {
    this.queue.push(first);
    if (simple) this.unitLength = 1;
  }

  get complete(): boolean {
    return this.unitLength > 0;
  }

  /** Queues a message; true when it completes the held batch. */
  push(m: HeldMessage): boolean {
    this.queue.push(m);
    if (this.unitLength === 0 && (m.code === FrontendCode.Sync || m.code === FrontendCode.Flush)) {
      this.unitLength = this.queue.length;
      return true;
    }
    return false;
  }

  unit(): HeldMessage[] {
    return this.queue.slice(0, this.unitLength);
  }

  after(): HeldMessage[] {
    return this.queue.slice(this.unitLength);
  }

  /** The statement the batch needs approval for, if any. */
  target(l: StatementLookup): HeldTargetInfo | undefined {
    if (this.simple) return this.simple;
    const parsed = new Map<string, { sql: string; gate: GateResult; paramTypes: readonly number[] }>();
    const bound = new Map<string, { sql: string; gate: GateResult; paramTypes: readonly number[]; paramFormats: number[]; params: (Buffer | null)[]; statementName?: string }>();
    for (const m of this.unit()) {
      if (m.code === FrontendCode.Parse) {
        const p = parseParse(m.frame, l.decoding);
        parsed.set(p.name, { sql: p.sql, gate: l.check(p.sql), paramTypes: p.paramTypes });
      } else if (m.code === FrontendCode.Bind) {
        const b = parseBind(m.frame, l.decoding);
        const known = l.statement(b.statement);
        // Parsed in this batch: the dry run parses it itself. Otherwise it exists on the server
        // already (an earlier Parse, or SQL PREPARE) and the dry run binds to it by name.
        const s = parsed.get(b.statement)
          ?? { statementName: b.statement, ...(known ? { sql: known.sql, gate: known.gate, paramTypes: known.paramTypes ?? [] }
            : { sql: `EXECUTE ${b.statement} -- bound by name through the extended protocol`, gate: l.checkPrepared(b.statement), paramTypes: [] }) };
        bound.set(b.portal, { ...s, paramFormats: b.paramFormats, params: b.params.map((x) => (x ? Buffer.from(x) : null)) });
      } else if (m.code === FrontendCode.Execute) {
        const { portal } = parseExecute(m.frame, l.decoding);
        const b = bound.get(portal);
        if (b && held(b.gate)) return { protocol: 'extended', ...b };
        const earlier = b ? undefined : l.portal(portal);
        if (earlier && held(earlier.statement.gate)) {
          return { protocol: 'extended', sql: earlier.statement.sql, gate: earlier.statement.gate, unknownParameters: 'the portal was bound in an earlier batch, so its parameters are not known' };
        }
      }
    }
    return undefined;
  }
}
