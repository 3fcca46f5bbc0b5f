/**
 * A snapshot of the database's relations for lineage: every user table, view and
 * materialized view with its columns in order, and each view's column lineage computed from
 * its definition (`pg_get_viewdef`). Unqualified names resolve like the default search path
 * (`public` first); a name found only in other schemas, or in several, stands for all of them
 * (erring towards masking).
 */
import { parseSync } from 'libpg-query';
import { selectOutput } from './lineage/query.js';
import { Scope } from './lineage/scope.js';
import type { Catalog, CatalogRelation, OutputColumn } from './lineage/types.js';
import { LineageError } from './lineage/types.js';
import type { LineageContext } from './lineage/context.js';
import { isReadOnlyBuiltin } from '../analysis/index.js';

export interface CatalogRow {
  readonly oid: number;
  readonly schema: string;
  readonly name: string;
  /** `r` table, `p` partitioned, `v` view, `m` materialized view, `f` foreign table. */
  readonly kind: string;
  /** Column names by position (attnum order, dropped columns left out). */
  readonly columns: readonly string[];
  /** attnum of each entry of `columns`. */
  readonly attnums: readonly number[];
  readonly viewDefinition?: string;
  /** `schema.table` of the parents (partitioned table, inheritance). */
  readonly parents?: readonly string[];
}

export class CatalogSnapshot implements Catalog {
  private readonly byKey = new Map<string, CatalogRow>();
  private readonly byName = new Map<string, CatalogRow[]>();
  private readonly byOid = new Map<number, CatalogRow>();
  private readonly resolved = new Map<string, CatalogRelation>();
  private readonly resolving = new Set<string>();

  constructor(rows: readonly CatalogRow[], readonly loadedAt = Date.now()) {
    for (const r of rows) {
      this.byKey.set(`${r.schema}.${r.name}`, r);
      this.byOid.set(r.oid, r);
      const list = this.byName.get(r.name) ?? [];
      list.push(r);
      this.byName.set(r.name, list);
    }
  }

  /**
   * The column keys RowDescription's table OID and attnum point at: the table's own and those
   * of the same column in every ancestor (a partition or inheritance child holds its parent's
   * data, so a rule on the parent covers it).
   */
  columnKeys(tableOid: number, attnum: number): string[] {
    const r = this.byOid.get(tableOid);
    if (!r) return [];
    const i = r.attnums.indexOf(attnum);
    return i < 0 ? [] : this.keysOf(r, r.columns[i]!);
  }

  /** `schema.table.column` of `r` and of its ancestors. */
  keysOf(r: CatalogRow, column: string): string[] {
    const keys = [`${r.schema}.${r.name}.${column}`];
    const seen = new Set<string>();
    const walk = (row: CatalogRow): void => {
      for (const p of row.parents ?? []) {
        if (seen.has(p)) continue;
        seen.add(p);
        keys.push(`${p}.${column}`);
        const parent = this.byKey.get(p);
        if (parent) walk(parent);
      }
    };
    walk(r);
    return keys;
  }

  /** For a view's column (by OID and attnum): its lineage. */
  relationByOid(tableOid: number): CatalogRelation | undefined {
    const r = this.byOid.get(tableOid);
    return r ? this.relation(r.schema, r.name) : undefined;
  }

  relation(schema: string | undefined, name: string): CatalogRelation | undefined {
    if (schema !== undefined) {
      const r = this.byKey.get(`${schema}.${name}`);
      if (r) return this.resolve(r);
      return SYSTEM_SCHEMAS.has(schema) ? systemRelation(schema, name) : undefined;
    }
    // The session's search_path decides which schema an unqualified name means, and the
    // client can change it: the name stands for every schema that has it.
    const candidates = this.byName.get(name) ?? [];
    if (candidates.length === 1) return this.resolve(candidates[0]!);
    // System catalogs (pg_class, pg_settings...) hold no user data; the few that expose
    // column values (pg_stats...) are refused by the lineage checks.
    if (candidates.length === 0) return name.startsWith('pg_') ? systemRelation('pg_catalog', name) : undefined;
    // Several schemas: a column stands for all of them.
    const all = candidates.map((c) => this.resolve(c));
    const first = all[0]!;
    return {
      schema: first.schema,
      name,
      columns: first.columns,
      viewColumns: first.columns.map((col) => ({
        name: col,
        sources: new Set(all.flatMap((r) => columnsOf(r).filter((c) => c.name === col).flatMap((c) => [...c.sources]))),
      })),
    };
  }

  private resolve(r: CatalogRow): CatalogRelation {
    const key = `${r.schema}.${r.name}`;
    const done = this.resolved.get(key);
    if (done) return done;
    let rel: CatalogRelation = { schema: r.schema, name: r.name, columns: r.columns };
    if (r.parents?.length) {
      // A partition or inheritance child: its columns are also its ancestors' columns.
      rel = { ...rel, viewColumns: r.columns.map((c) => ({ name: c, sources: new Set(this.keysOf(r, c)), direct: `${r.schema}.${r.name}.${c}` })) };
    }
    if (r.viewDefinition !== undefined && !this.resolving.has(key)) {
      this.resolving.add(key);
      try {
        rel = { ...rel, viewColumns: this.viewLineage(r) };
      } finally {
        this.resolving.delete(key);
      }
    }
    this.resolved.set(key, rel);
    return rel;
  }

  /** A view's columns carry the lineage of its definition; one Airlock cannot trace is opaque. */
  private viewLineage(r: CatalogRow): OutputColumn[] {
    try {
      const tree = parseSync(r.viewDefinition!) as { stmts: { stmt: Record<string, unknown> }[] };
      const ctx: LineageContext = {
        catalog: this,
        checkFunction: (n) => {
          if (!isReadOnlyBuiltin(n)) throw new LineageError(`view ${r.schema}.${r.name} calls ${n}()`);
        },
        checkRelation: () => {},
        query: (node, scope) => selectOutput(node, scope, ctx),
        modifying: () => {
          throw new LineageError('a view cannot modify data');
        },
      };
      const cols = selectOutput(tree.stmts[0]!.stmt, new Scope(undefined), ctx);
      return r.columns.map((name, i) => ({ ...(cols[i] ?? { sources: new Set<string>() }), name }));
    } catch (e) {
      // Untraceable definition: every column of the view stands for a value we cannot vouch for.
      const why = e instanceof Error ? e.message : String(e);
      return r.columns.map((name) => ({ name, sources: new Set([`!untraceable:${r.schema}.${r.name}: ${why}`]) }));
    }
  }
}

const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema']);
const NOTHING = new Set<string>();

function systemRelation(schema: string, name: string): CatalogRelation {
  return { schema, name, columns: [], opaque: { name, sources: NOTHING } };
}

function columnsOf(r: CatalogRelation): readonly OutputColumn[] {
  return r.viewColumns ?? r.columns.map((c) => {
    const key = `${r.schema}.${r.name}.${c}`;
    return { name: c, sources: new Set([key]), direct: key };
  });
}

/** The one query that loads a snapshot (user schemas only). */
export const CATALOG_SQL = `
SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name, c.relkind AS kind,
       array_agg(a.attname::text ORDER BY a.attnum) FILTER (WHERE a.attnum > 0) AS columns,
       array_agg(a.attnum::int4 ORDER BY a.attnum) FILTER (WHERE a.attnum > 0) AS attnums,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) END AS view_definition,
       (SELECT array_agg(pn.nspname || '.' || p.relname) FROM pg_catalog.pg_inherits i
          JOIN pg_catalog.pg_class p ON p.oid = i.inhparent JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
         WHERE i.inhrelid = c.oid) AS parents
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
GROUP BY c.oid, n.nspname, c.relname, c.relkind`;
