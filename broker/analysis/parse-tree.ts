/**
 * Reading libpg-query's JSON parse tree. A field declared as a generic `Node` is a one-key object
 * naming its type (`{"RangeVar": {...}}`), a struct-typed field is bare (see node-fields.ts), and
 * a qualified name is a list of `String` nodes. These readers answer `undefined` (or '') for
 * shapes they do not expect instead of throwing, so the walk carries on past them.
 */
export type Obj = Record<string, unknown>;

/** `{ "Type": {...} }` → [Type, {...}]; undefined for anything else. */
export function unwrap(v: unknown): [string, Obj] | undefined {
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

/** A struct: not a list, not a scalar. */
export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A string field's value, '' for anything else. */
export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** A list of `String` nodes (`["public", "t"]`) as strings; undefined if anything else is in it. */
export function stringItems(list: unknown): string[] | undefined {
  if (!Array.isArray(list)) return undefined;
  const out: string[] = [];
  for (const item of list) {
    const s = isObj(item) && isObj(item['String']) ? item['String']['sval'] : undefined;
    if (typeof s !== 'string') return undefined;
    out.push(s);
  }
  return out;
}
