/**
 * Column lineage: for every column a statement returns, the base-table columns its values are
 * computed from. Keys are `schema.table.column` (lower case as the parser folds unquoted names).
 */

/** A set of source column keys. */
export type Sources = ReadonlySet<string>;

export interface OutputColumn {
  /** Output name (alias or column name), for notices. */
  readonly name: string;
  readonly sources: Sources;
  /** The value is this source column itself, unchanged (so its own masking strategy applies). */
  readonly direct?: string;
  /**
   * A star over a relation whose width is not known (a set-returning function without a
   * column list): stands for zero or more columns, each with these sources.
   */
  readonly spread?: boolean;
}

/** What a statement returns to the client: rows with these columns, or nothing. */
export type StatementOutput =
  | { readonly kind: 'rows'; readonly columns: readonly OutputColumn[]; /** COPY TO STDOUT: its format. */ readonly copyFormat?: string }
  | { readonly kind: 'none' };

/** A relation known to the catalog: its columns in order, and for views their lineage. */
export interface CatalogRelation {
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly string[];
  /** For views and materialized views: each column's lineage from its definition. */
  readonly viewColumns?: readonly OutputColumn[];
  /** Columns not listed (system catalogs): any column has this lineage. */
  readonly opaque?: OutputColumn;
}

export interface Catalog {
  /** Resolves `schema.name`, or `name` through the search path. */
  relation(schema: string | undefined, name: string): CatalogRelation | undefined;
}

/** Lineage cannot be established: the statement is refused for masked identities. */
export class LineageError extends Error {}

export const NO_SOURCES: Sources = new Set<string>();

export function union(...sets: Sources[]): Sources {
  const nonEmpty = sets.filter((s) => s.size > 0);
  if (nonEmpty.length === 0) return NO_SOURCES;
  if (nonEmpty.length === 1) return nonEmpty[0]!;
  const out = new Set<string>();
  for (const s of nonEmpty) for (const k of s) out.add(k);
  return out;
}
