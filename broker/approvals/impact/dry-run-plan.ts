/**
 * The messages of an impact dry run and how to read their answers. Sans-I/O: the proxy's side
 * channel sends `units` and hands back what the database answered, unit by unit.
 *
 * The held statement runs inside a transaction (or, when the client is already in one, a
 * savepoint) that is always rolled back, bounded by `statement_timeout` and `lock_timeout` set
 * with `set_config(..., true)` (transaction-local, undone by the rollback). What it changed is
 * read from `pg_stat_xact_user_tables` before and after: those counters include rows written by
 * cascades, triggers and functions, which a command tag does not.
 * @see https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-ALL-TABLES-VIEW
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-EXT-QUERY
 *
 * Extended-protocol statements are replayed with their own parameters through named statements
 * and portals (`__airlock_dry_*`) so the client's unnamed statement and portal are untouched.
 */
import { frontendWriter as fw } from '../../protocol/postgres/index.js';

export interface CommandResult {
  tag?: string;
  rows: (string | null)[][];
  error?: { code: string; message: string };
}

export interface UnitResult {
  readonly results: CommandResult[];
  readonly status: 'I' | 'T' | 'E';
}

export interface DryRunTarget {
  readonly protocol: 'simple' | 'extended';
  readonly sql: string;
  /**
   * Extended protocol: the statement already exists on the server under this name (parsed in
   * an earlier batch, or by SQL PREPARE): the dry run binds to it instead of parsing `sql`.
   */
  readonly statementName?: string;
  readonly paramTypes?: readonly number[];
  readonly paramFormats?: readonly number[];
  readonly params?: readonly (Uint8Array | null)[];
}

export interface DryRunLimits {
  readonly statementTimeoutMs: number;
  readonly lockTimeoutMs: number;
}

export interface DryRunPlan {
  /** Each entry is one sync unit (answered by one ReadyForQuery). */
  readonly units: readonly Buffer[][];
  /** Where the answers are: [unit, result] of the snapshots and the statement's results. */
  readonly before: readonly [number, number];
  readonly after: readonly [number, number];
  /** The statement's results: the whole unit (simple) or one result (extended). */
  readonly statement: { readonly unit: number; readonly result?: number };
}

const SAVEPOINT = 'airlock_dry_run';
export const SNAPSHOT_SQL =
  "SELECT schemaname || '.' || relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_catalog.pg_stat_xact_user_tables WHERE n_tup_ins + n_tup_upd + n_tup_del > 0";

function limitsSql(l: DryRunLimits): string {
  return `SELECT pg_catalog.set_config('statement_timeout', '${Math.trunc(l.statementTimeoutMs)}', true), pg_catalog.set_config('lock_timeout', '${Math.trunc(l.lockTimeoutMs)}', true)`;
}

/** `inTransaction`: the client's session is inside a transaction block (status T). */
export function planDryRun(target: DryRunTarget, inTransaction: boolean, limits: DryRunLimits): DryRunPlan {
  const open = inTransaction ? `SAVEPOINT ${SAVEPOINT}` : 'BEGIN';
  const close = inTransaction ? [`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`, `RELEASE SAVEPOINT ${SAVEPOINT}`] : ['ROLLBACK'];
  if (target.protocol === 'simple') {
    return {
      units: [
        [fw.query(`${open}; ${limitsSql(limits)}; ${SNAPSHOT_SQL}`)],
        [fw.query(target.sql)],
        [fw.query(SNAPSHOT_SQL)],
        [fw.query(close.join('; '))],
      ],
      before: [0, 2],
      after: [2, 0],
      statement: { unit: 1 },
    };
  }
  const names = { open: '__airlock_dry_open', limits: '__airlock_dry_limits', snap: '__airlock_dry_snap', stmt: '__airlock_dry_stmt' };
  const portal = '__airlock_dry_portal';
  const run = (stmt: string, params: { formats?: readonly number[]; values?: readonly (Uint8Array | null)[] } = {}): Buffer[] => [
    fw.bind(portal, stmt, params.formats ?? [], params.values ?? []),
    fw.execute(portal),
    fw.close('P', portal),
  ];
  const first: Buffer[] = [
    fw.parse(names.open, open), ...run(names.open),
    fw.parse(names.limits, limitsSql(limits)), ...run(names.limits),
    fw.parse(names.snap, SNAPSHOT_SQL), ...run(names.snap),
    ...(target.statementName === undefined ? [fw.parse(names.stmt, target.sql, target.paramTypes ?? [])] : []),
    ...run(target.statementName ?? names.stmt, { formats: target.paramFormats ?? [], values: target.params ?? [] }),
    ...run(names.snap),
    fw.sync(),
  ];
  const second: Buffer[] = [];
  close.forEach((sql, i) => {
    const n = `__airlock_dry_close${i}`;
    second.push(fw.parse(n, sql), fw.bind(portal, n, [], []), fw.execute(portal), fw.close('P', portal), fw.close('S', n));
  });
  for (const n of Object.values(names)) second.push(fw.close('S', n));
  second.push(fw.sync());
  return { units: [first, second], before: [0, 2], after: [0, 4], statement: { unit: 0, result: 3 } };
}
