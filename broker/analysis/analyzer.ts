/**
 * Statement analysis with PostgreSQL's own parser (libpg-query, WASM).
 *
 * `analyzeSql` turns a query string into one `StatementSummary` per statement: each top-level
 * statement is summarised by statement-summary.ts over the generic walk of tree-walk.ts (what it
 * touches is collected in statement-facts.ts, SET and set_config in setting-facts.ts).
 *
 * Conventions:
 * - Relation and function names are those of the parse tree: unquoted identifiers are already
 *   folded to lower case by the parser, quoted ones keep their case (`"Customers"` → `Customers`),
 *   exactly as PostgreSQL resolves them. Qualified names are joined with dots as written.
 * - The target of INSERT/UPDATE/DELETE/MERGE/TRUNCATE/COPY FROM/SELECT INTO, and every relation a
 *   DDL, DCL or maintenance statement names directly, is reported in `tablesWritten` (only
 *   there); every other relation (FROM, JOIN, subqueries, USING, MERGE source, LOCK...) in
 *   `tablesRead`. References to a WITH query in scope are not relations and are left out.
 * - The analysis never throws: a parse failure is `{ ok: false, error, statements: [unknown] }`.
 */
import { loadModule, parseSync } from 'libpg-query';
import type { Analysis, StatementSummary } from './types.js';
import { unwrap, type Obj } from './parse-tree.js';
import { summarize, UNKNOWN_SUMMARY } from './statement-summary.js';

export { UNKNOWN_SUMMARY };

let loading: Promise<void> | undefined;
let loaded = false;

/** Loads the parser (WASM). Idempotent; must complete before `analyzeSql` can succeed. */
export async function initAnalyzer(): Promise<void> {
  loading ??= loadModule().then(() => {
    loaded = true;
  });
  await loading;
}

/** True once `initAnalyzer()` has completed. */
export function analyzerReady(): boolean {
  return loaded;
}

const EMPTY_ANALYSIS: Analysis = Object.freeze({ ok: true, statements: Object.freeze([]) });

/** A frozen failed analysis carrying PostgreSQL's error message. */
export function failedAnalysis(error: string): Analysis {
  return Object.freeze({ ok: false, error, statements: Object.freeze([UNKNOWN_SUMMARY]) });
}

/**
 * Analyse a query string (one or several statements). Synchronous; requires `initAnalyzer()`.
 * Never throws. Relies on libpg-query's fixed reading rules (standard_conforming_strings on).
 */
export function analyzeSql(sql: string): Analysis {
  if (typeof sql !== 'string') return failedAnalysis('query is not a string');
  if (!loaded) return failedAnalysis('statement analyzer is not initialised');
  if (sql.length === 0) return EMPTY_ANALYSIS;
  // The parser reads a C string: text after a NUL would be invisible to it. The wire protocol
  // cannot carry one either, so refuse rather than analyse a prefix.
  if (sql.includes('\0')) return failedAnalysis('invalid byte sequence for encoding "UTF8": 0x00');
  let stmts: unknown;
  try {
    stmts = parseSync(sql).stmts;
  } catch (err) {
    return failedAnalysis(errorMessage(err));
  }
  try {
    if (stmts === undefined) return EMPTY_ANALYSIS;
    if (!Array.isArray(stmts)) return failedAnalysis('unexpected parse tree');
    const out: StatementSummary[] = [];
    for (const raw of stmts) {
      const wrapped = (raw as Obj)['stmt'];
      const inner = unwrap(wrapped);
      if (inner === undefined) return failedAnalysis('unexpected parse tree');
      out.push(summarize(inner[0], inner[1]));
    }
    return Object.freeze({ ok: true, statements: Object.freeze(out) });
  } catch (err) {
    // Defensive: a walker bug must not turn into an exception (or a permissive answer).
    return failedAnalysis(`statement analysis failed: ${errorMessage(err)}`);
  }
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
