/**
 * What one statement returns to a masked identity, or why that cannot be established (then
 * the statement is refused). Besides reading, a masked identity must not be able to copy
 * sensitive values somewhere they are not masked: writes of values derived from a sensitive
 * column into a column that is not itself sensitive are refused (INSERT ... SELECT, UPDATE SET,
 * CREATE TABLE AS, SELECT INTO), and so is EXPLAIN VERBOSE over sensitive columns (the planner
 * prints folded values), procedural code and user functions (they can read or leak anything).
 */
import { isReadOnlyBuiltin } from '../../analysis/index.js';
import type { LineageContext } from './context.js';
import { checkCalls, exprSources } from './expressions.js';
import { fromItem, returning, returningItems, selectOutput } from './query.js';
import { Scope } from './scope.js';
import { LineageError, union, type Catalog, type OutputColumn, type Sources, type StatementOutput } from './types.js';

type Obj = Record<string, unknown>;

/** Catalog views and tables that show values of other tables' columns (statistics, large objects). */
const VALUE_EXPOSING = new Set(['pg_stats', 'pg_statistic', 'pg_stats_ext', 'pg_stats_ext_exprs', 'pg_statistic_ext_data', 'pg_largeobject']);

export interface SessionLineageState {
  /** SQL-level prepared statements and cursors: what EXECUTE / FETCH return. */
  readonly prepared: Map<string, StatementOutput>;
  readonly cursors: Map<string, StatementOutput>;
  /** Cursors declared WITH HOLD (they outlive their transaction). */
  readonly holdCursors: Set<string>;
}

export interface LineageOptions {
  readonly catalog: Catalog;
  /** Whether a source column key is sensitive for this identity. */
  readonly isSensitive: (key: string) => boolean;
  readonly state: SessionLineageState;
}

class Context implements LineageContext {
  readonly catalog: Catalog;
  constructor(readonly o: LineageOptions) {
    this.catalog = o.catalog;
  }

  modifying(node: Obj, scope: Scope): readonly OutputColumn[] {
    const [type] = Object.keys(node);
    if (!['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt'].includes(type!)) throw new LineageError(`${type} in a WITH clause is not supported for masked identities`);
    return writeStatement(type!, node[type!] as Obj, this.o, this, scope);
  }

  checkFunction(name: string): void {
    if (!isReadOnlyBuiltin(name)) throw new LineageError(`function ${name}() is not a built-in Airlock knows to be free of side effects, so what it reads or returns cannot be traced`);
  }

  checkRelation(_schema: string | undefined, name: string): void {
    if (VALUE_EXPOSING.has(name)) throw new LineageError(`${name} exposes values of other tables' columns`);
  }

  query(node: unknown, scope: Scope): readonly OutputColumn[] {
    return selectOutput(node, scope, this);
  }
}

const sensitiveOf = (o: LineageOptions, s: Sources): string[] => [...s].filter((k) => o.isSensitive(k));

/** The output of one parsed statement (`stmt` is the `{ SelectStmt: {...} }`-style node). */
export function statementOutput(stmt: Obj, o: LineageOptions): StatementOutput {
  const ctx = new Context(o);
  const [type] = Object.keys(stmt);
  const node = stmt[type!] as Obj;
  const rows = (columns: readonly OutputColumn[]): StatementOutput => ({ kind: 'rows', columns });
  switch (type) {
    case 'SelectStmt': {
      const cols = selectOutput(stmt, undefined, ctx);
      if (node.intoClause) return refuseCopy(o, cols, 'SELECT INTO');
      return rows(cols);
    }
    case 'InsertStmt':
    case 'UpdateStmt':
    case 'DeleteStmt':
    case 'MergeStmt':
      return rows(writeStatement(type, node, o, ctx, undefined));
    case 'CreateTableAsStmt':
      return refuseCopy(o, ctx.query(node.query, new Scope(undefined)), 'CREATE TABLE AS');
    case 'CopyStmt': {
      if (node.is_from) return { kind: 'none' };
      const out = copyOutput(node, ctx);
      // Only COPY's default text format can be rewritten row by row (CopyOutResponse does not
      // tell text from CSV): other formats and custom delimiters are refused when they would
      // carry a masked value.
      const options = ((node.options as Obj[] | undefined) ?? []).map((d) => (d.DefElem as Obj).defname as string);
      const format = ((node.options as Obj[] | undefined) ?? []).find((d) => (d.DefElem as Obj).defname === 'format');
      const fmt = format ? JSON.stringify(format).match(/"sval":"(\w+)"/)?.[1] : 'text';
      const custom = fmt !== 'text' || options.some((n) => ['delimiter', 'null', 'header', 'quote', 'escape', 'force_quote'].includes(n));
      if (custom && out.kind === 'rows' && sensitiveOf(o, union(...out.columns.map((c) => c.sources))).length) {
        throw new LineageError('COPY with a format other than the default text format cannot be masked; use COPY ... TO STDOUT without options');
      }
      return out.kind === 'rows' ? { ...out, copyFormat: custom ? 'custom' : 'text' } : out;
    }
    case 'ExplainStmt': {
      const inner = statementOutput(node.query as Obj, o);
      const verbose = ((node.options as Obj[] | undefined) ?? []).some((d) => ((d.DefElem as Obj).defname as string) === 'verbose');
      const touched = inner.kind === 'rows' ? union(...inner.columns.map((c) => c.sources)) : new Set<string>();
      if (verbose && sensitiveOf(o, touched).length) throw new LineageError('EXPLAIN VERBOSE over sensitive columns shows values the planner folded in');
      return rows([{ name: 'QUERY PLAN', sources: new Set<string>() }]);
    }
    case 'DeclareCursorStmt': {
      const name = node.portalname as string;
      if (o.state.cursors.has(name)) throw new LineageError(`cursor "${name}" already exists; CLOSE it first`);
      const out = statementOutput(node.query as Obj, o);
      // CURSOR_OPT_HOLD (0x0020, parsenodes.h): WITH HOLD cursors outlive the transaction.
      o.state.cursors.set(name, out);
      if (((node.options as number | undefined) ?? 0) & 0x20) o.state.holdCursors.add(name);
      return { kind: 'none' };
    }
    case 'FetchStmt': {
      if (node.ismove) return { kind: 'none' };
      const out = o.state.cursors.get(node.portalname as string);
      if (!out) throw new LineageError(`cursor "${String(node.portalname)}" was not declared through Airlock`);
      return out;
    }
    case 'ClosePortalStmt':
      if (node.portalname) o.state.cursors.delete(node.portalname as string);
      else o.state.cursors.clear();
      return { kind: 'none' };
    case 'PrepareStmt': {
      const name = node.name as string;
      if (o.state.prepared.has(name)) throw new LineageError(`prepared statement "${name}" already exists; DEALLOCATE it first`);
      o.state.prepared.set(name, statementOutput(node.query as Obj, o));
      return { kind: 'none' };
    }
    case 'ExecuteStmt': {
      const out = o.state.prepared.get(node.name as string);
      if (!out) throw new LineageError(`prepared statement "${String(node.name)}" was not prepared through Airlock`);
      return out;
    }
    case 'DeallocateStmt':
      if (node.name) o.state.prepared.delete(node.name as string);
      else o.state.prepared.clear();
      return { kind: 'none' };
    case 'DoStmt':
    case 'CallStmt':
      throw new LineageError('procedural code can read and return anything');
    case 'TransactionStmt': {
      // Transaction end closes every cursor not declared WITH HOLD.
      const kind = node.kind as string;
      if (['TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK', 'TRANS_STMT_PREPARE', 'TRANS_STMT_COMMIT_PREPARED', 'TRANS_STMT_ROLLBACK_PREPARED'].includes(kind)) {
        for (const c of [...o.state.cursors.keys()]) if (!o.state.holdCursors.has(c)) o.state.cursors.delete(c);
      }
      return { kind: 'none' };
    }
    case 'VariableShowStmt':
      // Custom settings (`x.y`) hold what user code put there (set_config in a trigger...).
      if (String(node.name).includes('.')) throw new LineageError(`custom setting ${String(node.name)} may hold values set by code Airlock cannot see`);
      return rows([{ name: String(node.name), sources: new Set<string>() }]);
    case 'VariableSetStmt': {
      // Putting another schema before pg_catalog lets a user function shadow a built-in one.
      const name = String(node.name);
      if (name === 'search_path') {
        const vals = JSON.stringify(node.args ?? []);
        const pgc = vals.indexOf('pg_catalog');
        if (pgc > 0 && /"sval"/.test(vals.slice(0, pgc))) throw new LineageError('a search_path with pg_catalog after another schema lets user functions shadow built-in ones');
      }
      return { kind: 'none' };
    }
    case 'ListenStmt':
    case 'UnlistenStmt':
    case 'NotifyStmt':
    case 'DiscardStmt':
    case 'LockStmt':
      return { kind: 'none' };
    case 'CreateFunctionStmt':
    case 'CreateTrigStmt':
    case 'CreateEventTrigStmt':
    case 'DefineStmt':
    case 'RuleStmt':
    case 'CreateCastStmt':
    case 'CreateOpClassStmt':
    case 'AlterFunctionStmt':
    case 'CreatePolicyStmt':
    case 'AlterPolicyStmt':
      // Code (functions, triggers, operators, rules, casts, policies) can read and leak anything,
      // and runs where lineage cannot follow.
      throw new LineageError(`${type!.replace(/Stmt$/, '')} creates code that could expose masked values`);
    case 'AlterTableStmt':
      if (JSON.stringify(node).includes('AT_ColumnDefault') || JSON.stringify(node).includes('AT_AddColumn')) {
        throw new LineageError('column defaults run code that could expose masked values');
      }
      return statementOutputDefault(type!, node, o);
    default:
      return statementOutputDefault(type!, node, o);
  }
}

function statementOutputDefault(type: string, node: Obj, o: LineageOptions): StatementOutput {
  switch (type) {
    default:
      // Schema changes and other statements return no rows, but must not rename, retype or
      // re-expose a sensitive column (ALTER TABLE ... RENAME, CREATE VIEW, triggers...).
      for (const rel of relationsIn(node)) {
        const r = o.catalog.relation(rel.schema, rel.name);
        if (r && r.columns.some((c) => o.isSensitive(`${r.schema}.${r.name}.${c}`))) {
          throw new LineageError(`${type.replace(/Stmt$/, '')} on ${r.schema}.${r.name}, which has masked columns`);
        }
      }
      return { kind: 'none' };
  }
}

function copyOutput(node: Obj, ctx: Context): StatementOutput {
  const q = node.query as Obj | undefined;
  if (q) return { kind: 'rows', columns: 'SelectStmt' in q ? ctx.query(q, new Scope(undefined)) : ctx.modifying(q, new Scope(undefined)) };
  const scope = new Scope(undefined);
  fromItem({ RangeVar: node.relation }, scope, ctx);
  const all = scope.relations[0]!.columns ?? [];
  const names = (node.attlist as Obj[] | undefined)?.map((a) => (a.String as Obj).sval as string);
  return { kind: 'rows', columns: names ? names.map((n) => all.find((c) => c.name === n) ?? { name: n, sources: union(...all.map((c) => c.sources)) }) : all };
}

function refuseCopy(o: LineageOptions, cols: readonly OutputColumn[], what: string): StatementOutput {
  const leaked = sensitiveOf(o, union(...cols.map((c) => c.sources)));
  if (leaked.length) throw new LineageError(`${what} would copy masked values (${leaked.slice(0, 3).join(', ')}) into a table where they are not masked`);
  return { kind: 'none' };
}

/** INSERT/UPDATE/DELETE/MERGE: write checks, then what RETURNING returns. */
function writeStatement(type: string, node: Obj, o: LineageOptions, ctx: Context, outer: Scope | undefined): OutputColumn[] {
  const scope = new Scope(outer);
  withCtes(node.withClause, scope, ctx);
  const target = node.relation as Obj;
  fromItem({ RangeVar: target }, scope, ctx);
  const targetRel = scope.relations[0]!;
  for (const item of (node.fromClause as unknown[] | undefined) ?? (node.usingClause as unknown[] | undefined) ?? []) fromItem(item, scope, ctx);
  if (node.sourceRelation) fromItem(node.sourceRelation, scope, ctx);
  const written: { column: string; sources: Sources }[] = [];
  if (type === 'InsertStmt') {
    const cols = (node.cols as Obj[] | undefined)?.map((c) => (c.ResTarget as Obj).name as string) ?? targetRel.columns?.map((c) => c.name) ?? [];
    const values = node.selectStmt ? ctx.query(node.selectStmt, new Scope(undefined)) : [];
    values.forEach((v, i) => written.push({ column: cols[i] ?? '?', sources: v.sources }));
  } else if (type === 'UpdateStmt') {
    for (const t of (node.targetList as Obj[] | undefined) ?? []) {
      const rt = t.ResTarget as Obj;
      written.push({ column: rt.name as string, sources: exprSources(rt.val, scope, ctx) });
    }
  } else if (type === 'MergeStmt') {
    for (const w of (node.mergeWhenClauses as Obj[] | undefined) ?? []) {
      const m = w.MergeWhenClause as Obj;
      const sources = union(exprSources(m.targetList, scope, ctx), exprSources(m.values, scope, ctx));
      written.push({ column: '*', sources });
    }
  }
  // INSERT ... ON CONFLICT DO UPDATE SET writes too.
  const conflict = node.onConflictClause as Obj | undefined;
  for (const t of (conflict?.targetList as Obj[] | undefined) ?? []) {
    const rt = t.ResTarget as Obj;
    written.push({ column: rt.name as string, sources: exprSources(rt.val, scope, ctx) });
  }
  // Conditions and everything else may still call functions.
  const { relation: _r, selectStmt: _s, returningClause: _rc, returningList: _rl, withClause: _w, ...rest } = node;
  checkCalls(rest, scope, ctx);
  for (const w of written) {
    const key = `${targetKey(targetRel.columns?.[0]?.direct)}.${w.column}`;
    const leaked = sensitiveOf(o, w.sources).filter((k) => k !== key && !o.isSensitive(key));
    if (leaked.length) throw new LineageError(`this would write values of ${leaked.slice(0, 3).join(', ')} into ${key}, where they would not be masked`);
  }
  return returning(returningItems(node), scope, ctx);
}

/** WITH on INSERT/UPDATE/DELETE/MERGE (not recursive: a recursive one fails to resolve and is refused). */
function withCtes(w: unknown, scope: Scope, ctx: Context): void {
  if (!w) return;
  for (const c of ((w as Obj).ctes as Obj[] | undefined) ?? []) {
    const cte = c.CommonTableExpr as Obj;
    const q = cte.ctequery as Obj;
    const cols = 'SelectStmt' in q ? ctx.query(q, scope) : ctx.modifying(q, scope);
    scope.ctes.set(cte.ctename as string, cols);
  }
}

/** `schema.table` of a column key `schema.table.column`. */
function targetKey(direct: string | undefined): string {
  if (!direct) return '?';
  return direct.slice(0, direct.lastIndexOf('.'));
}

function relationsIn(node: unknown, out: { schema: string | undefined; name: string }[] = []): { schema: string | undefined; name: string }[] {
  if (node === null || typeof node !== 'object') return out;
  if (Array.isArray(node)) {
    for (const n of node) relationsIn(n, out);
    return out;
  }
  const o = node as Obj;
  if (typeof o.relname === 'string') out.push({ schema: o.schemaname as string | undefined, name: o.relname });
  for (const v of Object.values(o)) relationsIn(v, out);
  return out;
}
