/**
 * The `setting` of a statement: what `SET` / `RESET` / `set_config(...)` change, as the rules on
 * settings (role, search_path, reading rules...) need it. Values are literals, so every statement
 * carrying one is `literalDependent` (decided where the statement is summarised).
 */
import type { SettingFacts } from './types.js';
import { isObj, str, unwrap, type Obj } from './parse-tree.js';

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
export function setConfigSetting(calls: readonly Obj[]): SettingFacts {
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
