/**
 * RowMasker, byte by byte: DataRows in text and binary format, NULLs, non-text types, derived
 * and scanned columns, counting, malformed rows, and COPY text lines with escapes.
 */
import { describe, expect, it } from 'vitest';
import { AirlockError } from '../../../../broker/errors/airlock-error.js';
import { RowMasker, copyFormatSupported, type ColumnAction, type RowMaskPlan } from '../../../../broker/masking/row-masker.js';
import { maskValue } from '../../../../broker/masking/strategies.js';
import type { ColumnMask } from '../../../../broker/masking/types.js';
import { ProtocolError } from '../../../../broker/protocol/postgres/protocol-error.js';
import type { FieldDescription } from '../../../../broker/protocol/postgres/row-description.js';
import { bytes, frame, int16, int32 } from '../../../support/pg-bytes.js';
import { Oid, copyLine, dataRow, dataRowRaw, field, jsonbBinary, rowTexts, rowValues, valueBytes, type Value } from '../../../support/row-bytes.js';

const SALT = Buffer.from('row-masker-salt');
const CLEAR: ColumnAction = { kind: 'clear' };
const DERIVED: ColumnAction = { kind: 'derived' };
const SCAN: ColumnAction = { kind: 'scan' };
const mask = (m: ColumnMask): ColumnAction => ({ kind: 'mask', mask: m });
const REDACT = mask({ strategy: 'redact' });
const PARTIAL = mask({ strategy: 'partial' });
const HASH = mask({ strategy: 'hash' });
const NULL = mask({ strategy: 'null' });
const hashOf = (v: string): string => maskValue(v, { strategy: 'hash' }, SALT)!;

/** A masker over columns given as [type OID, format, action]. */
function masker(cols: readonly [number, 0 | 1, ColumnAction][], extra: Partial<RowMaskPlan> = {}): RowMasker {
  const fields: FieldDescription[] = cols.map(([typeOid, format], i) => field({ name: `c${i}`, columnNumber: i + 1, typeOid, format }));
  return new RowMasker({ fields, actions: cols.map((c) => c[2]), salt: SALT, ...extra });
}

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

describe('RowMasker: which plans are active', () => {
  it('is inactive when every column is clear, and passes rows and lines as the same Buffer', () => {
    const m = masker([[Oid.text, 0, CLEAR], [Oid.int4, 1, CLEAR]]);
    expect(m.active).toBe(false);
    const row = dataRow(['secret', bytes(int32(7))]);
    expect(m.maskDataRow(row)).toBe(row);
    const line = Buffer.from('secret\t7\n');
    expect(m.maskCopyText(line)).toBe(line);
  });

  it('is inactive when only non-text columns are scanned (detectors read text only)', () => {
    const scan = (): never => {
      throw new Error('the scanner must not run');
    };
    const m = masker([[Oid.int4, 0, SCAN], [Oid.date, 1, SCAN]], { scan });
    expect(m.active).toBe(false);
  });

  it('refuses plans it cannot carry out, at construction', () => {
    const fields = [field()];
    expect(() => new RowMasker({ fields, actions: [] })).toThrow(RangeError);
    expect(() => new RowMasker({ fields, actions: [HASH] })).toThrow(AirlockError);
    expect(() => new RowMasker({ fields: [field({ typeOid: Oid.int4 })], actions: [HASH] })).toThrow(AirlockError);
    expect(() => new RowMasker({ fields, actions: [SCAN] })).toThrow(RangeError);
    expect(() => new RowMasker({ fields, actions: [mask({ strategy: 'partial', keepLast: -1 })] })).toThrow(RangeError);
  });
});

describe('RowMasker.maskDataRow: text format', () => {
  const m = (): RowMasker =>
    masker([[Oid.int4, 0, CLEAR], [Oid.text, 0, REDACT], [Oid.varchar, 0, PARTIAL], [Oid.bpchar, 0, HASH], [Oid.text, 0, NULL], [Oid.text, 0, CLEAR]]);

  it('applies each strategy and keeps clear columns byte for byte', () => {
    const out = m().maskDataRow(dataRow(['42', 'Alice', '123-45-6789', 'alice@example.com', 'x', 'tail']));
    expect(rowTexts(out)).toEqual(['42', '[masked]', '***-**-6789', hashOf('alice@example.com'), null, 'tail']);
  });

  it('recomputes the message length when values grow and shrink', () => {
    const out = m().maskDataRow(dataRow(['1', 'a', 'b', 'c', 'a much longer value than null', '']));
    expect(out.readInt32BE(1)).toBe(out.length - 1);
    expect(out.readInt16BE(5)).toBe(6);
    expect(rowTexts(out)).toEqual(['1', '[masked]', '*', hashOf('c'), null, '']);
  });

  it('masks unicode values by code point and re-encodes them as UTF-8', () => {
    const out = masker([[Oid.text, 0, PARTIAL], [Oid.text, 0, HASH]]).maskDataRow(dataRow(['Zoë Ångström 🎉', 'Ωμέγα']));
    expect(rowTexts(out)).toEqual(['*** ****tröm 🎉', hashOf('Ωμέγα')]);
  });

  it('masks empty strings (and counts them): partial keeps them empty', () => {
    const mm = masker([[Oid.text, 0, REDACT], [Oid.text, 0, PARTIAL], [Oid.text, 0, HASH], [Oid.text, 0, NULL]]);
    expect(rowTexts(mm.maskDataRow(dataRow(['', '', '', ''])))).toEqual(['[masked]', '', hashOf(''), null]);
    expect(mm.counts).toEqual([1, 1, 1, 1]);
  });

  it('keeps NULL as NULL for every action, without counting it, and returns the same Buffer', () => {
    const mm = masker([[Oid.text, 0, REDACT], [Oid.text, 0, PARTIAL], [Oid.text, 0, HASH], [Oid.text, 0, NULL], [Oid.text, 0, DERIVED], [Oid.int4, 0, REDACT]], {
      scan: (text) => ({ text: text.toUpperCase(), detectors: ['x'] }),
    });
    const row = dataRow([null, null, null, null, null, null]);
    expect(mm.maskDataRow(row)).toBe(row);
    expect(mm.counts).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('turns masked values of non-text types into NULL whatever the strategy', () => {
    const types = [Oid.int4, Oid.int8, Oid.numeric, Oid.date, Oid.bool, Oid.textArray, 99999 /* an extension type such as citext */];
    for (const action of [REDACT, PARTIAL, HASH, NULL, DERIVED]) {
      const mm = masker(types.map((t) => [t, 0, action] as [number, 0, ColumnAction]));
      const out = mm.maskDataRow(dataRow(['42', '9007199254740993', '3.14', '2024-01-31', 't', '{a,b}', 'ci']));
      expect(rowValues(out)).toEqual(types.map(() => null));
      expect(mm.counts).toEqual(types.map(() => 1));
    }
  });

  it("masks 'derived' columns: [masked] for text types, NULL otherwise", () => {
    const out = masker([[Oid.text, 0, DERIVED], [Oid.int4, 0, DERIVED], [Oid.varchar, 1, DERIVED], [Oid.int4, 1, DERIVED]]).maskDataRow(
      dataRow(['upper(ssn)', '123', 'x', bytes(int32(123))]),
    );
    expect(rowTexts(out)).toEqual(['[masked]', null, '[masked]', null]);
  });

  it('writes "char", name and unknown as text in text format', () => {
    const out = masker([[Oid.char, 0, REDACT], [Oid.name, 0, PARTIAL], [Oid.unknown, 0, REDACT]]).maskDataRow(dataRow(['a', 'postgres', 'lit']));
    expect(rowTexts(out)).toEqual(['[masked]', '****gres', '[masked]']);
  });

  it('keeps json and jsonb values valid JSON: replacements become JSON strings', () => {
    const mm = masker([[Oid.json, 0, REDACT], [Oid.jsonb, 0, PARTIAL], [Oid.jsonb, 0, HASH], [Oid.json, 0, PARTIAL], [Oid.jsonb, 0, DERIVED]]);
    const out = rowTexts(mm.maskDataRow(dataRow(['{"ssn": "1"}', '"123-45-6789"', '"alice"', '{"a": 12345}', '42'])));
    expect(out).toEqual(['"[masked]"', '"***-**-6789"', JSON.stringify(hashOf('alice')), JSON.stringify('{"*": *2345}'), '"[masked]"']);
    for (const v of out) expect(() => JSON.parse(v!)).not.toThrow();
  });

  it('escapes xml replacements so they stay XML content', () => {
    const out = masker([[Oid.xml, 0, PARTIAL], [Oid.xml, 0, REDACT]]).maskDataRow(dataRow(['<a>secret1</a>', '<b/>']));
    expect(rowTexts(out)).toEqual(['&lt;*&gt;****et1&lt;/a&gt;', '[masked]']);
  });

  it('refuses invalid UTF-8 in a value it must read, but passes it in clear and redacted columns', () => {
    const bad = Buffer.from([0x61, 0xc3, 0x28]);
    refused(() => masker([[Oid.text, 0, PARTIAL]]).maskDataRow(dataRow([bad])), 'encoding');
    const out = masker([[Oid.text, 0, CLEAR], [Oid.text, 0, REDACT]]).maskDataRow(dataRow([bad, bad]));
    expect(rowValues(out)).toEqual([bad, Buffer.from('[masked]')]);
  });
});

describe('RowMasker.maskDataRow: binary format', () => {
  it('reads and writes text types as raw UTF-8', () => {
    const out = masker([[Oid.text, 1, PARTIAL], [Oid.varchar, 1, HASH], [Oid.bpchar, 1, REDACT], [Oid.name, 1, PARTIAL]]).maskDataRow(
      dataRow([Buffer.from('4111 1111 1111 1111'), Buffer.from('été'), Buffer.from('x  '), Buffer.from('pg')]),
    );
    expect(rowTexts(out)).toEqual(['**** **** **** 1111', hashOf('été'), '[masked]', '**']);
  });

  it('turns masked binary values of non-text types, and of binary "char", into NULL', () => {
    const mm = masker([[Oid.int4, 1, PARTIAL], [Oid.int8, 1, HASH], [Oid.char, 1, REDACT], [Oid.date, 1, DERIVED]]);
    const out = mm.maskDataRow(dataRow([bytes(int32(42)), Buffer.alloc(8, 1), Buffer.from('a'), bytes(int32(8800))]));
    expect(rowValues(out)).toEqual([null, null, null, null]);
  });

  it('keeps the jsonb version byte: Byte1 1, then JSON text', () => {
    const mm = masker([[Oid.jsonb, 1, PARTIAL], [Oid.jsonb, 1, REDACT], [Oid.jsonb, 1, HASH], [Oid.json, 1, REDACT]]);
    const out = rowValues(mm.maskDataRow(dataRow([jsonbBinary('"123-45-6789"'), jsonbBinary('{}'), jsonbBinary('"a"'), Buffer.from('{}')])));
    expect(out).toEqual([jsonbBinary('"***-**-6789"'), jsonbBinary('"[masked]"'), jsonbBinary(JSON.stringify(hashOf('a'))), Buffer.from('"[masked]"')]);
  });

  it('turns a jsonb value of an unknown binary version into NULL rather than guessing', () => {
    const out = masker([[Oid.jsonb, 1, PARTIAL]]).maskDataRow(dataRow([bytes([2], '"123-45-6789"')]));
    expect(rowValues(out)).toEqual([null]);
  });

  it('copies clear binary columns byte for byte around masked ones', () => {
    const clear = [bytes(int32(-5)), Buffer.from([0, 0xff, 0x80, 0]), Buffer.alloc(0)];
    const out = masker([[Oid.int4, 1, CLEAR], [Oid.text, 1, REDACT], [Oid.bool, 1, CLEAR], [Oid.text, 1, NULL], [Oid.bool, 1, CLEAR]]).maskDataRow(
      dataRow([clear[0]!, Buffer.from('s'), clear[1]!, Buffer.from('t'), clear[2]!]),
    );
    expect(rowValues(out)).toEqual([clear[0], Buffer.from('[masked]'), clear[1], null, clear[2]]);
  });
});

describe("RowMasker: 'scan' columns", () => {
  const CARD = /\b\d{4}(?: \d{4}){3}\b/g;
  const scan = (text: string): { text: string; detectors: readonly string[] } =>
    CARD.test(text) ? { text: text.replace(CARD, '[card]'), detectors: ['card'] } : { text, detectors: [] };

  it('rewrites what the scanner finds, counts it, and records the detectors', () => {
    const mm = masker([[Oid.text, 0, SCAN], [Oid.int4, 0, SCAN], [Oid.varchar, 1, SCAN]], { scan });
    const out = mm.maskDataRow(dataRow(['paid with 4111 1111 1111 1111', '4111', Buffer.from('card 5500 0000 0000 0004')]));
    expect(rowTexts(out)).toEqual(['paid with [card]', '4111', 'card [card]']);
    expect(mm.counts).toEqual([1, 0, 1]);
    expect([...mm.detectorHits]).toEqual([['card', 2]]);
  });

  it('returns the same Buffer when the scanner changes nothing', () => {
    const mm = masker([[Oid.text, 0, SCAN], [Oid.text, 0, CLEAR]], { scan });
    const row = dataRow(['nothing to see', 'clear']);
    expect(mm.maskDataRow(row)).toBe(row);
    expect(mm.counts).toEqual([0, 0]);
  });

  it('falls back to "[masked]" when a rewrite would break a json value', () => {
    const breaking = (text: string): { text: string; detectors: readonly string[] } => ({ text: text.replace('secret', '"oops'), detectors: ['api-token'] });
    const keeping = (text: string): { text: string; detectors: readonly string[] } => ({ text: text.replace('secret', '[token]'), detectors: ['api-token'] });
    const row = dataRow(['{"k": "secret"}']);
    expect(rowTexts(masker([[Oid.jsonb, 0, SCAN]], { scan: breaking }).maskDataRow(row))).toEqual(['"[masked]"']);
    expect(rowTexts(masker([[Oid.jsonb, 0, SCAN]], { scan: keeping }).maskDataRow(row))).toEqual(['{"k": "[token]"}']);
  });
});

describe('RowMasker.counts', () => {
  it('counts masked values per column across rows', () => {
    const mm = masker([[Oid.text, 0, CLEAR], [Oid.text, 0, REDACT], [Oid.int4, 0, DERIVED]]);
    mm.maskDataRow(dataRow(['a', 'b', '1']));
    mm.maskDataRow(dataRow(['a', null, '2']));
    mm.maskDataRow(dataRow(['a', 'c', null]));
    mm.maskCopyText(Buffer.from('a\tb\t3\n'));
    expect(mm.counts).toEqual([0, 3, 3]);
  });
});

describe('RowMasker.maskDataRow: malformed rows', () => {
  const mm = (): RowMasker => masker([[Oid.text, 0, REDACT], [Oid.text, 0, CLEAR]]);

  it('refuses a value length past the end, truncated lengths, and lengths below -1', () => {
    refused(() => mm().maskDataRow(dataRowRaw(2, int32(10), 'abc', valueBytes('x'))));
    refused(() => mm().maskDataRow(dataRowRaw(2, valueBytes('a'), int32(5), 'abc')));
    refused(() => mm().maskDataRow(dataRowRaw(2, valueBytes('a'), [0, 0])));
    refused(() => mm().maskDataRow(dataRowRaw(2, int32(-2), valueBytes('x'))));
  });

  it('refuses a column count other than the RowDescription announced, and trailing bytes', () => {
    refused(() => mm().maskDataRow(dataRow(['a'])));
    refused(() => mm().maskDataRow(dataRow(['a', 'b', 'c'])));
    refused(() => mm().maskDataRow(dataRowRaw(-1)));
    refused(() => mm().maskDataRow(bytes(dataRowRaw(2, valueBytes('a'), valueBytes('b'), [0]))));
  });

  it('refuses another message, a short frame and a length field that does not match', () => {
    refused(() => mm().maskDataRow(frame('T', int16(2), valueBytes('a'), valueBytes('b'))));
    refused(() => mm().maskDataRow(frame('D')));
    const row = dataRow(['a', 'b']);
    refused(() => mm().maskDataRow(row.subarray(0, row.length - 1)));
  });

  it('counts nothing for a row it refuses', () => {
    const m = mm();
    refused(() => m.maskDataRow(dataRowRaw(2, valueBytes('a'), int32(9), 'b')));
    expect(m.counts).toEqual([0, 0]);
  });
});

describe('RowMasker.maskCopyText', () => {
  const line = (s: string): Buffer => Buffer.from(s, 'utf8');

  it('supports only the text COPY format', () => {
    expect(copyFormatSupported('text')).toBe(true);
    expect(copyFormatSupported('csv')).toBe(false);
    expect(copyFormatSupported('binary')).toBe(false);
  });

  it('masks fields and keeps clear ones (escapes and all) byte for byte', () => {
    const mm = masker([[Oid.text, 0, CLEAR], [Oid.text, 0, PARTIAL], [Oid.int4, 0, HASH], [Oid.text, 0, HASH]]);
    const out = mm.maskCopyText(line('a\\tb\\\\c\\N\t123-45-6789\t42\talice\n'));
    expect(out.toString()).toBe(`a\\tb\\\\c\\N\t***-**-6789\t\\N\t${hashOf('alice')}\n`);
  });

  it('decodes escapes before masking and escapes the result', () => {
    const mm = masker([[Oid.text, 0, HASH], [Oid.text, 0, PARTIAL], [Oid.text, 0, PARTIAL]]);
    const out = mm.maskCopyText(line('a\\tb\\\\c\\nd\t\\101\\x42\\x4Z\\q12345\tx\\\\y\\t1\n'));
    // \101 = A, \x42 = B, \x4 = U+0004 (written back raw, as PostgreSQL does) then Z, \q = q;
    // the third field is x\y<TAB>1.
    expect(out.toString()).toBe(`${hashOf('a\tb\\c\nd')}\t**\x04***2345\t*\\\\*\\t*\n`);
  });

  it('round-trips values with tabs, backslashes, newlines and a literal \\N through a masked row', () => {
    const mm = masker([[Oid.text, 0, CLEAR], [Oid.text, 0, REDACT], [Oid.text, 0, CLEAR]]);
    const input = line('tab\\there\tsecret\tback\\\\slash \\\\N and\\nnewline\n');
    expect(mm.maskCopyText(input).toString()).toBe('tab\\there\t[masked]\tback\\\\slash \\\\N and\\nnewline\n');
  });

  it('treats \\ + tab as data, not a delimiter', () => {
    const mm = masker([[Oid.text, 0, CLEAR], [Oid.text, 0, REDACT]]);
    expect(mm.maskCopyText(line('a\\\tb\tc\n')).toString()).toBe('a\\\tb\t[masked]\n');
  });

  it('keeps \\N as NULL, writes masked NULLs and non-text values as \\N, returns the same Buffer when nothing changes', () => {
    const mm = masker([[Oid.text, 0, REDACT], [Oid.text, 0, NULL], [Oid.int4, 0, REDACT], [Oid.text, 0, CLEAR]]);
    expect(mm.maskCopyText(line('\\N\tx\t7\tc\n')).toString()).toBe('\\N\t\\N\t\\N\tc\n');
    const unchanged = line('\\N\t\\N\t\\N\tc\n');
    expect(mm.maskCopyText(unchanged)).toBe(unchanged);
  });

  it('handles lines without a newline, with \\r\\n, empty fields, and the \\. marker', () => {
    const mm = masker([[Oid.text, 0, CLEAR], [Oid.text, 0, REDACT]]);
    expect(mm.maskCopyText(line('a\tb')).toString()).toBe('a\t[masked]');
    expect(mm.maskCopyText(line('a\tb\r\n')).toString()).toBe('a\t[masked]\r\n');
    expect(mm.maskCopyText(line('\t\n')).toString()).toBe('\t[masked]\n');
    const marker = line('\\.\n');
    expect(mm.maskCopyText(marker)).toBe(marker);
  });

  it('masks json in COPY as in DataRows', () => {
    const mm = masker([[Oid.jsonb, 0, PARTIAL]]);
    expect(mm.maskCopyText(line('"123-45-6789"\n')).toString()).toBe('"***-**-6789"\n');
  });

  it('refuses a line with another number of fields (custom DELIMITER, wrong plan)', () => {
    const mm = masker([[Oid.text, 0, CLEAR], [Oid.text, 0, REDACT]]);
    refused(() => mm.maskCopyText(line('a,b\n')));
    refused(() => mm.maskCopyText(line('a\tb\tc\n')));
  });

  it('agrees with maskDataRow on random rows', () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const alphabet = ['a', 'Z', '7', '-', ' ', '\t', '\\', '\n', 'é', '🎉', 'N'];
    const actions = [CLEAR, REDACT, PARTIAL, HASH, NULL, DERIVED];
    for (let round = 0; round < 200; round++) {
      const width = 1 + rnd(6);
      const cols = Array.from({ length: width }, () => [Oid.text, 0, actions[rnd(actions.length)]!] as [number, 0, ColumnAction]);
      const values: Value[] = Array.from({ length: width }, () =>
        rnd(5) === 0 ? null : Array.from({ length: rnd(12) }, () => alphabet[rnd(alphabet.length)]).join(''),
      );
      const fromRow = rowTexts(masker(cols).maskDataRow(dataRow(values)));
      const copy = masker(cols).maskCopyText(copyLine(values as (string | null)[]));
      expect(copy.equals(copyLine(fromRow))).toBe(true);
    }
  });
});
