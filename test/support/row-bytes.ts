/**
 * Byte builders for result rows: RowDescription fields, DataRows and COPY text lines, written
 * from explicit parts (independently of the code under test) so every masking test shows the
 * exact bytes it feeds and expects.
 * Layouts: https://www.postgresql.org/docs/current/protocol-message-formats.html
 * COPY text format: https://www.postgresql.org/docs/current/sql-copy.html
 */
import type { FieldDescription } from '../../broker/protocol/postgres/row-description.js';
import { bytes, cstr, frame, int16, int32, type Part } from './pg-bytes.js';

/** Type OIDs used by the tests (pg_type.dat). */
export const Oid = {
  bool: 16,
  char: 18,
  name: 19,
  int8: 20,
  int4: 23,
  text: 25,
  json: 114,
  xml: 142,
  unknown: 705,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  numeric: 1700,
  jsonb: 3802,
  textArray: 1009,
} as const;

/** A field description; a text column of table 16384 unless overridden. */
export function field(over: Partial<FieldDescription> = {}): FieldDescription {
  return { name: 'c', tableOid: 16384, columnNumber: 1, typeOid: Oid.text, typeSize: -1, typeModifier: -1, format: 0, ...over };
}

/** The bytes of one RowDescription field. */
export function fieldBytes(f: FieldDescription): Buffer {
  return bytes(cstr(f.name), int32(f.tableOid), int16(f.columnNumber), int32(f.typeOid), int16(f.typeSize), int32(f.typeModifier), int16(f.format));
}

/** RowDescription ('T'): Int16 count, then the fields. */
export function rowDescription(fields: readonly FieldDescription[]): Buffer {
  return frame('T', int16(fields.length), ...fields.map(fieldBytes));
}

/** A column value: a string (UTF-8), raw bytes, or null (SQL NULL, length -1). */
export type Value = string | Buffer | null;

/** The bytes of one DataRow column: Int32 length (-1 = NULL) + value. */
export function valueBytes(v: Value): Buffer {
  if (v === null) return int32(-1);
  const b = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
  return bytes(int32(b.length), b);
}

/** DataRow ('D'): Int16 count, then each column. */
export function dataRow(values: readonly Value[]): Buffer {
  return frame('D', int16(values.length), ...values.map(valueBytes));
}

/** A DataRow with explicit parts after the count (for malformed rows). */
export function dataRowRaw(count: number, ...parts: Part[]): Buffer {
  return frame('D', int16(count), ...parts);
}

/** The values of a DataRow as raw bytes (null for NULL), checking its framing. */
export function rowValues(row: Buffer): (Buffer | null)[] {
  if (row[0] !== 0x44 || row.readInt32BE(1) !== row.length - 1) throw new Error('not a DataRow frame');
  const n = row.readInt16BE(5);
  const out: (Buffer | null)[] = [];
  let pos = 7;
  for (let i = 0; i < n; i++) {
    const len = row.readInt32BE(pos);
    pos += 4;
    out.push(len < 0 ? null : row.subarray(pos, pos + len));
    pos += Math.max(len, 0);
  }
  if (pos !== row.length) throw new Error('trailing bytes in DataRow');
  return out;
}

/** The values of a DataRow as UTF-8 strings (null for NULL). */
export function rowTexts(row: Buffer): (string | null)[] {
  return rowValues(row).map((v) => (v === null ? null : v.toString('utf8')));
}

/** A jsonb binary value: version byte 1, then the JSON text. */
export function jsonbBinary(json: string): Buffer {
  return bytes([1], json);
}

/** Escapes a value as COPY text format writes it (CopyAttributeOutText). */
export function copyEscape(s: string): string {
  return s.replace(/[\\\b\f\n\r\t\v]/g, (c) => ({ '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' })[c]!);
}

/** One COPY text line: escaped values separated by tabs, `\N` for NULL, a final newline. */
export function copyLine(values: readonly (string | null)[]): Buffer {
  return Buffer.from(values.map((v) => (v === null ? '\\N' : copyEscape(v))).join('\t') + '\n', 'utf8');
}
