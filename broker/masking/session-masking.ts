/**
 * Masking for one session: what each statement returns (lineage, or a refusal when it cannot
 * be established), the per-column actions for a result (lineage first, then RowDescription's
 * table OID and column number as ground truth), and sanitised error and notice texts.
 */
import { parseSync } from 'libpg-query';
import type { FieldDescription } from '../protocol/postgres/row-description.js';
import type { CatalogSnapshot } from './catalog.js';
import { statementOutput, type SessionLineageState } from './lineage/statement.js';
import { LineageError, type OutputColumn, type StatementOutput } from './lineage/types.js';
import type { SessionMaskingRules } from './masking-policy.js';
import type { ColumnAction, ScanResult } from './row-masker.js';

export class SessionMasking {
  readonly state: SessionLineageState = { prepared: new Map(), cursors: new Map(), holdCursors: new Set() };

  constructor(
    readonly rules: SessionMaskingRules,
    private readonly catalog: () => CatalogSnapshot,
    readonly scan: ((text: string) => ScanResult) | undefined,
    /** Asks for a fresh catalog snapshot (a relation was unknown). */
    private readonly refreshCatalog: () => void = () => {},
  ) {}

  /** What each statement of `sql` returns; throws LineageError when that cannot be established. */
  outputs(sql: string): StatementOutput[] {
    let tree: { stmts?: { stmt: Record<string, unknown> }[] };
    try {
      tree = parseSync(sql) as typeof tree;
    } catch (e) {
      throw new LineageError(`the statement could not be parsed (${(e as Error).message})`);
    }
    const o = { catalog: this.catalog(), isSensitive: (k: string) => this.rules.sensitive(k) !== undefined, state: this.state };
    try {
      return (tree.stmts ?? []).map((s) => statementOutput(s.stmt, o));
    } catch (e) {
      if (e instanceof LineageError && e.message.includes("not known to Airlock's catalog")) this.refreshCatalog();
      throw e;
    }
  }

  /** One action per field; `output` undefined: nothing is known, every field is judged by its table OID or masked. */
  actions(output: StatementOutput | undefined, fields: readonly FieldDescription[]): ColumnAction[] {
    const cols = output?.kind === 'rows' ? expand(output.columns, fields.length) : undefined;
    const everything = output?.kind === 'rows' ? output.columns.flatMap((c) => [...c.sources]) : undefined;
    const snapshot = this.catalog();
    return fields.map((f, i) => {
      // Ground truth from the wire: a plain column of a table (or a view's column).
      const keys = f.tableOid ? snapshot.columnKeys(f.tableOid, f.columnNumber) : [];
      const onWire = keys.map((k) => this.rules.sensitive(k)).find((x) => x !== undefined);
      const col = cols?.[i];
      if (col?.direct) {
        const hit = this.rules.sensitive(col.direct);
        if (hit) return { kind: 'mask', mask: hit.mask };
      }
      const sources = col ? [...col.sources] : everything;
      if (sources === undefined) return onWire ? { kind: 'mask', mask: onWire.mask } : { kind: 'derived' };
      if (sources.some((k) => this.rules.sensitive(k))) return onWire ? { kind: 'mask', mask: onWire.mask } : { kind: 'derived' };
      if (onWire) return { kind: 'mask', mask: onWire.mask };
      return this.scan ? { kind: 'scan' } : { kind: 'clear' };
    });
  }

  /** Rules and columns behind a result's masked fields, for the notice. */
  describe(fields: readonly FieldDescription[], actions: readonly ColumnAction[]): string[] {
    return fields.flatMap((f, i) => (actions[i]!.kind === 'mask' || actions[i]!.kind === 'derived' ? [f.name] : []));
  }
}

/** Output columns matched to `width` fields: a spread stands for however many are left. */
function expand(columns: readonly OutputColumn[], width: number): readonly OutputColumn[] | undefined {
  const spreads = columns.filter((c) => c.spread).length;
  if (spreads === 0) return columns.length === width ? columns : undefined;
  if (spreads > 1) return undefined;
  const extra = width - (columns.length - 1);
  if (extra < 0) return undefined;
  return columns.flatMap((c) => (c.spread ? Array.from({ length: extra }, () => c) : [c]));
}
