/** Expands the corpus's terse expectations into complete summaries. */
import type { StatementKind, StatementSummary } from '../../../../broker/analysis/types.js';
import type { ExpectedStatement } from '../../../fixtures/analysis-corpus.js';

const DEFAULT_NODE: Partial<Record<StatementKind, string>> = {
  select: 'SelectStmt', insert: 'InsertStmt', update: 'UpdateStmt', delete: 'DeleteStmt',
  merge: 'MergeStmt', truncate: 'TruncateStmt', copy: 'CopyStmt', transaction: 'TransactionStmt',
  set: 'VariableSetStmt', show: 'VariableShowStmt', prepare: 'PrepareStmt', execute: 'ExecuteStmt',
  deallocate: 'DeallocateStmt', notify: 'NotifyStmt', do: 'DoStmt', call: 'CallStmt',
  explain: 'ExplainStmt', lock: 'LockStmt', unknown: 'ParseError',
};

const DML: readonly StatementKind[] = ['insert', 'update', 'delete', 'merge'];

function defaultNode(e: ExpectedStatement): string {
  const node = DEFAULT_NODE[e.kind];
  if (node === undefined) throw new Error(`corpus entry of kind ${e.kind} must name its node`);
  return node;
}

export function expand(e: ExpectedStatement): StatementSummary {
  return {
    kind: e.kind,
    node: e.node ?? (e.explainAnalyze === true ? 'ExplainStmt' : defaultNode(e)),
    tablesRead: e.read ?? [],
    tablesWritten: e.written ?? [],
    functions: e.functions ?? [],
    operations: e.operations ?? (DML.includes(e.kind) ? [e.kind] : []),
    missingWhere: e.missingWhere ?? false,
    modifyingCte: e.modifyingCte ?? false,
    writes: e.writes,
    literalDependent: e.literalDependent ?? false,
    ...(e.explainAnalyze !== undefined ? { explainAnalyze: e.explainAnalyze } : {}),
    ...(e.prepare !== undefined ? { prepare: { name: e.prepare.name, inner: expand(e.prepare.inner) } } : {}),
    ...(e.execute !== undefined ? { execute: e.execute } : {}),
    ...(e.deallocate !== undefined ? { deallocate: e.deallocate } : {}),
    ...(e.copy !== undefined ? { copy: e.copy } : {}),
    ...(e.setting !== undefined ? { setting: e.setting } : {}),
    ...(e.transaction !== undefined ? { transaction: e.transaction } : {}),
  };
}
