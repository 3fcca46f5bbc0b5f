/**
 * Output columns of a query: WITH queries, FROM items (tables, views, subqueries, functions,
 * joins, LATERAL), the select list with stars expanded, set operations column by column,
 * VALUES lists. WHERE, GROUP BY, HAVING, ORDER BY and join conditions only choose rows: they
 * add no sources (the issue's rule: filters that only use a sensitive column return clear data).
 */
import type { LineageContext } from './context.js';
import { checkCalls, exprColumn, exprSources, nameOf, resolveColumnRef, scopeStar } from './expressions.js';
import { Scope } from './scope.js';
import { LineageError, NO_SOURCES, union, type OutputColumn } from './types.js';

type Obj = Record<string, unknown>;

const unwrap = (node: unknown): Obj => {
  const o = node as Obj;
  return (o && typeof o === 'object' && 'SelectStmt' in o ? o.SelectStmt : o) as Obj;
};

const aliasOf = (a: unknown): { name?: string; columns?: string[] } => {
  const o = a as Obj | undefined;
  if (!o) return {};
  const cols = (o.colnames as Obj[] | undefined)?.map((c) => ((c.String as Obj).sval as string));
  return { ...(o.aliasname ? { name: o.aliasname as string } : {}), ...(cols ? { columns: cols } : {}) };
};

function rename(cols: readonly OutputColumn[], names: readonly string[] | undefined): OutputColumn[] {
  return cols.map((c, i) => (names && names[i] !== undefined ? { ...c, name: names[i]! } : c));
}

export function selectOutput(node: unknown, outer: Scope | undefined, ctx: LineageContext): readonly OutputColumn[] {
  const s = unwrap(node);
  const scope = new Scope(outer);
  withClause(s.withClause, scope, ctx);
  if (s.op && s.op !== 'SETOP_NONE') return setOperation(s, scope, ctx);
  if (s.valuesLists) return valuesLists(s.valuesLists as Obj[], scope, ctx);
  for (const item of (s.fromClause as unknown[] | undefined) ?? []) fromItem(item, scope, ctx);
  const out: OutputColumn[] = [];
  for (const t of (s.targetList as Obj[] | undefined) ?? []) {
    const rt = t.ResTarget as Obj;
    const val = rt.val as Obj;
    const ref = val.ColumnRef as Obj | undefined;
    const fields = (ref?.fields as Obj[] | undefined) ?? [];
    if (ref && fields.length > 0 && 'A_Star' in fields[fields.length - 1]!) {
      out.push(...(fields.length === 1 ? scopeStar(scope) : resolveColumnRef(ref, scope)));
      continue;
    }
    out.push(exprColumn(val, (rt.name as string | undefined) ?? displayName(val), scope, ctx));
  }
  // Every other clause (WHERE, GROUP BY, ORDER BY, LIMIT, OFFSET, WINDOW, locking...) only
  // chooses rows, but may call functions: check them all.
  const { targetList: _t, fromClause: _f, withClause: _w, ...rest } = s;
  checkCalls(rest, scope, ctx);
  return out;
}

function displayName(val: Obj): string {
  if ('ColumnRef' in val) {
    const f = ((val.ColumnRef as Obj).fields as Obj[]) ?? [];
    return (((f[f.length - 1]?.String as Obj | undefined)?.sval as string | undefined) ?? '?');
  }
  if ('FuncCall' in val) return nameOf((val.FuncCall as Obj).funcname).split('.').pop() ?? '?column?';
  return '?column?';
}

function withClause(w: unknown, scope: Scope, ctx: LineageContext): void {
  const clause = w as Obj | undefined;
  if (!clause) return;
  for (const c of (clause.ctes as Obj[] | undefined) ?? []) {
    const cte = c.CommonTableExpr as Obj;
    const name = cte.ctename as string;
    const names = (cte.aliascolnames as Obj[] | undefined)?.map((x) => (x.String as Obj).sval as string);
    if (clause.recursive && refersTo(cte.ctequery, name)) {
      // A recursive query refers to itself: start from its non-recursive term, then iterate
      // until its lineage stops growing.
      const q = unwrap(cte.ctequery);
      const seed = q.op && q.op !== 'SETOP_NONE' ? ctx.query(q.larg, scope) : [];
      let cols: readonly OutputColumn[] = rename(seed.length ? seed : spreadAll(NO_SOURCES, name), names);
      for (let i = 0; i < 8; i++) {
        scope.ctes.set(name, cols);
        const next = rename(ctx.query(cte.ctequery, scope), names);
        const grown = next.map((c, j) => ({ ...c, sources: union(c.sources, cols[j]?.sources ?? NO_SOURCES) }));
        const done = sameSources(grown, cols);
        cols = grown;
        if (done) break;
      }
      scope.ctes.set(name, cols);
    } else {
      scope.ctes.set(name, rename(statementColumns(cte.ctequery, scope, ctx), names));
    }
  }
}

/** A WITH query may be INSERT/UPDATE/DELETE/MERGE ... RETURNING: write-checked, its columns are what it returns. */
function statementColumns(node: unknown, scope: Scope, ctx: LineageContext): readonly OutputColumn[] {
  const o = node as Obj;
  if ('SelectStmt' in o) return ctx.query(o, scope);
  return ctx.modifying(o, scope);
}

/** RETURNING items: `returningClause.exprs` in PostgreSQL 18's tree, `returningList` before. */
export function returningItems(stmt: Obj): unknown {
  return ((stmt.returningClause as Obj | undefined)?.exprs) ?? stmt.returningList;
}

export function returning(list: unknown, scope: Scope, ctx: LineageContext): OutputColumn[] {
  return ((list as Obj[] | undefined) ?? []).flatMap((t) => {
    const rt = t.ResTarget as Obj;
    const val = rt.val as Obj;
    const ref = val.ColumnRef as Obj | undefined;
    const fields = (ref?.fields as Obj[] | undefined) ?? [];
    if (ref && fields.length && 'A_Star' in fields[fields.length - 1]!) return fields.length === 1 ? scopeStar(scope) : resolveColumnRef(ref, scope);
    return [exprColumn(val, (rt.name as string | undefined) ?? displayName(val), scope, ctx)];
  });
}

function refersTo(node: unknown, name: string): boolean {
  return JSON.stringify(node).includes(`"relname":${JSON.stringify(name)}`);
}

function sameSources(a: readonly OutputColumn[], b: readonly OutputColumn[]): boolean {
  return a.length === b.length && a.every((c, i) => c.sources.size === b[i]!.sources.size);
}

function spreadAll(sources: ReadonlySet<string>, name: string): OutputColumn[] {
  return [{ name, sources, spread: true }];
}

function setOperation(s: Obj, scope: Scope, ctx: LineageContext): readonly OutputColumn[] {
  const l = ctx.query(s.larg, scope);
  const r = ctx.query(s.rarg, scope);
  if (l.some((c) => c.spread) || r.some((c) => c.spread) || l.length !== r.length) {
    return spreadAll(union(...l.map((c) => c.sources), ...r.map((c) => c.sources)), l[0]?.name ?? '?column?');
  }
  return l.map((c, i) => {
    const d = r[i]!;
    const direct = c.direct && c.direct === d.direct ? c.direct : undefined;
    return { name: c.name, sources: union(c.sources, d.sources), ...(direct ? { direct } : {}) };
  });
}

function valuesLists(rows: Obj[], scope: Scope, ctx: LineageContext): OutputColumn[] {
  const width = ((rows[0]?.List as Obj | undefined)?.items as unknown[] | undefined)?.length ?? 0;
  const out: OutputColumn[] = [];
  for (let i = 0; i < width; i++) {
    out.push({ name: `column${i + 1}`, sources: union(...rows.map((r) => exprSources(((r.List as Obj).items as unknown[])[i], scope, ctx))) });
  }
  return out;
}

/** Adds one FROM item (and, for joins, both sides) to `scope`. */
export function fromItem(item: unknown, scope: Scope, ctx: LineageContext): void {
  const o = item as Obj;
  if ('RangeVar' in o) {
    const rv = o.RangeVar as Obj;
    const schema = rv.schemaname as string | undefined;
    const name = rv.relname as string;
    const alias = aliasOf(rv.alias);
    const cte = schema === undefined ? scope.cte(name) : undefined;
    if (cte) {
      scope.add({ name: alias.name ?? name, columns: rename(cte, alias.columns) });
      return;
    }
    ctx.checkRelation(schema, name);
    const rel = ctx.catalog.relation(schema, name);
    if (!rel) throw new LineageError(`relation "${schema ? `${schema}.` : ''}${name}" is not known to Airlock's catalog`);
    if (rel.opaque) {
      scope.add({ name: alias.name ?? name, columns: undefined, anyColumn: rel.opaque });
      return;
    }
    const cols = rel.viewColumns ?? rel.columns.map((c) => {
      const key = `${rel.schema}.${rel.name}.${c}`;
      return { name: c, sources: new Set([key]), direct: key };
    });
    scope.add({ name: alias.name ?? name, columns: rename(cols, alias.columns) });
    return;
  }
  if ('JoinExpr' in o) {
    const j = o.JoinExpr as Obj;
    const before = scope.relations.length;
    fromItem(j.larg, scope, ctx);
    fromItem(j.rarg, scope, ctx);
    exprSources(j.quals, scope, ctx);
    const alias = aliasOf(j.alias);
    if (alias.name) {
      // `(a JOIN b) AS j`: j's columns are those of both sides, in order.
      const sides = new Scope(undefined);
      sides.relations.push(...scope.relations.slice(before));
      scope.add({ name: alias.name, columns: rename(scopeStar(sides), alias.columns) });
    }
    return;
  }
  if ('RangeSubselect' in o) {
    const rs = o.RangeSubselect as Obj;
    const alias = aliasOf(rs.alias);
    const cols = rename(ctx.query(rs.subquery, new Scope(scope)), alias.columns);
    scope.add({ name: alias.name ?? '?subquery?', columns: cols });
    return;
  }
  if ('RangeFunction' in o) {
    const rf = o.RangeFunction as Obj;
    const alias = aliasOf(rf.alias);
    let sources = NO_SOURCES;
    let fname = '?function?';
    for (const f of (rf.functions as Obj[] | undefined) ?? []) {
      const items = ((f.List as Obj | undefined)?.items as unknown[] | undefined) ?? [f];
      sources = union(sources, exprSources(items[0], scope, ctx));
      const call = (items[0] as Obj).FuncCall as Obj | undefined;
      if (call) fname = nameOf(call.funcname).split('.').pop() ?? fname;
    }
    const name = alias.name ?? fname;
    const columns = alias.columns?.map((c) => ({ name: c, sources }));
    scope.add({ name, columns, anyColumn: { name, sources } });
    return;
  }
  if ('RangeTableSample' in o) {
    const ts = o.RangeTableSample as Obj;
    checkCalls(ts.args, scope, ctx);
    fromItem(ts.relation, scope, ctx);
    return;
  }
  const key = Object.keys(o)[0] ?? 'item';
  if (key !== 'RangeTableFunc' && key !== 'JsonTable') throw new LineageError(`${key} in FROM is not supported for masked identities`);
  // XMLTABLE, JSON_TABLE: lineage of everything inside, of unknown width.
  const sources = exprSources(o, scope, ctx);
  const alias = aliasOf((o[key] as Obj | undefined)?.alias);
  scope.add({ name: alias.name ?? key, columns: undefined, anyColumn: { name: alias.name ?? key, sources } });
}
