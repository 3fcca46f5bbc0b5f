/**
 * What the walk of one statement collects (`Facts`), the WITH scope it walks in (`Ctx`), and how
 * a relation or function reference is entered: relations named as the parse tree gives them,
 * references to a WITH query in scope left out, a statement's targets in `written` only.
 */
import type { StatementKind } from './types.js';
import { SETTING_FUNCTIONS, isReadOnlyBuiltin } from './functions.js';
import { stringItems, unwrap, type Obj } from './parse-tree.js';

/** Collected while walking one statement; frozen into its summary at the end (statement-summary.ts). */
export class Facts {
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

export interface Ctx {
  readonly scope: Scope | undefined;
  /** Relations reached directly are targets of the enclosing DDL/DCL/maintenance statement. */
  readonly targets: boolean;
}

/** A top-level statement's context: no WITH query in scope, nothing reached is a target yet. */
export const ROOT: Ctx = { scope: undefined, targets: false };

function inScope(scope: Scope | undefined, name: string): boolean {
  for (let s = scope; s !== undefined; s = s.parent) if (s.name === name) return true;
  return false;
}

/** A RangeVar, as a target (`written`) or read; a WITH query's name in scope is no relation. */
export function addRelation(n: Obj, f: Facts, written: boolean, ctx: Ctx): void {
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

/** A FuncCall: writing unless proven read-only; setting functions depend on their arguments. */
export function addFunction(n: Obj, f: Facts): void {
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
export function addNamedTargets(objtype: unknown, objects: unknown, isList: boolean, f: Facts): void {
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
