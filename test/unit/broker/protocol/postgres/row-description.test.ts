import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../../../broker/protocol/postgres/protocol-error.js';
import { readRowDescription, writeRowDescription, type FieldDescription } from '../../../../../broker/protocol/postgres/row-description.js';
import { readRowDescription as fromIndex } from '../../../../../broker/protocol/postgres/index.js';
import { bytes, cstr, frame, frameWithLength, int16, int32 } from '../../../../support/pg-bytes.js';
import { field, fieldBytes, Oid, rowDescription } from '../../../../support/row-bytes.js';

function refused(fn: () => unknown, code: 'malformed' | 'encoding' = 'malformed'): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a ProtocolError').toBeInstanceOf(ProtocolError);
  expect((caught as ProtocolError).code).toBe(code);
}

const ID: FieldDescription = field({ name: 'id', columnNumber: 1, typeOid: Oid.int4, typeSize: 4 });
const EMAIL: FieldDescription = field({ name: 'email', columnNumber: 2, typeOid: Oid.varchar, typeModifier: 259, format: 1 });
const EXPR: FieldDescription = field({ name: '?column?', tableOid: 0, columnNumber: 0, typeOid: Oid.text });

describe('readRowDescription', () => {
  it('reads every field of every column, byte for byte', () => {
    const f = frame(
      'T',
      int16(2),
      cstr('id'), int32(16384), int16(1), int32(23), int16(4), int32(-1), int16(0),
      cstr('email'), int32(16384), int16(2), int32(1043), int16(-1), int32(259), int16(1),
    );
    expect(readRowDescription(f)).toEqual([ID, EMAIL]);
    expect(fromIndex(f)).toEqual([ID, EMAIL]);
  });

  it('reads an empty description, expressions (table OID 0) and OIDs above 2^31 as unsigned', () => {
    expect(readRowDescription(frame('T', int16(0)))).toEqual([]);
    expect(readRowDescription(rowDescription([EXPR]))).toEqual([EXPR]);
    const big = field({ tableOid: 0xfffffff0, typeOid: 0x80000001 });
    expect(readRowDescription(rowDescription([big]))).toEqual([big]);
  });

  it('decodes names as UTF-8 by default and as single bytes on request', () => {
    const f = rowDescription([field({ name: 'prénom' })]);
    expect(readRowDescription(f)[0]!.name).toBe('prénom');
    expect(readRowDescription(f, 'single-byte')[0]!.name).toBe(Buffer.from('prénom').toString('latin1'));
    refused(() => readRowDescription(frame('T', int16(1), bytes([0xc3, 0x28, 0]), fieldBytes(ID).subarray(3))), 'encoding');
  });

  it('refuses truncated, unterminated, trailing and miscounted bodies', () => {
    const one = fieldBytes(ID);
    refused(() => readRowDescription(frame('T')));
    refused(() => readRowDescription(frame('T', int16(1))));
    refused(() => readRowDescription(frame('T', int16(2), one)));
    refused(() => readRowDescription(frame('T', int16(1), one.subarray(0, one.length - 1))));
    refused(() => readRowDescription(frame('T', int16(1), one, [0])));
    refused(() => readRowDescription(frame('T', int16(0), one)));
    refused(() => readRowDescription(frame('T', int16(1), 'id')));
    refused(() => readRowDescription(frame('T', int16(-1), one)));
    refused(() => readRowDescription(frame('T', int16(0x7fff), one)));
  });

  it('refuses format codes other than 0 and 1, a wrong code byte and a wrong length', () => {
    refused(() => readRowDescription(frame('T', int16(1), bytes(fieldBytes(ID).subarray(0, -2), int16(2)))));
    refused(() => readRowDescription(frame('T', int16(1), bytes(fieldBytes(ID).subarray(0, -2), int16(-1)))));
    refused(() => readRowDescription(frame('D', int16(0))));
    refused(() => readRowDescription(frameWithLength('T', 7, int16(0))));
  });
});

describe('writeRowDescription', () => {
  it('writes the same bytes the builder does, and reads back', () => {
    const fields = [ID, EMAIL, EXPR, field({ tableOid: 0xfffffff0, typeOid: 0x80000001 })];
    expect(writeRowDescription(fields).equals(rowDescription(fields))).toBe(true);
    expect(readRowDescription(writeRowDescription(fields))).toEqual(fields);
    expect(writeRowDescription([]).equals(frame('T', int16(0)))).toBe(true);
  });

  it('replaces a NUL inside a name so it cannot end the field early', () => {
    expect(readRowDescription(writeRowDescription([field({ name: 'a\0b' })]))[0]!.name).toBe('a\uFFFDb');
  });
});
