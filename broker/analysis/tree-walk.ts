/**
 * The generic walk over one statement's parse tree. Every object and array is visited, and only a
 * handful of node types are recognised (RangeVar, FuncCall, the statements that give relations a
 * role, WITH clauses), so a node type this file has never heard of still has its relations and
 * function calls collected into the statement's `Facts`.
 */
import type { StatementKind } from './types.js';
import { KIND_BY_NODE, TARGETING_KINDS } from './kinds.js';
import { STRUCT_FIELDS } from './node-fields.js';
import { isObj, unwrap, type Obj } from './parse-tree.js';
import { addFunction, addNamedTargets, addRelation, type Ctx, type Facts } from './statement-facts.js';

/** Any value of the tree: a node, a list, or a bare struct whose type the field does not say. */
export function walkValue(v: unknown, f: Facts, ctx: Ctx): void {
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

/** A node of known type: the recognised ones give relations their role, the rest are walked through. */
export function visit(type: string, n: Obj, f: Facts, ctx: Ctx): void {
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
