/**
 * RowDescription ('T'): the column layout that precedes the DataRows of a result. Masking
 * needs it to know, per column, the source table and attribute (which rule applies), the type
 * (whether a replacement string can stand in) and the format code (text or binary values).
 * Layout: https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-ROWDESCRIPTION
 */
import { BackendCode } from './codes.js';
import { FrameCursor } from './frame-cursor.js';
import { MessageWriter } from './message-writer.js';
import type { TextDecoding } from './text-decoding.js';

/** One field of a RowDescription, in wire order. */
export interface FieldDescription {
  /** Column label as the query named it (`AS` alias or attribute name). */
  readonly name: string;
  /** OID of the source table, 0 when the column is not a plain table column (an expression). */
  readonly tableOid: number;
  /** Attribute number of the source column, 0 when not a plain table column. */
  readonly columnNumber: number;
  /** OID of the data type (a domain is reported as its base type). */
  readonly typeOid: number;
  /** pg_type.typlen: negative for variable-width types. */
  readonly typeSize: number;
  /** pg_attribute.atttypmod, e.g. the n of varchar(n) (+4); -1 when none. */
  readonly typeModifier: number;
  /** 0 = text, 1 = binary. */
  readonly format: 0 | 1;
}

/**
 * Minimum bytes of one field: an empty name (just its NUL), Int32 table OID, Int16 attnum,
 * Int32 type OID, Int16 size, Int32 modifier, Int16 format.
 */
const MIN_FIELD_BYTES = 1 + 4 + 2 + 4 + 2 + 4 + 2;

/**
 * Reads a RowDescription ('T'): Int16 field count, then per field String name, Int32 table
 * OID, Int16 column attribute number, Int32 type OID, Int16 type size, Int32 type modifier,
 * Int16 format code. Truncated, unterminated or trailing bytes, a negative count and format
 * codes other than 0/1 throw ProtocolError('malformed'). Names decode per `decoding` (the
 * session's client_encoding; 'utf8' by default, strict).
 */
export function readRowDescription(frame: Buffer, decoding: TextDecoding = 'utf8'): FieldDescription[] {
  const c = new FrameCursor(frame, BackendCode.RowDescription, 'RowDescription');
  const count = c.int16('field count');
  if (count < 0) c.fail('negative field count');
  // Refuse an impossible count before allocating anything for it.
  if (count * MIN_FIELD_BYTES > c.remaining) c.fail('truncated field list');
  const fields: FieldDescription[] = new Array<FieldDescription>(count);
  for (let i = 0; i < count; i++) {
    const name = c.cstring('field name', decoding);
    const tableOid = c.uint32('table OID');
    const columnNumber = c.int16('column number');
    const typeOid = c.uint32('type OID');
    const typeSize = c.int16('type size');
    const typeModifier = c.int32('type modifier');
    const format = c.int16('format code');
    if (format !== 0 && format !== 1) return c.fail('format code must be 0 or 1');
    fields[i] = { name, tableOid, columnNumber, typeOid, typeSize, typeModifier, format };
  }
  c.done();
  return fields;
}

/**
 * Writes a RowDescription ('T') with the same layout as {@link readRowDescription} reads.
 * A NUL inside a name is replaced by U+FFFD, as in every backend message the broker writes.
 */
export function writeRowDescription(fields: readonly FieldDescription[]): Buffer {
  let size = 7;
  for (const f of fields) size += MIN_FIELD_BYTES + 3 * f.name.length;
  const w = new MessageWriter(BackendCode.RowDescription, size);
  w.int16(fields.length);
  for (const f of fields) {
    w.cstring(f.name, 'replace', 'field name')
      .int32(f.tableOid)
      .int16(f.columnNumber)
      .int32(f.typeOid)
      .int16(f.typeSize)
      .int32(f.typeModifier)
      .int16(f.format);
  }
  return w.finish();
}
