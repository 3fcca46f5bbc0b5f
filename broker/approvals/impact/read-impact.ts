/**
 * Turns a dry run's answers into the impact a reviewer sees: rows changed per table (the
 * difference between the `pg_stat_xact_user_tables` snapshots), the rows the statement itself
 * reported, and what a rollback does not undo.
 */
import type { StatementSummary } from '../../analysis/types.js';
import { isReadOnlyBuiltin } from '../../analysis/index.js';
import { rowsFromCommandTag } from '../../protocol/postgres/index.js';
import type { Impact, TableImpact } from '../types.js';
import type { CommandResult, DryRunPlan, UnitResult } from './dry-run-plan.js';

type Counts = Map<string, [number, number, number]>;

function snapshot(r: CommandResult | undefined): Counts | undefined {
  if (!r || r.error) return undefined;
  const m: Counts = new Map();
  for (const row of r.rows) m.set(row[0] ?? '?', [Number(row[1] ?? 0), Number(row[2] ?? 0), Number(row[3] ?? 0)]);
  return m;
}

function at(units: readonly UnitResult[], [u, i]: readonly [number, number]): CommandResult | undefined {
  return units[u]?.results[i];
}

/** Facts a rollback cannot undo, from the statement's analysis and what it changed. */
export function undoNotes(statements: readonly StatementSummary[], tables: readonly TableImpact[]): string[] {
  const notes: string[] = [];
  const functions = statements.flatMap((s) => s.functions);
  if (tables.some((t) => t.inserted > 0) || functions.some((f) => /(^|\.)(nextval|setval)$/.test(f))) {
    notes.push('sequence values taken by the dry run are not given back by the rollback (sequences are not transactional)');
  }
  const custom = [...new Set(functions.filter((f) => !isReadOnlyBuiltin(f)))];
  if (custom.length > 0) notes.push(`functions it calls (${custom.slice(0, 5).join(', ')}) may act outside the database, where a rollback cannot reach`);
  if (statements.some((s) => s.kind === 'truncate')) notes.push('TRUNCATE is not counted in row statistics: the rows it removes are not in the figures');
  return notes;
}

export function readImpact(plan: DryRunPlan, units: readonly UnitResult[], statements: readonly StatementSummary[], durationMs: number): Impact {
  const stmtResults = plan.statement.result === undefined
    ? units[plan.statement.unit]?.results ?? []
    : [units[plan.statement.unit]?.results[plan.statement.result]].filter((r): r is CommandResult => r !== undefined);
  const setupError = units[0]?.results.slice(0, plan.before[1] + 1).find((r) => r.error)?.error;
  const error = setupError ?? stmtResults.find((r) => r.error)?.error;
  let rowsReported: number | undefined;
  for (const r of stmtResults) {
    const n = r.tag ? rowsFromCommandTag(r.tag) : null;
    if (n !== null) rowsReported = (rowsReported ?? 0) + n;
  }
  const before = snapshot(at(units, plan.before));
  const after = snapshot(at(units, plan.after));
  if (!before || !after) {
    return {
      method: 'unavailable',
      ...(rowsReported === undefined ? {} : { rowsReported }),
      tables: [],
      notes: [error ? 'the dry run failed, so nothing could be measured' : 'the row statistics could not be read'],
      durationMs,
      ...(error ? { error } : {}),
    };
  }
  const tables: TableImpact[] = [];
  for (const [table, [i, u, d]] of after) {
    const [bi, bu, bd] = before.get(table) ?? [0, 0, 0];
    const t = { table, inserted: i - bi, updated: u - bu, deleted: d - bd };
    if (t.inserted || t.updated || t.deleted) tables.push(t);
  }
  tables.sort((a, b) => a.table.localeCompare(b.table));
  const rowsChanged = tables.reduce((n, t) => n + t.inserted + t.updated + t.deleted, 0);
  return {
    method: 'measured',
    ...(rowsReported === undefined ? {} : { rowsReported }),
    rowsChanged,
    tables,
    notes: undoNotes(statements, tables),
    durationMs,
    ...(error ? { error } : {}),
  };
}

/** The planner's estimate from `EXPLAIN (FORMAT JSON)`: rows the modifying node will receive. */
export function readEstimate(units: readonly UnitResult[], statements: readonly StatementSummary[], durationMs: number): Impact {
  const r = units[0]?.results[0];
  const text = r?.rows[0]?.[0];
  try {
    if (!text || r?.error) throw new Error(r?.error?.message ?? 'no plan');
    const plan = (JSON.parse(text) as { Plan: PlanNode }[])[0]!.Plan;
    const source = plan['Node Type'] === 'ModifyTable' && plan.Plans?.[0] ? plan.Plans[0] : plan;
    const rows = Math.round(source['Plan Rows'] ?? 0);
    return {
      method: 'estimated',
      rowsChanged: rows,
      tables: [],
      notes: ['the planner\'s estimate, not a measurement: rows written by cascades and triggers are not included', ...undoNotes(statements, [])],
      durationMs,
    };
  } catch (e) {
    return { method: 'unavailable', tables: [], notes: [`the planner could not estimate it (${(e as Error).message})`], durationMs };
  }
}

interface PlanNode {
  readonly 'Node Type'?: string;
  readonly 'Plan Rows'?: number;
  readonly Plans?: readonly PlanNode[];
}
