/**
 * What the session knows of the extended query protocol's named objects: prepared statements
 * (as judged at Parse) and portals (as bound). Kept in step with the server: a Parse under an
 * existing name is refused by the server (42P05) and changes nothing here; Close, DEALLOCATE
 * and DISCARD forget statements, so a later Bind of the name is judged anew.
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-EXT-QUERY
 */
import type { StatementOutput } from '../masking/lineage/types.js';
import { droppedStatements, type GateResult } from './statement-gate.js';

export interface PreparedStatement {
  readonly sql: string;
  readonly gate: GateResult;
  /** Parameter type OIDs from Parse (kept to replay the statement in an impact dry run). */
  readonly paramTypes?: readonly number[];
  /** For a masked identity: what it returns. */
  readonly output?: StatementOutput;
  /** The constant part of its statement record, built at the first Execute. */
  fragment?: string;
}

export interface BoundPortal {
  readonly statement: PreparedStatement;
  /** Parameters (copied only when they are recorded in clear), else their count. */
  readonly params: (Buffer | null)[] | number;
}

export class ExtendedQueryState {
  private readonly statements = new Map<string, PreparedStatement>();
  private readonly portals = new Map<string, BoundPortal>();

  parsed(name: string, sql: string, gate: GateResult, paramTypes?: readonly number[], output?: StatementOutput): void {
    if (name !== '' && this.statements.has(name)) return;
    // Drivers without named statements (pgbench -M extended, many ORMs) send the same unnamed
    // Parse before every Bind: keep the statement judged the same way, and its record fragment.
    const current = name === '' ? this.statements.get('') : undefined;
    if (current && current.sql === sql && current.gate === gate && current.output === output && sameTypes(current.paramTypes, paramTypes)) return;
    this.statements.set(name, { sql, gate, ...(paramTypes?.length ? { paramTypes } : {}), ...(output ? { output } : {}) });
  }

  /** Judges every prepared statement and bound portal again (the session's rules changed). */
  rejudge(check: (sql: string) => GateResult): void {
    const again = (st: PreparedStatement): PreparedStatement => ({ ...st, gate: check(st.sql), fragment: undefined });
    for (const [name, st] of this.statements) this.statements.set(name, again(st));
    for (const [name, p] of this.portals) this.portals.set(name, { ...p, statement: again(p.statement) });
  }

  statement(name: string): PreparedStatement | undefined {
    return this.statements.get(name);
  }

  bound(portal: string, binding: BoundPortal): void {
    this.portals.set(portal, binding);
  }

  portal(name: string): BoundPortal | undefined {
    return this.portals.get(name);
  }

  closed(target: 'S' | 'P', name: string): void {
    if (target === 'S') this.statements.delete(name);
    else this.portals.delete(name);
  }

  /** DEALLOCATE / DISCARD run through SQL drop protocol-level statements too. */
  forgetDeallocated(gate: GateResult): void {
    for (const name of droppedStatements(gate.analysis)) {
      if (name === null) this.statements.clear();
      else this.statements.delete(name);
    }
  }
}

function sameTypes(kept: readonly number[] | undefined, parsed: readonly number[] | undefined): boolean {
  const n = parsed?.length ?? 0;
  if ((kept?.length ?? 0) !== n) return false;
  for (let i = 0; i < n; i++) if (kept![i] !== parsed![i]) return false;
  return true;
}
