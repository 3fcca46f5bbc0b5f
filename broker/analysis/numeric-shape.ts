/**
 * A cheap shape key for the commonest repeated statements: plain SQL whose only constants are
 * integers (`SELECT abalance FROM pgbench_accounts WHERE aid = 48213`). It replaces each integer
 * token by `?` — at a fraction of `normalizeSync`'s cost (a WASM parse) — and is deliberately
 * narrow, so that equal keys can only come from texts that differ in integer constants:
 *
 * - Only printable ASCII letters, digits, white space and operator punctuation are allowed. Any
 *   quote (`'`, `"`, `` ` ``), `$` (dollar quotes, parameters), backslash, `?` (the placeholder),
 *   brace, control character or non-ASCII character means "no key", and so does a comment
 *   opener (`--`, `/*`). Without quotes or comments every character is read by PostgreSQL's lexer
 *   as part of a keyword, identifier, number, operator or punctuation, exactly as it is here.
 * - A digit run is replaced only when it stands alone: not preceded or followed by an identifier
 *   character or a dot. So `t1`, `1.5`, `1e5`, `0x1F` and `1_000` stay as written (they just do
 *   not share), and a replaced run is always a whole integer constant.
 *
 * Facts that depend on a constant's value make the statement `literalDependent`, and such
 * analyses are never shared by shape (see cache.ts), so a hit yields the facts a parse would.
 * @see https://www.postgresql.org/docs/current/sql-syntax-lexical.html
 */

const ALLOWED = new Uint8Array(128);
const IDENT_OR_DOT = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  const ident = /[A-Za-z0-9_]/.test(ch);
  if (ident || ' \t\n\r,.;()=<>!*+-/%:^|&#~@[]'.includes(ch)) ALLOWED[c] = 1;
  if (ident || ch === '.') IDENT_OR_DOT[c] = 1;
}

const MAX_LENGTH = 4096;

/** The integer-free shape of `sql`, or undefined when the text is outside the narrow form. */
export function numericShapeKey(sql: string): string | undefined {
  const n = sql.length;
  if (n === 0 || n > MAX_LENGTH) return undefined;
  let out = '';
  let copied = 0;
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const c = sql.charCodeAt(i);
    if (c >= 128 || ALLOWED[c] === 0) return undefined;
    if ((c === 45 /* - */ && sql.charCodeAt(i + 1) === 45) || (c === 47 /* / */ && sql.charCodeAt(i + 1) === 42)) return undefined;
    if (c >= 48 && c <= 57 && IDENT_OR_DOT[prev] === 0) {
      let j = i + 1;
      while (j < n) {
        const d = sql.charCodeAt(j);
        if (d < 48 || d > 57) break;
        j++;
      }
      const next = j < n ? sql.charCodeAt(j) : 32;
      if (next >= 128 || IDENT_OR_DOT[next] === 0) {
        out += sql.slice(copied, i) + '?';
        copied = j;
      }
      prev = sql.charCodeAt(j - 1);
      i = j - 1;
      continue;
    }
    prev = c;
  }
  return copied === 0 ? undefined : out + sql.slice(copied);
}
