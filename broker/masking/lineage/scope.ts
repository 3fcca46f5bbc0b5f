/**
 * The relations visible to an expression: FROM items of the current query level (base tables,
 * views, subqueries, WITH queries, functions, joins), and those of enclosing levels for
 * correlated and LATERAL references.
 */
import type { OutputColumn } from './types.js';

export interface ScopeRelation {
  /** Alias, or the relation's own name. */
  readonly name: string;
  /** Columns in order; `undefined` when the width is unknown (see OutputColumn.spread). */
  readonly columns: readonly OutputColumn[] | undefined;
  /** Lineage of any column when the width is unknown. */
  readonly anyColumn?: OutputColumn;
}

export class Scope {
  readonly relations: ScopeRelation[] = [];
  constructor(
    readonly parent: Scope | undefined,
    /** WITH queries visible at this level (name → output columns). */
    readonly ctes: Map<string, readonly OutputColumn[]> = new Map(parent?.ctes ?? []),
  ) {}

  add(r: ScopeRelation): void {
    this.relations.push(r);
  }

  cte(name: string): readonly OutputColumn[] | undefined {
    return this.ctes.get(name);
  }

  /** The relation named `name`, innermost level first. */
  relation(name: string): ScopeRelation | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const r = s.relations.find((x) => x.name === name);
      if (r) return r;
    }
    return undefined;
  }

  /**
   * The column `name` of any relation, innermost level first. Within one level, every relation
   * that has it counts (an ambiguous name fails in PostgreSQL anyway; the union errs on the safe
   * side), and a relation of unknown width may have it.
   */
  column(name: string): OutputColumn[] {
    const maybe: OutputColumn[] = [];
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const found: OutputColumn[] = [];
      for (const r of s.relations) {
        if (r.columns) {
          const c = r.columns.find((x) => x.name === name);
          if (c) found.push(c);
        } else if (r.anyColumn) maybe.push(r.anyColumn);
      }
      // A relation of unknown width may or may not have the column: PostgreSQL could resolve
      // the name further out, so both count (a known column at this level settles it).
      if (found.length) return [...found, ...maybe];
    }
    return maybe;
  }
}
