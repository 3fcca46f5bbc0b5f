/**
 * SQL for reviewers: a light layout (one clause per line) and syntax highlighting. The SQL
 * text is written by whoever sent the statement — possibly an attacker — so every token is
 * escaped before it is wrapped in a span, and characters that could make the text read
 * differently from what runs (bidirectional overrides, zero-width and control characters, the
 * "Trojan Source" trick) are shown as visible `U+XXXX` markers.
 *
 * Layout only changes whitespace between tokens: strings, quoted identifiers and comments are
 * kept byte for byte. The page also offers the exact text as sent.
 */
import { escapeHtml, SafeHtml } from './html.js';
import { tokenizeSql, type SqlToken } from './sql-tokenizer.js';

const CLASS: Partial<Record<SqlToken['type'], string>> = {
  keyword: 'k',
  string: 's',
  number: 'n',
  comment: 'c',
  param: 'p',
  'quoted-ident': 'qi',
  operator: 'o',
};

/** Clause starts that begin a new line, at the top level of a statement or subquery. */
const CLAUSES = new Set(['select', 'from', 'where', 'group', 'order', 'having', 'limit', 'offset', 'returning', 'values', 'set', 'union', 'intersect', 'except', 'insert', 'update', 'delete', 'join', 'left', 'right', 'inner', 'full', 'cross', 'window']);
/** A clause word right after one of these is part of a phrase (`LEFT JOIN`, `DO UPDATE SET`, `FOR UPDATE`, `IS DISTINCT FROM`, `ON DELETE`). */
const PHRASE = new Set(['left', 'right', 'inner', 'full', 'cross', 'natural', 'outer', 'do', 'for', 'on', 'no', 'key', 'distinct', 'update', 'of']);
const QUERY_START = new Set(['select', 'with', 'values', 'insert', 'update', 'delete']);
// Control, bidirectional-override and zero-width characters: what the Trojan Source trick uses.
const INVISIBLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/g;

/** Escapes `text` and makes invisible or direction-changing characters visible. */
export function escapeVisible(text: string): string {
  return escapeHtml(text).replace(INVISIBLE, (c) => {
    const code = `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    return `<span class="inv" title="invisible character ${code}">${code}</span>`;
  });
}

function word(t: SqlToken | undefined): string {
  return t?.type === 'keyword' || t?.type === 'ident' ? t.text.toLowerCase() : '';
}

const TIGHT_BEFORE = new Set([')', ',', ';', '.', '::', '[', ']']);
const TIGHT_AFTER = new Set(['(', '.', '::', '[']);

/**
 * Whitespace-only re-layout: one clause per line, AND/OR indented under WHERE, subqueries
 * indented by depth. Parentheses that are not subqueries (function calls, IN lists) stay inline.
 */
export function layoutSql(sql: string): SqlToken[] {
  const all = tokenizeSql(sql.trim());
  const out: SqlToken[] = [];
  /** One entry per open parenthesis: does it hold a query? */
  const parens: boolean[] = [];
  let betweenOpen = false;
  let prev: SqlToken | undefined;
  for (let i = 0; i < all.length; i++) {
    const t = all[i]!;
    if (t.type === 'space') continue;
    const spaced = all[i - 1]?.type === 'space';
    const w = word(t);
    if (prev?.text === '(' && parens.length > 0) parens[parens.length - 1] = QUERY_START.has(w);
    const queryLevel = parens.length === 0 || parens[parens.length - 1] === true;
    const pad = (extra: number): string => '\n' + '  '.repeat(parens.length + extra);
    let gap = ' ';
    if (prev === undefined) gap = '';
    else if (prev.type === 'comment' && prev.text.startsWith('--')) gap = pad(0);
    else if (prev.text === ';') gap = '\n\n';
    else if (TIGHT_BEFORE.has(t.text) || TIGHT_AFTER.has(prev.text)) gap = '';
    else if (t.text === '(' && !spaced && (prev.type === 'ident' || prev.type === 'quoted-ident')) gap = '';
    else if (queryLevel && t.type === 'keyword' && CLAUSES.has(w) && !PHRASE.has(word(prev))) gap = pad(0);
    else if (queryLevel && t.type === 'keyword' && (w === 'and' || w === 'or')) {
      if (w === 'and' && betweenOpen) betweenOpen = false;
      else gap = pad(1);
    }
    if (w === 'between') betweenOpen = true;
    if (t.text === '(') parens.push(false);
    if (t.text === ')') parens.pop();
    out.push({ type: 'space', text: gap }, t);
    prev = t;
  }
  return out.filter((t) => t.text !== '');
}

/** Highlighted HTML for tokens (each one escaped). */
export function highlightTokens(tokens: readonly SqlToken[]): SafeHtml {
  let out = '';
  tokens.forEach((t, i) => {
    let cls = CLASS[t.type];
    if (t.type === 'ident' && tokens[i + 1]?.text === '(') cls = 'fn';
    const text = escapeVisible(t.text);
    out += cls === undefined ? text : `<span class="${cls}">${text}</span>`;
  });
  return new SafeHtml(out);
}

/** The statement laid out and highlighted. */
export function highlightSql(sql: string): SafeHtml {
  return highlightTokens(layoutSql(sql));
}

/** The exact text as sent, highlighted but not re-laid-out. */
export function highlightSqlExact(sql: string): SafeHtml {
  return highlightTokens(tokenizeSql(sql));
}

/** One line for lists: whitespace collapsed, cut at `max` characters. */
export function sqlPreview(sql: string, max = 160): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
