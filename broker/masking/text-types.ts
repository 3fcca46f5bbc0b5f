/**
 * Which column types can carry a replacement string (`[masked]`, `***-**-6789`, `h:…`), and
 * how their values are read and written in each format. Any other type — integers, dates,
 * arrays, enums, extension types such as citext whose OID is not fixed — cannot: a masked value
 * of such a type becomes SQL NULL, because a replacement string would not parse as that type on
 * the client.
 *
 * Text format (0) values are the type's output function result; binary (1) values of these
 * types are the same characters sent by pq_sendtext (textsend, varcharsend, bpcharsend,
 * namesend, json_send, xml_send, unknownsend), except jsonb_send, which prefixes a version
 * byte (1), and charsend ("char"), which sends exactly one byte.
 * @see https://www.postgresql.org/docs/current/protocol-overview.html#PROTOCOL-FORMAT-CODES
 *
 * Bytes are decoded as strict UTF-8: masked sessions must run with client_encoding UTF8.
 */
import { decodeText } from '../protocol/postgres/text-decoding.js';

/** OIDs of the built-in types that hold text (pg_type.dat). */
export const TextTypeOid = {
  char: 18,
  name: 19,
  text: 25,
  json: 114,
  xml: 142,
  unknown: 705,
  bpchar: 1042,
  varchar: 1043,
  jsonb: 3802,
} as const;

/** The jsonb binary format version that jsonb_send writes and jsonb_recv accepts. */
export const JSONB_BINARY_VERSION = 1;

/**
 * How a replacement must be shaped to stay a valid value of the type: `json` values must be
 * JSON (so a replacement becomes a JSON string literal, as clients such as node-postgres parse
 * json columns), `xml` values must be XML content (so `<` and `&` are escaped), `text` anything.
 */
export type TextShape = 'text' | 'json' | 'xml';

/** Reads and writes the text of one value in one column's type and format. */
export interface TextCodec {
  readonly shape: TextShape;
  /** The text of `buf[start, end)`, or null when it cannot be read as text (mask to NULL). Throws ProtocolError('encoding') for invalid UTF-8. */
  decode(buf: Buffer, start: number, end: number): string | null;
  /** The value bytes for `text`. */
  encode(text: string): Buffer;
}

const SHAPES: ReadonlyMap<number, TextShape> = new Map<number, TextShape>([
  [TextTypeOid.char, 'text'],
  [TextTypeOid.name, 'text'],
  [TextTypeOid.text, 'text'],
  [TextTypeOid.json, 'json'],
  [TextTypeOid.xml, 'xml'],
  [TextTypeOid.unknown, 'text'],
  [TextTypeOid.bpchar, 'text'],
  [TextTypeOid.varchar, 'text'],
  [TextTypeOid.jsonb, 'json'],
]);

/** The shape of a text type, or null when the type cannot carry a replacement string. */
export function textShapeOf(typeOid: number): TextShape | null {
  return SHAPES.get(typeOid) ?? null;
}

function plainCodec(shape: TextShape): TextCodec {
  return {
    shape,
    decode: (buf, start, end) => decodeText(buf, start, end, 'utf8'),
    encode: (text) => Buffer.from(text, 'utf8'),
  };
}

/** jsonb binary: Byte1 version (1), then the JSON text. An unknown version cannot be read: masked to NULL. */
const JSONB_BINARY: TextCodec = {
  shape: 'json',
  decode: (buf, start, end) => (end > start && buf[start] === JSONB_BINARY_VERSION ? decodeText(buf, start + 1, end, 'utf8') : null),
  encode: (text) => {
    const out = Buffer.allocUnsafe(1 + Buffer.byteLength(text, 'utf8'));
    out[0] = JSONB_BINARY_VERSION;
    out.write(text, 1, 'utf8');
    return out;
  },
};

const CODECS: Record<TextShape, TextCodec> = { text: plainCodec('text'), json: plainCodec('json'), xml: plainCodec('xml') };

/**
 * The codec for values of `typeOid` in `format`, or null when a replacement string cannot be
 * written there: types that are not text, and binary "char" (charrecv reads exactly one byte,
 * so a longer replacement would be a different, unparseable value).
 */
export function textCodecFor(typeOid: number, format: 0 | 1): TextCodec | null {
  const shape = textShapeOf(typeOid);
  if (shape === null) return null;
  if (format === 1) {
    if (typeOid === TextTypeOid.char) return null;
    if (typeOid === TextTypeOid.jsonb) return JSONB_BINARY;
  }
  return CODECS[shape];
}

/** `text` as a value of `shape`: a JSON string literal for json, escaped XML text for xml. */
export function shapeReplacement(shape: TextShape, text: string): string {
  if (shape === 'json') return JSON.stringify(text);
  if (shape === 'xml') return escapeXml(text);
  return text;
}

/**
 * Applies a string transform (partial, hash) to a value of `shape` and returns a valid value
 * of that shape. A JSON string is transformed by its contents (so `"123-45-6789"` hashes like
 * the text 123-45-6789); any other JSON value by its text, the result becoming a JSON string.
 */
export function transformShaped(shape: TextShape, value: string, fn: (s: string) => string): string {
  if (shape === 'json') return JSON.stringify(fn(jsonStringContents(value) ?? value));
  if (shape === 'xml') return escapeXml(fn(value));
  return fn(value);
}

/** True when `text` is still a valid value of `shape` after a content scanner rewrote it (xml is not checked). */
export function stillShaped(shape: TextShape, text: string): boolean {
  if (shape !== 'json') return true;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function jsonStringContents(value: string): string | null {
  const t = value.trim();
  if (!t.startsWith('"')) return null;
  try {
    const v: unknown = JSON.parse(t);
    return typeof v === 'string' ? v : null;
  } catch {
    return null;
  }
}

// Two regexes: a /g regex keeps lastIndex between test() calls.
const XML_SPECIAL = /[&<>]/;
const XML_SPECIALS = /[&<>]/g;
const XML_ENTITY: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

function escapeXml(text: string): string {
  return XML_SPECIAL.test(text) ? text.replace(XML_SPECIALS, (c) => XML_ENTITY[c]!) : text;
}
