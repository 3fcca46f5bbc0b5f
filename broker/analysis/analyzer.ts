/**
 * Statement analysis with PostgreSQL's own parser (libpg-query, WASM).
 *
 * `analyzeSql` turns a query string into one `StatementSummary` per statement. The parse tree is
 * walked generically: every object and array is visited, and only a handful of node types are
 * recognised (RangeVar, FuncCall, the statements that give relations a role, WITH clauses), so a
 * node type this file has never heard of still has its relations and function calls collected.
 *
 * Conventions:
 * - Relation and function names are those of the parse tree: unquoted identifiers are already
 *   folded to lower case by the parser, quoted ones keep their case (`"Customers"` → `Customers`),
 *   exactly as PostgreSQL resolves them. Qualified names are joined with dots as written.
 * - The target of INSERT/UPDATE/DELETE/MERGE/TRUNCATE/COPY FROM/SELECT INTO, and every relation a
 *   DDL, DCL or maintenance statement names directly, is reported in `tablesWritten` (only
 *   there); every other relation (FROM, JOIN, subqueries, USING, MERGE source, LOCK...) in
 *   `tablesRead`. References to a WITH query in scope are not relations and are left out.
 * - The analysis never throws: a parse failure is `{ ok: false, error, statements: [unknown] }`.
 */
import { loadModule, parseSync } from 'libpg-query';
import type { Analysis, CopyFacts, SettingFacts, StatementKind, StatementSummary } from './types.js';
import { ALWAYS_WRITES, KIND_BY_NODE, TARGETING_KINDS, kindOf } from './kinds.js';
import { STRUCT_FIELDS } from './node-fields.js';
import { SETTING_FUNCTIONS, isReadOnlyBuiltin } from './functions.js';

type Obj = Record<string, unknown>;

let loading: Promise<void> | undefined;
let loaded = false;

/** Loads the parser (WASM). Idempotent; must complete before `analyzeSql` can succeed. */
export async function initAnalyzer(): Promise<void> {
  loading ??= loadModule().then(() => {
    loaded = true;
  });
  await loading;
}

/** True once `initAnalyzer()` has completed. */
export function analyzerReady(): boolean {
  return loaded;
}

// ---------------------------------------------------------------------------------------------
// Results

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

const EMPTY_ANALYSIS: Analysis = Object.freeze({ ok: true, statements: Object.freeze([]) });

/** A frozen failed analysis carrying PostgreSQL's error message. */
export function failedAnalysis(error: string): Analysis {
  return Object.freeze({ ok: false, error, statements: Object.freeze([UNKNOWN_SUMMARY]) });
}

/**
 * Analyse a query string (one or several statements). Synchronous; requires `initAnalyzer()`.
 * Never throws. Relies on libpg-query's fixed reading rules (standard_conforming_strings on).
 */
export function analyzeSql(sql: string): Analysis {
  if (typeof sql !== 'string') return failedAnalysis('query is not a string');
  if (!loaded) return failedAnalysis('statement analyzer is not initialised');
  if (sql.length === 0) return EMPTY_ANALYSIS;
  // The parser reads a C string: text after a NUL would be invisible to it. The wire protocol
  // cannot carry one either, so refuse rather than analyse a prefix.
  if (sql.includes('\0')) return failedAnalysis('invalid byte sequence for encoding "UTF8": 0x00');
  let stmts: unknown;
  try {
    stmts = parseSync(sql).stmts;
  } catch (err) {
    return failedAnalysis(errorMessage(err));
  }
  try {
    if (stmts === undefined) return EMPTY_ANALYSIS;
    if (!Array.isArray(stmts)) return failedAnalysis('unexpected parse tree');
    const out: StatementSummary[] = [];
    for (const raw of stmts) {
      const wrapped = (raw as Obj)['stmt'];
      const inner = unwrap(wrapped);
      if (inner === undefined) return failedAnalysis('unexpected parse tree');
      out.push(summarize(inner[0], inner[1]));
    }
    return Object.freeze({ ok: true, statements: Object.freeze(out) });
  } catch (err) {
    // Defensive: a walker bug must not turn into an exception (or a permissive answer).
    return failedAnalysis(`statement analysis failed: ${errorMessage(err)}`);
  }
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

// ---------------------------------------------------------------------------------------------
// Facts collected while walking one statement

class Facts {
  readonly read = new Set<string>();
  readonly written = new Set<string>();
  readonly functions = new Set<string>();
  readonly operations = new Set<StatementKind>();
  missingWhere = false;
  modifyingCte = false;
  selectInto = false;
  literalDependent = false;
  /** A function outside the read-only allow-list is called. */
  unproven = false;
  /** `set_config(...)` calls (their FuncCall nodes), for `setting`. */
  readonly setConfigs: Obj[] = [];
}

/** WITH query names in scope, innermost first. */
interface Scope {
  readonly name: string;
  readonly parent: Scope | undefined;
}

interface Ctx {
  readonly scope: Scope | undefined;
  /** Relations reached directly are targets of the enclosing DDL/DCL/maintenance statement. */
  readonly targets: boolean;
}

const ROOT: Ctx = { scope: undefined, targets: false };

function inScope(scope: Scope | undefined, name: string): boolean {
  for (let s = scope; s !== undefined; s = s.parent) if (s.name === name) return true;
  return false;
}

/** `{ "Type": {...} }` → [Type, {...}]; undefined for anything else. */
function unwrap(v: unknown): [string, Obj] | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  let key: string | undefined;
  for (const k in v) {
    if (key !== undefined) return undefined;
    key = k;
  }
  if (key === undefined || !isTypeName(key)) return undefined;
  const inner = (v as Obj)[key];
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) return undefined;
  return [key, inner as Obj];
}

/** Node type names start with a capital letter; field names never do. */
function isTypeName(key: string): boolean {
  const c = key.charCodeAt(0);
  return c >= 65 && c <= 90;
}

// ---------------------------------------------------------------------------------------------
// Generic walk

function walkValue(v: unknown, f: Facts, ctx: Ctx): void {
  if (typeof v !== 'object' || v === null) return;
  if (Array.isArray(v)) {
    for (const item of v) walkValue(item, f, ctx);
    return;
  }
  const o = v as Obj;
  const node = unwrap(o);
  if (node !== undefined) {
    visit(node[0], node[1], f, ctx);
    return;
  }
  // A bare struct of unknown type. A RangeVar is recognisable by its relname.
  if (typeof o['relname'] === 'string') {
    visit('RangeVar', o, f, ctx);
    return;
  }
  walkFields('', o, f, ctx, undefined, undefined);
}

function walkFields(
  type: string, n: Obj, f: Facts, ctx: Ctx, skip1: string | undefined, skip2: string | undefined,
): void {
  const structs = STRUCT_FIELDS[type];
  for (const key in n) {
    if (key === skip1 || key === skip2) continue;
    const v = n[key];
    if (typeof v !== 'object' || v === null) continue;
    const structType = structs === undefined ? undefined : structs[key];
    if (structType !== undefined && !Array.isArray(v)) visit(structType, v as Obj, f, ctx);
    else walkValue(v, f, ctx);
  }
}

function visit(type: string, n: Obj, f: Facts, ctx: Ctx): void {
  switch (type) {
    case 'RangeVar':
      addRelation(n, f, ctx.targets, ctx);
      return;
    case 'FuncCall':
      addFunction(n, f);
      walkFields(type, n, f, ctx, 'funcname', undefined);
      return;
    case 'SelectStmt':
      visitSelect(n, f, ctx);
      return;
    case 'InsertStmt':
    case 'UpdateStmt':
    case 'DeleteStmt':
    case 'MergeStmt':
      visitModify(type, n, f, ctx);
      return;
    case 'IntoClause': {
      const rel = n['rel'];
      if (isObj(rel)) addRelation(rel, f, true, ctx);
      walkFields(type, n, f, ctx, 'rel', undefined);
      return;
    }
    case 'Constraint':
    case 'TableLikeClause':
      // Referenced (FOREIGN KEY ... REFERENCES b) or copied (LIKE b) tables are only read.
      walkFields(type, n, f, { scope: ctx.scope, targets: false }, undefined, undefined);
      return;
    case 'CopyStmt': {
      const isFrom = n['is_from'] === true;
      const rel = n['relation'];
      if (isObj(rel)) addRelation(rel, f, isFrom, ctx);
      if (isFrom) f.operations.add('insert');
      walkFields(type, n, f, { scope: ctx.scope, targets: false }, 'relation', undefined);
      return;
    }
    case 'DropStmt':
      addNamedTargets(n['removeType'], n['objects'], true, f);
      break;
    case 'CommentStmt':
    case 'SecLabelStmt':
      addNamedTargets(n['objtype'], n['object'], false, f);
      break;
    default:
      break;
  }
  const kind = KIND_BY_NODE[type];
  if (kind !== undefined || type.endsWith('Stmt')) {
    const targets = TARGETING_KINDS.has(kind ?? 'other');
    if (targets !== ctx.targets) ctx = { scope: ctx.scope, targets };
  }
  walkFields(type, n, f, ctx, undefined, undefined);
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function visitSelect(n: Obj, f: Facts, ctx: Ctx): void {
  let c: Ctx = ctx.targets ? { scope: ctx.scope, targets: false } : ctx;
  const w = n['withClause'];
  if (isObj(w)) c = visitWith(w, f, c);
  const into = n['intoClause'];
  if (isObj(into)) {
    f.selectInto = true;
    visit('IntoClause', into, f, c);
  }
  walkFields('SelectStmt', n, f, c, 'withClause', 'intoClause');
}

function visitModify(type: string, n: Obj, f: Facts, ctx: Ctx): void {
  let c: Ctx = ctx.targets ? { scope: ctx.scope, targets: false } : ctx;
  const w = n['withClause'];
  if (isObj(w)) c = visitWith(w, f, c);
  // The target is always a relation: PostgreSQL never resolves it to a WITH query.
  const rel = n['relation'];
  if (isObj(rel)) addRelation(rel, f, true, c);
  f.operations.add(OPERATION_OF[type] ?? 'unknown');
  if ((type === 'UpdateStmt' || type === 'DeleteStmt') && !restrictsRows(n['whereClause'])) {
    f.missingWhere = true;
  }
  walkFields(type, n, f, c, 'withClause', 'relation');
}

const MODIFYING = ['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt'];
const OPERATION_OF: Readonly<Record<string, StatementKind>> = { InsertStmt: 'insert', UpdateStmt: 'update', DeleteStmt: 'delete', MergeStmt: 'merge' };

function visitWith(w: Obj, f: Facts, ctx: Ctx): Ctx {
  const items = Array.isArray(w['ctes']) ? (w['ctes'] as unknown[]) : [];
  const recursive = w['recursive'] === true;
  const ctes: Obj[] = [];
  for (const item of items) {
    const node = unwrap(item);
    if (node !== undefined && node[0] === 'CommonTableExpr') ctes.push(node[1]);
    else walkValue(item, f, ctx);
  }
  let scope = ctx.scope;
  // WITH RECURSIVE: every name is visible in every body; otherwise only the earlier ones.
  if (recursive) {
    for (const cte of ctes) {
      const name = cte['ctename'];
      if (typeof name === 'string') scope = { name, parent: scope };
    }
  }
  for (const cte of ctes) {
    const query = unwrap(cte['ctequery']);
    if (query !== undefined && MODIFYING.includes(query[0])) f.modifyingCte = true;
    walkFields('CommonTableExpr', cte, f, { scope, targets: false }, undefined, undefined);
    const name = cte['ctename'];
    if (!recursive && typeof name === 'string') scope = { name, parent: scope };
  }
  return { scope, targets: false };
}

/**
 * Whether a WHERE clause can tell rows apart. No WHERE, or one that mentions no column
 * (`WHERE true`, `WHERE 1 = 1`, `WHERE $1`, `WHERE (SELECT count(*) FROM x) > 0`), applies to
 * every row alike — reported as a missing WHERE. `WHERE CURRENT OF c` restricts to one row.
 * Purely structural, so it never depends on literal values.
 */
function restrictsRows(where: unknown): boolean {
  if (where === undefined || where === null) return false;
  return containsKey(where, 'ColumnRef', 'CurrentOfExpr');
}

function containsKey(v: unknown, a: string, b: string): boolean {
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v)) {
    for (const item of v) if (containsKey(item, a, b)) return true;
    return false;
  }
  for (const key in v) {
    if (key === a || key === b) return true;
    if (containsKey((v as Obj)[key], a, b)) return true;
  }
  return false;
}

function addRelation(n: Obj, f: Facts, written: boolean, ctx: Ctx): void {
  const rel = n['relname'];
  if (typeof rel !== 'string') return;
  const schema = n['schemaname'];
  const catalog = n['catalogname'];
  const qualified = typeof schema === 'string' && schema !== '';
  if (!written && !qualified && inScope(ctx.scope, rel)) return; // a WITH query, not a table
  let name = rel;
  if (qualified) name = `${schema}.${rel}`;
  if (typeof catalog === 'string' && catalog !== '') name = `${catalog}.${name}`;
  (written ? f.written : f.read).add(name);
}

function stringItems(list: unknown): string[] | undefined {
  if (!Array.isArray(list)) return undefined;
  const out: string[] = [];
  for (const item of list) {
    const s = isObj(item) && isObj(item['String']) ? item['String']['sval'] : undefined;
    if (typeof s !== 'string') return undefined;
    out.push(s);
  }
  return out;
}

function addFunction(n: Obj, f: Facts): void {
  const parts = stringItems(n['funcname']);
  const name = parts === undefined || parts.length === 0 ? '?' : parts.join('.');
  f.functions.add(name);
  if (!isReadOnlyBuiltin(name)) f.unproven = true;
  const base = parts === undefined ? '' : (parts[parts.length - 1] ?? '');
  if (SETTING_FUNCTIONS.has(base)) {
    f.literalDependent = true;
    if (base === 'set_config') f.setConfigs.push(n);
  }
}

/** Object types whose DROP/COMMENT names are relations. */
const RELATION_OBJECTS = new Set([
  'OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE', 'OBJECT_SEQUENCE',
  'OBJECT_INDEX',
]);
/** Object types named `relation.object` (`DROP TRIGGER tr ON t` → [t, tr]). */
const ON_RELATION_OBJECTS = new Set([
  'OBJECT_TRIGGER', 'OBJECT_RULE', 'OBJECT_POLICY', 'OBJECT_COLUMN', 'OBJECT_TABCONSTRAINT',
]);

/** DROP / COMMENT / SECURITY LABEL name relations as lists of strings, not RangeVars. */
function addNamedTargets(objtype: unknown, objects: unknown, isList: boolean, f: Facts): void {
  if (typeof objtype !== 'string') return;
  const whole = RELATION_OBJECTS.has(objtype);
  if (!whole && !ON_RELATION_OBJECTS.has(objtype)) return;
  const list = isList && Array.isArray(objects) ? objects : [objects];
  for (const obj of list) {
    const node = unwrap(obj);
    if (node === undefined || node[0] !== 'List') continue;
    const parts = stringItems(node[1]['items']);
    if (parts === undefined) continue;
    const rel = whole ? parts : parts.slice(0, -1);
    if (rel.length > 0) f.written.add(rel.join('.'));
  }
}

// ---------------------------------------------------------------------------------------------
// One top-level statement

type MutableSummaryExtras = {
  -readonly [K in 'explainAnalyze' | 'prepare' | 'execute' | 'deallocate' | 'copy' | 'setting'
    | 'transaction']?: StatementSummary[K];
};

function summarize(type: string, n: Obj): StatementSummary {
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
    extra.setting = setConfigSetting(f.setConfigs);
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

function sorted<T extends string>(set: Set<T>): readonly T[] {
  if (set.size === 0) return EMPTY_LIST as readonly T[];
  return Object.freeze([...set].sort());
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

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

function settingOf(n: Obj): SettingFacts {
  const kind = n['kind'];
  const name = kind === 'VAR_RESET_ALL' ? 'all' : str(n['name']).toLowerCase();
  let value: string | null = null;
  if ((kind === 'VAR_SET_VALUE' || kind === 'VAR_SET_MULTI') && Array.isArray(n['args'])) {
    value = (n['args'] as unknown[]).map(renderValue).join(', ');
  }
  return Object.freeze({ name, value, local: n['is_local'] === true });
}

/** Text of a SET argument: constants as PostgreSQL reads them, `name=value` for options. */
function renderValue(v: unknown): string {
  const node = unwrap(v);
  if (node === undefined) return '?';
  const [type, n] = node;
  switch (type) {
    case 'A_Const': {
      if (n['isnull'] === true) return 'null';
      if (isObj(n['sval'])) return str(n['sval']['sval']);
      if (isObj(n['ival'])) return String(n['ival']['ival'] ?? 0);
      if (isObj(n['fval'])) return str(n['fval']['fval']);
      if (isObj(n['boolval'])) return n['boolval']['boolval'] === true ? 'true' : 'false';
      if (isObj(n['bsval'])) return str(n['bsval']['bsval']);
      return '?';
    }
    case 'String':
      return str(n['sval']);
    case 'Integer':
      return String(n['ival'] ?? 0);
    case 'Float':
      return str(n['fval']);
    case 'Boolean':
      return n['boolval'] === true ? 'true' : 'false';
    case 'TypeCast':
      return renderValue(n['arg']);
    case 'DefElem':
      return `${str(n['defname'])}=${n['arg'] === undefined ? '' : renderValue(n['arg'])}`;
    default:
      return '?';
  }
}

/** A string constant argument (`'role'`, `'x'::text`), else undefined. */
function constString(v: unknown): string | null | undefined {
  const node = unwrap(v);
  if (node === undefined) return undefined;
  const [type, n] = node;
  if (type === 'TypeCast') return constString(n['arg']);
  if (type !== 'A_Const') return undefined;
  if (n['isnull'] === true) return null;
  if (isObj(n['sval'])) return str(n['sval']['sval']);
  return undefined;
}

/**
 * `set_config(name, value, is_local)` seen in a query. One call with a constant name gives its
 * exact facts; several calls, or a name computed at run time, give the name `*` (unknown).
 */
function setConfigSetting(calls: readonly Obj[]): SettingFacts {
  const call = calls.length === 1 ? calls[0] : undefined;
  const args = call !== undefined && Array.isArray(call['args']) ? (call['args'] as unknown[]) : [];
  const name = constString(args[0]);
  if (call === undefined || typeof name !== 'string') {
    return Object.freeze({ name: '*', value: null, local: false });
  }
  const value = constString(args[1]);
  const localNode = unwrap(args[2]);
  let local = false;
  if (localNode !== undefined && localNode[0] === 'A_Const') {
    const c = localNode[1];
    if (isObj(c['boolval'])) local = c['boolval']['boolval'] === true;
    else if (isObj(c['sval'])) local = ['true', 't', 'on', 'yes', 'y', '1'].includes(str(c['sval']['sval']).toLowerCase());
  }
  return Object.freeze({ name: name.toLowerCase(), value: value ?? null, local });
}
