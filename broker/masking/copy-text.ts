/**
 * COPY text format, as PostgreSQL writes it for `COPY … TO STDOUT` (one row per CopyData):
 * fields separated by a tab, `\N` for NULL, a newline at the end; inside a field a backslash
 * escapes the next character (`\\`, `\t`, `\n`, `\r`, `\b`, `\f`, `\v`, `\ooo` octal,
 * `\xhh` hex, anything else stands for itself).
 * @see https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.2
 * Parsing follows CopyReadAttributesText (src/backend/commands/copyfromparse.c) and escaping
 * CopyAttributeOutText (src/backend/commands/copyto.c). Only the default DELIMITER and NULL
 * are understood: with other options a row does not split into the expected column count and
 * is refused by the caller.
 */
import { decodeText } from '../protocol/postgres/text-decoding.js';
import type { TextCodec, TextShape } from './text-types.js';

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const BACKSLASH = 0x5c;

/** The NULL marker `\N` as written between delimiters. */
export const COPY_NULL = Buffer.from('\\N', 'latin1');

/**
 * Where the fields of a line end: before a final `\n` (or `\r\n`, which PostgreSQL writes to
 * files on Windows). Raw CR and LF never occur inside fields — they are escaped.
 */
export function copyContentEnd(line: Buffer): number {
  let end = line.length;
  if (end > 0 && line[end - 1] === LF) {
    end--;
    if (end > 0 && line[end - 1] === CR) end--;
  }
  return end;
}

/** True for the end-of-data marker `\.` (not sent in protocol 3.0 COPY OUT, but harmless to pass). */
export function isEndMarker(line: Buffer, end: number): boolean {
  return end === 2 && line[0] === BACKSLASH && line[1] === 0x2e;
}

/** True when `line[start, end)` is exactly the NULL marker `\N`. */
export function isCopyNull(line: Buffer, start: number, end: number): boolean {
  return end - start === 2 && line[start] === BACKSLASH && line[start + 1] === 0x4e;
}

/**
 * Splits `line[0, end)` at unescaped tabs, writing each field's bounds into `starts`/`ends`
 * (as far as they have room), and returns the number of fields. A backslash takes the next
 * byte with it, so `\` + tab is data, not a delimiter (as in CopyReadAttributesText).
 */
export function splitCopyFields(line: Buffer, end: number, starts: Int32Array, ends: Int32Array): number {
  const find = (byte: number, from: number): number => {
    const at = from < end ? line.indexOf(byte, from) : -1;
    return at === -1 || at > end ? end : at;
  };
  let n = 0;
  let pos = 0;
  for (;;) {
    const fieldStart = pos;
    let tab = find(TAB, pos);
    let bs = find(BACKSLASH, pos);
    while (bs < tab) {
      // Step over the escape and the byte it escapes; when that byte was the tab, look further.
      pos = bs + 2;
      if (pos > tab) tab = find(TAB, pos);
      bs = find(BACKSLASH, pos);
    }
    if (n < starts.length) {
      starts[n] = fieldStart;
      ends[n] = tab;
    }
    n++;
    if (tab >= end) return n;
    pos = tab + 1;
  }
}

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const l = b | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

const isOctal = (b: number | undefined): b is number => b !== undefined && b >= 0x30 && b <= 0x37;

const SIMPLE_ESCAPES: Readonly<Record<number, number>> = {
  0x62 /* b */: 0x08,
  0x66 /* f */: 0x0c,
  0x6e /* n */: 0x0a,
  0x72 /* r */: 0x0d,
  0x74 /* t */: 0x09,
  0x76 /* v */: 0x0b,
};

/** The raw bytes of the escaped field `line[start, end)`. */
export function unescapeCopyField(line: Buffer, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(end - start);
  let o = 0;
  let i = start;
  while (i < end) {
    let c = line[i++]!;
    if (c === BACKSLASH) {
      if (i >= end) break; // a trailing backslash is dropped, as PostgreSQL does
      c = line[i++]!;
      if (isOctal(c)) {
        let v = c - 0x30;
        for (let k = 0; k < 2 && i < end && isOctal(line[i]); k++) v = (v << 3) + line[i++]! - 0x30;
        c = v & 0xff;
      } else if (c === 0x78 /* x */ && i < end && hexValue(line[i]!) >= 0) {
        let v = hexValue(line[i++]!);
        if (i < end && hexValue(line[i]!) >= 0) v = (v << 4) + hexValue(line[i++]!);
        c = v;
      } else {
        c = SIMPLE_ESCAPES[c] ?? c;
      }
    }
    out[o++] = c;
  }
  return out.subarray(0, o);
}

const NEEDS_ESCAPE = /[\\\x08\x09\x0a\x0b\x0c\x0d]/;
const ESCAPES = /[\\\x08\x09\x0a\x0b\x0c\x0d]/g;
const ESCAPED: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\v': '\\v',
  '\f': '\\f',
  '\r': '\\r',
};

/** `text` escaped for a COPY text field (backslash, tab and the line-breaking controls). */
export function escapeCopyText(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPES, (c) => ESCAPED[c]!) : text;
}

/** Reads and writes the text of COPY text-format fields: unescaped and strictly UTF-8 decoded, escaped on the way out. */
export function copyTextCodec(shape: TextShape): TextCodec {
  return {
    shape,
    decode: (buf, start, end) => {
      const bs = buf.indexOf(BACKSLASH, start);
      if (bs === -1 || bs >= end) return decodeText(buf, start, end, 'utf8');
      const raw = unescapeCopyField(buf, start, end);
      return decodeText(raw, 0, raw.length, 'utf8');
    },
    encode: (text) => Buffer.from(escapeCopyText(text), 'utf8'),
  };
}
