/** What lineage analysis needs while it walks one statement. */
import type { Scope } from './scope.js';
import type { Catalog, OutputColumn } from './types.js';

export interface LineageContext {
  readonly catalog: Catalog;
  /** Throws LineageError unless `name` may be called by a masked identity. */
  checkFunction(name: string): void;
  /** Throws LineageError for relations that expose values of other columns (pg_stats...). */
  checkRelation(schema: string | undefined, name: string): void;
  /** The output columns of a query (a SelectStmt node, wrapped or bare) in `scope`. */
  query(node: unknown, scope: Scope): readonly OutputColumn[];
  /** A data-modifying statement inside WITH: write-checked; what its RETURNING returns. */
  modifying(node: Record<string, unknown>, scope: Scope): readonly OutputColumn[];
}
