/**
 * Sources of an expression. The walk is generic — every nested node is visited, so a node type
 * this file has never heard of still has its column references counted — with a few nodes
 * handled on purpose:
 * - ColumnRef: resolved in scope; a bare relation name (`c`, `c.*`) is a whole-row reference
 *   and counts every column of that relation;
 * - FuncCall: only functions known to be side-effect-free may be called (a user function could
 *   read or leak anything); `count(...)` reveals no values, so its arguments add no sources;
 * - SubLink: `EXISTS` only filters; a scalar or ARRAY subquery, and `x IN (SELECT ...)`, return
 *   values derived from the subquery's output column.
 */
import type { LineageContext } from './context.js';
import { Scope } from './scope.js';
import { LineageError, NO_SOURCES, union, type OutputColumn, type Sources } from './types.js';

type Obj = Record<string, unknown>;

export function nameOf(list: unknown): string {
  return ((list as Obj[] | undefined) ?? [])
    .map((n) => ((n.String as Obj | undefined)?.sval as string | undefined) ?? '*')
    .join('.');
}

/** `c.email`, `email`, `s.c.email`, `c` (whole row), `c.*` (whole row). */
export function resolveColumnRef(ref: Obj, scope: Scope): OutputColumn[] {
  const fields = (ref.fields as Obj[] | undefined) ?? [];
  const parts = fields.map((f) => ('A_Star' in f ? '*' : (((f.String as Obj | undefined)?.sval as string | undefined) ?? '?')));
  const last = parts[parts.length - 1]!;
  if (last === '*') {
    if (parts.length === 1) return scopeStar(scope);
    return wholeRow(parts[parts.length - 2]!, scope, parts.join('.'));
  }
  if (parts.length === 1) {
    const cols = scope.column(last);
    if (cols.length) return cols;
    // Not a column: a whole-row reference to a relation (`SELECT c FROM customers c`).
    if (scope.relation(last)) return wholeRow(last, scope, last);
    throw new LineageError(`column "${last}" could not be resolved`);
  }
  const rel = scope.relation(parts[parts.length - 2]!);
  if (!rel) throw new LineageError(`"${parts.join('.')}" could not be resolved`);
  if (!rel.columns) return [rel.anyColumn!];
  const c = rel.columns.find((x) => x.name === last);
  if (c) return [c];
  throw new LineageError(`column "${parts.join('.')}" could not be resolved`);
}

function wholeRow(relName: string, scope: Scope, text: string): OutputColumn[] {
  const rel = scope.relation(relName);
  if (!rel) throw new LineageError(`"${text}" could not be resolved`);
  return rel.columns ? [...rel.columns] : [rel.anyColumn!];
}

/** Every column of every relation at the innermost level (`SELECT *`). */
export function scopeStar(scope: Scope): OutputColumn[] {
  const out: OutputColumn[] = [];
  for (const r of scope.relations) {
    if (r.columns) out.push(...r.columns);
    else out.push({ ...r.anyColumn!, spread: true });
  }
  return out;
}

const COUNT = new Set(['count', 'pg_catalog.count']);

export function exprSources(node: unknown, scope: Scope, ctx: LineageContext): Sources {
  if (node === null || typeof node !== 'object') return NO_SOURCES;
  if (Array.isArray(node)) return union(...node.map((n) => exprSources(n, scope, ctx)));
  const o = node as Obj;
  if ('ColumnRef' in o) return union(...resolveColumnRef(o.ColumnRef as Obj, scope).map((c) => c.sources));
  if ('FuncCall' in o) {
    const f = o.FuncCall as Obj;
    const name = nameOf(f.funcname);
    ctx.checkFunction(name);
    if (/(^|\.)current_setting$/.test(name)) {
      // Custom settings (`x.y`) hold whatever code put there (a set_config in a trigger).
      const first = JSON.stringify((f.args as unknown[] | undefined)?.[0] ?? null);
      const literal = /^\{"A_Const":\{"sval":\{"sval":"([^"]*)"\}/.exec(first)?.[1];
      if (literal === undefined || literal.includes('.')) throw new LineageError('current_setting() of a custom or computed setting may return values set by code Airlock cannot see');
    }
    const args = union(exprSources(f.args, scope, ctx), exprSources(f.agg_order, scope, ctx));
    checkCalls(f.agg_filter, scope, ctx);
    checkCalls(f.over, scope, ctx);
    return COUNT.has(name.toLowerCase()) ? NO_SOURCES : args;
  }
  if ('SubLink' in o) {
    const s = o.SubLink as Obj;
    const sub = ctx.query(s.subselect, new Scope(scope));
    const test = exprSources(s.testexpr, scope, ctx);
    if (s.subLinkType === 'EXISTS_SUBLINK') return NO_SOURCES;
    return union(test, ...sub.map((c) => c.sources));
  }
  if ('SelectStmt' in o) return union(...ctx.query(o, new Scope(scope)).map((c) => c.sources));
  if ('A_Expr' in o) checkOperator(o.A_Expr as Obj, ctx);
  let acc: Sources = NO_SOURCES;
  for (const v of Object.values(o)) {
    const s = exprSources(v, scope, ctx);
    if (s.size) acc = union(acc, s);
  }
  return acc;
}

/**
 * Checks every function call and operator in a clause that returns no values (WHERE, ORDER BY,
 * LIMIT, window definitions, join conditions...): a call there can still act (set_config,
 * pg_notify). Column references are not resolved (ORDER BY may name output columns).
 */
export function checkCalls(node: unknown, scope: Scope, ctx: LineageContext): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const n of node) checkCalls(n, scope, ctx);
    return;
  }
  const o = node as Obj;
  if ('FuncCall' in o) ctx.checkFunction(nameOf((o.FuncCall as Obj).funcname));
  if ('A_Expr' in o) checkOperator(o.A_Expr as Obj, ctx);
  if ('SubLink' in o) {
    const s = o.SubLink as Obj;
    ctx.query(s.subselect, new Scope(scope));
    checkCalls(s.testexpr, scope, ctx);
    return;
  }
  if ('SelectStmt' in o) {
    ctx.query(o, new Scope(scope));
    return;
  }
  for (const v of Object.values(o)) checkCalls(v, scope, ctx);
}

/** Operators backed by user functions can do anything a function can: only standard ones are allowed. */
const STANDARD_OPERATORS = new Set([
  '=', '<>', '!=', '<', '>', '<=', '>=', '+', '-', '*', '/', '%', '^', '||', '~~', '!~~', '~~*', '!~~*', '~', '!~', '~*', '!~*',
  '->', '->>', '#>', '#>>', '@>', '<@', '?', '?|', '?&', '&&', '@@', '|', '&', '#', '<<', '>>', '-|-', '@', '|/', '||/', '!', '#-', '@?',
]);

export function checkOperator(e: Obj, ctx: LineageContext): void {
  const name = nameOf(e.name);
  const op = name.replace(/^pg_catalog\./, '');
  if (e.kind === 'AEXPR_OP' || e.kind === 'AEXPR_OP_ANY' || e.kind === 'AEXPR_OP_ALL') {
    if (!STANDARD_OPERATORS.has(op) || (name.includes('.') && !name.startsWith('pg_catalog.'))) ctx.checkFunction(`operator ${name}`);
  }
}

/** The output column of a select-list entry that is not a star. */
export function exprColumn(val: Obj, name: string, scope: Scope, ctx: LineageContext): OutputColumn {
  if ('ColumnRef' in val) {
    const cols = resolveColumnRef(val.ColumnRef as Obj, scope);
    if (cols.length === 1 && cols[0]!.direct) return { name, sources: cols[0]!.sources, direct: cols[0]!.direct };
    return { name, sources: union(...cols.map((c) => c.sources)) };
  }
  return { name, sources: exprSources(val, scope, ctx) };
}
