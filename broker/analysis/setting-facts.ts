/**
 * The `setting` of a statement: what `SET` / `RESET` / `set_config(...)` change, as the rules on
 * settings (role, search_path, reading rules...) need it. Values are literals, so every statement
 * carrying one is `literalDependent` (decided where the statement is summarised).
 */
import type { SettingFacts } from './types.js';
import { isObj, str, stringItems, unwrap, type Obj } from './parse-tree.js';

/** A `VariableSetStmt` (SET, SET LOCAL, RESET, RESET ALL). */
export function settingOf(n: Obj): SettingFacts {
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
export function setConfigSetting(calls: readonly Obj[], select?: Obj): SettingFacts {
  const call = calls.length === 1 ? calls[0] : undefined;
  const args = call !== undefined && Array.isArray(call['args']) ? (call['args'] as unknown[]) : [];
  const name = constString(args[0]) ?? (call !== undefined && select !== undefined ? pinnedSettingName(select, call) : undefined);
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

/**
 * The one setting a `set_config(name, ...)` over `pg_settings` can change when its WHERE pins
 * `name` to a literal. pg_dump (15.8, 16.4, 17.0 and later; CVE-2024-7348) sends exactly
 *   SELECT set_config(name, 'view, foreign-table', false) FROM pg_settings
 *   WHERE name = 'restrict_nonsystem_relation_kind'
 * so without this every pg_dump through Airlock is refused as "a setting name computed at run
 * time". Accepted shape, nothing looser: one plain SELECT (no WITH, no set operation) whose
 * only FROM item is `pg_settings` or `pg_catalog.pg_settings`, the call a top-level output
 * column, its first argument that relation's `name` column, and a WHERE that is `name = '<literal>'`
 * or an AND with that among its terms. The row's `name` then equals the literal, whatever else
 * the row holds. (An unqualified relation or `=` could be shadowed only by an object created in
 * a schema the session puts before pg_catalog in its search_path; the settings that matter most
 * are covered elsewhere too: a client_encoding change comes back as ParameterStatus and an
 * unsafe one ends the session, and role-locked sessions may not call set_config at all.)
 */
function pinnedSettingName(select: Obj, call: Obj): string | undefined {
  if (select['withClause'] !== undefined || (select['op'] !== undefined && select['op'] !== 'SETOP_NONE')) return undefined;
  const from = Array.isArray(select['fromClause']) ? (select['fromClause'] as unknown[]) : [];
  const rel = from.length === 1 ? unwrap(from[0]) : undefined;
  if (rel === undefined || rel[0] !== 'RangeVar') return undefined;
  const rv = rel[1];
  if (str(rv['relname']) !== 'pg_settings' || (rv['schemaname'] !== undefined && rv['schemaname'] !== 'pg_catalog') || rv['catalogname'] !== undefined) return undefined;
  const alias = isObj(rv['alias']) ? str(rv['alias']['aliasname']) : undefined;
  const targets = Array.isArray(select['targetList']) ? (select['targetList'] as unknown[]) : [];
  const isOutput = targets.some((t) => {
    const rt = unwrap(t);
    return rt !== undefined && rt[0] === 'ResTarget' && unwrap(rt[1]['val'])?.[1] === call;
  });
  if (!isOutput) return undefined;
  const args = Array.isArray(call['args']) ? (call['args'] as unknown[]) : [];
  if (!isNameColumn(args[0], alias)) return undefined;
  return pinnedBy(select['whereClause'], alias);
}

/** `name`, or `<relation or alias>.name`, of the one FROM item. */
function isNameColumn(v: unknown, alias: string | undefined): boolean {
  const node = unwrap(v);
  if (node === undefined || node[0] !== 'ColumnRef') return false;
  const fields = stringItems(node[1]['fields']);
  if (fields === undefined || fields.at(-1) !== 'name') return false;
  if (fields.length === 1) return true;
  // With an alias the relation's own name no longer refers to it (PostgreSQL: "invalid reference").
  const qualifier = fields.slice(0, -1).join('.');
  return alias !== undefined ? qualifier === alias : qualifier === 'pg_settings' || qualifier === 'pg_catalog.pg_settings';
}

/** The literal a WHERE pins `name` to: `name = '<lit>'`, alone or as a term of an AND. */
function pinnedBy(where: unknown, alias: string | undefined): string | undefined {
  const node = unwrap(where);
  if (node === undefined) return undefined;
  const [type, n] = node;
  if (type === 'BoolExpr' && n['boolop'] === 'AND_EXPR' && Array.isArray(n['args'])) {
    const pins = new Set((n['args'] as unknown[]).map((a) => pinnedBy(a, alias)).filter((x): x is string => x !== undefined));
    // Two different pins match no row; either way only one setting can be changed.
    return pins.size === 1 ? [...pins][0] : undefined;
  }
  if (type !== 'A_Expr' || n['kind'] !== 'AEXPR_OP') return undefined;
  const op = stringItems(n['name']);
  if (op === undefined || op.at(-1) !== '=' || (op.length === 2 && op[0] !== 'pg_catalog') || op.length > 2) return undefined;
  const [l, r] = [n['lexpr'], n['rexpr']];
  const value = isNameColumn(l, alias) ? bareString(r) : isNameColumn(r, alias) ? bareString(l) : undefined;
  return value;
}

/**
 * A string constant with no cast: compared with `name` (text) it uses text equality. A cast
 * could bring another type's `=` (case-insensitive, or anything an extension defines).
 */
function bareString(v: unknown): string | undefined {
  const node = unwrap(v);
  if (node === undefined || node[0] !== 'A_Const' || !isObj(node[1]['sval'])) return undefined;
  return str(node[1]['sval']['sval']);
}
