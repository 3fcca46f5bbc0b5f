/**
 * Decision-relevant facts about one SQL statement, derived from PostgreSQL's own parse tree
 * (libpg-query). This — never the syntax tree — is what the caches keep.
 */

/** Coarse command class that rules match on. */
export type StatementKind =
  | 'select'
  | 'insert'
  | 'update'
  | 'delete'
  | 'merge'
  | 'truncate'
  | 'ddl'
  | 'dcl'
  | 'copy'
  | 'transaction'
  | 'set'
  | 'show'
  | 'prepare'
  | 'execute'
  | 'deallocate'
  | 'cursor'
  | 'listen'
  | 'notify'
  | 'do'
  | 'call'
  | 'explain'
  | 'maintenance'
  | 'lock'
  | 'session'
  | 'other'
  | 'unknown';

export const STATEMENT_KINDS: readonly StatementKind[] = [
  'select', 'insert', 'update', 'delete', 'merge', 'truncate', 'ddl', 'dcl', 'copy', 'transaction',
  'set', 'show', 'prepare', 'execute', 'deallocate', 'cursor', 'listen', 'notify', 'do', 'call',
  'explain', 'maintenance', 'lock', 'session', 'other', 'unknown',
];

export interface CopyFacts {
  readonly direction: 'from' | 'to';
  /** `COPY ... PROGRAM '...'` runs a shell command on the database server. */
  readonly program: boolean;
  /** `COPY t FROM 'file'` / `TO 'file'` reads or writes a server-side file. */
  readonly serverFile: boolean;
}

export interface SettingFacts {
  /** Lower-cased setting name, e.g. `search_path`, `role`, `session_authorization`. */
  readonly name: string;
  /** The literal value as text (`DEFAULT`/`RESET` → null). Depends on literals: never cached by shape. */
  readonly value: string | null;
  readonly local: boolean;
}

export interface StatementSummary {
  readonly kind: StatementKind;
  /** The parse-tree node name, e.g. `DeleteStmt`, for explanations and recording. */
  readonly node: string;
  /**
   * Relations read / written, lower-cased as PostgreSQL folds them: `schema.name` when qualified,
   * `name` when not. Includes relations reached through CTEs, subqueries and `EXPLAIN ANALYZE`.
   */
  readonly tablesRead: readonly string[];
  readonly tablesWritten: readonly string[];
  /** Functions called, lower-cased, schema-qualified when written so (`pg_catalog.pg_read_file`). */
  readonly functions: readonly string[];
  /**
   * Data-modifying operations anywhere in the statement (`insert`, `update`, `delete`, `merge`):
   * the statement's own, and those inside WITH clauses, `COPY (query)`, `EXPLAIN ANALYZE` and
   * `PREPARE`. Sorted. Rules' `kinds` look at these as well as `kind`.
   */
  readonly operations: readonly StatementKind[];
  /** An `UPDATE` or `DELETE` (anywhere in the statement, CTEs included) without a `WHERE`. */
  readonly missingWhere: boolean;
  /** A `WITH` clause containing `INSERT`/`UPDATE`/`DELETE`/`MERGE`. */
  readonly modifyingCte: boolean;
  /** True when the statement can change data or schema (writes, DDL, DO, CALL, unknown...). */
  readonly writes: boolean;
  /** `EXPLAIN ANALYZE <inner>`: the inner statement really runs; its facts are merged in. */
  readonly explainAnalyze?: boolean;
  /** `PREPARE name AS <inner>`: the inner summary, inherited by `EXECUTE name`. */
  readonly prepare?: { readonly name: string; readonly inner: StatementSummary };
  /** `EXECUTE name`. */
  readonly execute?: { readonly name: string };
  /** `DEALLOCATE name` (null name = ALL). */
  readonly deallocate?: { readonly name: string | null };
  readonly copy?: CopyFacts;
  readonly setting?: SettingFacts;
  /** BEGIN/COMMIT/ROLLBACK/SAVEPOINT/... as the lower-cased TransactionStmtKind suffix. */
  readonly transaction?: string;
  /** A fact derived from a literal value (SET values, EXPLAIN options, COPY PROGRAM, set_config args). */
  readonly literalDependent: boolean;
}

/** The outcome of analysing one query string (which may hold several statements). */
export type Analysis =
  | { readonly ok: true; readonly statements: readonly StatementSummary[] }
  | { readonly ok: false; readonly error: string; readonly statements: readonly StatementSummary[] };

/** Reading rules of the session, tracked from ParameterStatus and startup options. */
export interface SessionSyntax {
  readonly standardConformingStrings: boolean;
  readonly clientEncoding: string;
}
