/**
 * A small, forgiving tokenizer for PostgreSQL statement text, for display only (the broker's
 * policy decisions use the real parser, libpg_query). It never fails: unterminated strings and
 * comments run to the end of the text, and anything unrecognised becomes a one-character
 * `punct` token, so the tokens always concatenate back to the exact input.
 */

export type SqlTokenType = 'space' | 'comment' | 'string' | 'ident' | 'quoted-ident' | 'keyword' | 'number' | 'param' | 'operator' | 'punct';

export interface SqlToken {
  readonly type: SqlTokenType;
  readonly text: string;
}

const KEYWORDS = new Set(
  (
    'all alter analyze and any array as asc begin between by call case cascade cast check checkpoint cluster ' +
    'column comment commit concurrently conflict constraint copy create cross current_date current_timestamp ' +
    'current_user cursor database deallocate declare default deferrable delete desc distinct do drop else end ' +
    'except execute exists explain extension false fetch filter for foreign from full function grant group ' +
    'having if ilike in index inner insert intersect interval into is join key language lateral left like ' +
    'limit listen lock materialized natural not nothing notify null nulls offset on only or order outer over ' +
    'owner partition policy prepare primary procedure publication reassign recursive references refresh ' +
    'reindex release rename replace reset restrict returning revoke right role rollback savepoint schema ' +
    'select sequence session_user set show similar some table tablespace temp temporary then to trigger ' +
    'true truncate type union unique unlisten update user using vacuum values view when where window with'
  ).split(' '),
);

const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
const IDENT_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const OPERATOR_CHARS = '+-*/<>=~!@#%^&|`?';

export function isKeyword(word: string): boolean {
  return KEYWORDS.has(word.toLowerCase());
}

/** End index of a quoted run starting at `start` (the opening quote), doubled quotes escaping. */
function quotedEnd(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (backslashEscapes && c === '\\') i += 2;
    else if (c === quote && sql[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1;
    else i++;
  }
  return sql.length;
}

/** Block comments nest in PostgreSQL. */
function blockCommentEnd(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return sql.length;
}

/** `$tag$ … $tag$`, or undefined when `$` does not open a dollar quote here. */
function dollarQuoteEnd(sql: string, start: number): number | undefined {
  const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(start, start + 66))?.[0];
  if (tag === undefined) return undefined;
  const close = sql.indexOf(tag, start + tag.length);
  return close === -1 ? sql.length : close + tag.length;
}

function readWhile(sql: string, start: number, re: RegExp): number {
  let i = start;
  while (i < sql.length && re.test(sql[i]!)) i++;
  return i;
}

/** An operator run ends before a comment start, as in PostgreSQL's lexer (`=--x` is `=` and a comment). */
function operatorEnd(sql: string, start: number): number {
  let i = start + 1;
  while (i < sql.length && OPERATOR_CHARS.includes(sql[i]!) && !sql.startsWith('--', i) && !sql.startsWith('/*', i)) i++;
  return i;
}

function numberEnd(sql: string, start: number): number {
  const m = /^(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)/.exec(sql.slice(start, start + 200));
  return start + (m?.[0].length ?? 1);
}

export function tokenizeSql(sql: string): SqlToken[] {
  const out: SqlToken[] = [];
  let i = 0;
  const push = (type: SqlTokenType, end: number): void => {
    out.push({ type, text: sql.slice(i, end) });
    i = end;
  };
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1] ?? '';
    if (/\s/.test(c)) push('space', readWhile(sql, i, /\s/));
    else if (c === '-' && next === '-') {
      const eol = sql.indexOf('\n', i);
      push('comment', eol === -1 ? sql.length : eol);
    } else if (c === '/' && next === '*') push('comment', blockCommentEnd(sql, i));
    else if (c === "'") push('string', quotedEnd(sql, i, "'", false));
    else if ((c === 'E' || c === 'e') && next === "'") push('string', quotedEnd(sql, i + 1, "'", true));
    else if (/[BbXxNn]/.test(c) && next === "'") push('string', quotedEnd(sql, i + 1, "'", false));
    else if ((c === 'U' || c === 'u') && next === '&' && (sql[i + 2] === "'" || sql[i + 2] === '"')) {
      const q = sql[i + 2]!;
      push(q === "'" ? 'string' : 'quoted-ident', quotedEnd(sql, i + 2, q, false));
    } else if (c === '"') push('quoted-ident', quotedEnd(sql, i, '"', false));
    else if (c === '$' && /\d/.test(next)) push('param', readWhile(sql, i + 1, /\d/));
    else if (c === '$' && dollarQuoteEnd(sql, i) !== undefined) push('string', dollarQuoteEnd(sql, i)!);
    else if (/\d/.test(c) || (c === '.' && /\d/.test(next))) push('number', numberEnd(sql, i));
    else if (IDENT_START.test(c)) {
      const end = readWhile(sql, i, IDENT_PART);
      push(isKeyword(sql.slice(i, end)) ? 'keyword' : 'ident', end);
    } else if (c === ':' && next === ':') push('operator', i + 2);
    else if (OPERATOR_CHARS.includes(c)) push('operator', operatorEnd(sql, i));
    else push('punct', i + 1);
  }
  return out;
}
