/**
 * The planner's estimate, for when a dry run is off or impossible: `EXPLAIN (FORMAT JSON)` of
 * the statement, with its own parameters in the extended protocol (named statement and portal,
 * so the client's unnamed ones are untouched). EXPLAIN without ANALYZE does not run anything.
 * @see https://www.postgresql.org/docs/current/sql-explain.html
 */
import { frontendWriter as fw } from '../../protocol/postgres/index.js';
import type { DryRunTarget } from './dry-run-plan.js';

export function planEstimate(target: DryRunTarget): Buffer[][] | undefined {
  // A statement known only by name cannot be EXPLAINed with its (possibly binary) parameters.
  if (target.statementName !== undefined) return undefined;
  const sql = `EXPLAIN (FORMAT JSON) ${target.sql}`;
  if (target.protocol === 'simple') return [[fw.query(sql)]];
  const name = '__airlock_estimate';
  const portal = '__airlock_estimate_portal';
  return [[
    fw.parse(name, sql, target.paramTypes ?? []),
    fw.bind(portal, name, target.paramFormats ?? [], target.params ?? []),
    fw.execute(portal),
    fw.close('P', portal),
    fw.close('S', name),
    fw.sync(),
  ]];
}
