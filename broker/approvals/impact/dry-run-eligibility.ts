/**
 * Whether a statement can be measured by running it and rolling back. Refused when the run
 * would not stay inside our transaction (transaction control, statements PostgreSQL will not
 * run in a transaction block, PREPARE/DEALLOCATE, which are not transactional) or would wait
 * on the client (COPY FROM STDIN).
 * @see https://www.postgresql.org/docs/current/sql-prepare.html (prepared statements outlive a rollback)
 */
import type { StatementSummary } from '../../analysis/types.js';

const NOT_IN_A_TRANSACTION = new Set([
  'TransactionStmt', 'VacuumStmt', 'CreatedbStmt', 'DropdbStmt', 'AlterSystemStmt', 'CreateTableSpaceStmt',
  'DropTableSpaceStmt', 'ReindexStmt', 'CheckPointStmt', 'DiscardStmt', 'PrepareStmt', 'DeallocateStmt',
  'CreateSubscriptionStmt', 'DropSubscriptionStmt', 'AlterSubscriptionStmt', 'LoadStmt', 'CopyStmt',
]);

/** Undefined when a dry run is possible, else why not. */
export function dryRunObstacle(statements: readonly StatementSummary[]): string | undefined {
  for (const s of statements) {
    if (s.kind === 'unknown') return 'the statement could not be analysed';
    if (s.kind === 'transaction' || s.node === 'TransactionStmt') return 'it contains transaction control, which would end the dry run\'s transaction';
    if (s.kind === 'copy') return 'COPY exchanges data with the client, which a dry run cannot supply or show';
    if (NOT_IN_A_TRANSACTION.has(s.node)) return `${s.node.replace(/Stmt$/, '')} cannot be rolled back or cannot run inside a transaction block`;
    if (s.kind === 'prepare' || s.kind === 'deallocate') return 'prepared statements are not transactional';
  }
  return undefined;
}

/** Single data-modifying statements the planner can estimate (EXPLAIN). */
export function estimable(statements: readonly StatementSummary[]): boolean {
  return statements.length === 1 && ['insert', 'update', 'delete', 'merge'].includes(statements[0]!.kind);
}
