/**
 * One top-level statement → its frozen `StatementSummary`. The walk (tree-walk.ts) collects what
 * the statement touches; this adds what depends on the kind of statement: the statement an
 * EXPLAIN, PREPARE, DECLARE or COPY wraps (summarised on its own, then merged in), COPY's
 * direction and targets, settings, transaction control, and whether it writes at all.
 */
import type { CopyFacts, StatementKind, StatementSummary } from './types.js';
import { ALWAYS_WRITES, kindOf } from './kinds.js';
import { isObj, str, unwrap, type Obj } from './parse-tree.js';
import { setConfigSetting, settingOf } from './setting-facts.js';
import { Facts, ROOT, addRelation } from './statement-facts.js';
import { visit, walkValue } from './tree-walk.js';

const EMPTY_LIST: readonly string[] = Object.freeze([]);

/** The summary of text the parser rejected: nothing is known, so assume the worst. */
export const UNKNOWN_SUMMARY: StatementSummary = Object.freeze({
  kind: 'unknown',
  node: 'ParseError',
  tablesRead: EMPTY_LIST,
  tablesWritten: EMPTY_LIST,
  functions: EMPTY_LIST,
  operations: Object.freeze([]),
  missingWhere: false,
  modifyingCte: false,
  writes: true,
  literalDependent: false,
});

type MutableSummaryExtras = {
  -readonly [K in 'explainAnalyze' | 'prepare' | 'execute' | 'deallocate' | 'copy' | 'setting'
    | 'transaction']?: StatementSummary[K];
};

/** A statement node (its type and fields) → its summary; a wrapped statement is summarised first. */
export function summarize(type: string, n: Obj): StatementSummary {
  const f = new Facts();
  let kind: StatementKind = kindOf(type, n);
  let writes: boolean | undefined;
  const extra: MutableSummaryExtras = {};

  switch (type) {
    case 'ExplainStmt': {
      const analyze = explainAnalyzes(n['options'], f);
      const inner = unwrap(n['query']);
      const sub = inner === undefined ? undefined : summarize(inner[0], inner[1]);
      extra.explainAnalyze = analyze;
      if (sub === undefined) {
        writes = analyze;
        break;
      }
      if (analyze) {
        // The inner statement really runs: it is what the rules must judge.
        mergeInner(f, sub, true);
        kind = sub.kind;
        writes = sub.writes;
        if (sub.execute !== undefined) extra.execute = sub.execute;
        if (sub.setting !== undefined) extra.setting = sub.setting;
      } else {
        // Only planned: everything it names is looked at, nothing is changed.
        mergeInner(f, sub, false);
        writes = false;
      }
      break;
    }
    case 'PrepareStmt': {
      const inner = unwrap(n['query']);
      const sub = inner === undefined ? UNKNOWN_SUMMARY : summarize(inner[0], inner[1]);
      mergeInner(f, sub, true);
      writes = sub.writes;
      if (sub.setting !== undefined) extra.setting = sub.setting;
      extra.prepare = Object.freeze({ name: str(n['name']), inner: sub });
      break;
    }
    case 'DeclareCursorStmt': {
      const inner = unwrap(n['query']);
      const sub = inner === undefined ? UNKNOWN_SUMMARY : summarize(inner[0], inner[1]);
      mergeInner(f, sub, true);
      writes = sub.writes;
      if (sub.setting !== undefined) extra.setting = sub.setting;
      break;
    }
    case 'CopyStmt': {
      const isFrom = n['is_from'] === true;
      const program = n['is_program'] === true;
      const file = typeof n['filename'] === 'string';
      const copy: CopyFacts = Object.freeze({
        direction: isFrom ? 'from' : 'to', program, serverFile: file && !program,
      });
      extra.copy = copy;
      if (file) f.literalDependent = true;
      // COPY ... FROM inserts rows: an insert as far as rules on kinds are concerned.
      if (isFrom) f.operations.add('insert');
      const rel = n['relation'];
      if (isObj(rel)) addRelation(rel, f, isFrom, ROOT);
      let innerWrites = false;
      const inner = unwrap(n['query']);
      if (inner !== undefined) {
        const sub = summarize(inner[0], inner[1]);
        mergeInner(f, sub, true);
        innerWrites = sub.writes;
      }
      walkValue(n['whereClause'], f, ROOT);
      writes = isFrom || program || file || innerWrites || f.unproven;
      break;
    }
    case 'VariableSetStmt':
      f.literalDependent = true;
      extra.setting = settingOf(n);
      break;
    case 'ConstraintsSetStmt':
      extra.setting = Object.freeze({
        name: 'constraints', value: n['deferred'] === true ? 'deferred' : 'immediate', local: true,
      });
      break;
    case 'TransactionStmt':
      extra.transaction = str(n['kind']).replace(/^TRANS_STMT_/, '').toLowerCase();
      break;
    case 'ExecuteStmt':
      extra.execute = Object.freeze({ name: str(n['name']) });
      visit(type, n, f, ROOT);
      break;
    case 'DeallocateStmt':
      extra.deallocate = Object.freeze({ name: n['isall'] === true ? null : str(n['name']) });
      break;
    case 'DoStmt':
      // The body is a literal: never share its analysis between texts.
      f.literalDependent = true;
      break;
    case 'LoadStmt':
      // Loads a shared library into the server process: arbitrary code.
      writes = true;
      break;
    default:
      visit(type, n, f, ROOT);
      break;
  }

  if (f.setConfigs.length > 0 && extra.setting === undefined) {
    extra.setting = setConfigSetting(f.setConfigs, type === 'SelectStmt' ? n : undefined);
  }
  writes ??= ALWAYS_WRITES.has(kind) || f.written.size > 0 || f.modifyingCte || f.selectInto
    || f.unproven;

  return Object.freeze({
    kind,
    node: type,
    tablesRead: sorted(f.read),
    tablesWritten: sorted(f.written),
    functions: sorted(f.functions),
    operations: sorted(f.operations),
    missingWhere: f.missingWhere,
    modifyingCte: f.modifyingCte,
    writes,
    ...extra,
    literalDependent: f.literalDependent,
  });
}

/** Sorted and frozen, so equal facts look alike in records and cache entries. */
function sorted<T extends string>(set: Set<T>): readonly T[] {
  if (set.size === 0) return EMPTY_LIST as readonly T[];
  return Object.freeze([...set].sort());
}

/** Takes in a wrapped statement's facts; its writes only count as writes when it really runs. */
function mergeInner(f: Facts, sub: StatementSummary, keepWrites: boolean): void {
  for (const t of sub.tablesRead) f.read.add(t);
  for (const t of sub.tablesWritten) (keepWrites ? f.written : f.read).add(t);
  for (const fn of sub.functions) f.functions.add(fn);
  // Operations of a statement that does not run (EXPLAIN without ANALYZE) are not operations.
  if (keepWrites) for (const op of sub.operations) f.operations.add(op);
  if (sub.missingWhere) f.missingWhere = true;
  if (sub.modifyingCte) f.modifyingCte = true;
  if (sub.literalDependent) f.literalDependent = true;
}

/**
 * Whether EXPLAIN's options make it execute the statement. Any ANALYZE option not clearly
 * switched off counts (PostgreSQL takes the last one; counting any is the safe side).
 */
function explainAnalyzes(options: unknown, f: Facts): boolean {
  let analyze = false;
  if (!Array.isArray(options)) return false;
  for (const item of options) {
    const node = unwrap(item);
    if (node === undefined || node[0] !== 'DefElem') continue;
    const def = node[1];
    if (def['arg'] !== undefined) f.literalDependent = true;
    if (def['defname'] === 'analyze' && optionTrue(def['arg'])) analyze = true;
  }
  return analyze;
}

/** PostgreSQL's defGetBoolean, answering true for anything it would not read as false. */
function optionTrue(arg: unknown): boolean {
  const node = unwrap(arg);
  if (node === undefined) return true;
  const [type, v] = node;
  if (type === 'String') {
    const s = str(v['sval']).toLowerCase();
    return s !== 'false' && s !== 'off';
  }
  if (type === 'Integer') return v['ival'] !== undefined && v['ival'] !== 0;
  if (type === 'Boolean') return v['boolval'] === true;
  return true;
}
