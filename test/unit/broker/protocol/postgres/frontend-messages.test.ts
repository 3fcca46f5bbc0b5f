import { describe, expect, it } from 'vitest';
import {
  parseBind,
  parseClose,
  parseCopyData,
  parseCopyFail,
  parseDescribe,
  parseEmpty,
  parseExecute,
  parseParse,
  parsePassword,
  parseQuery,
  parseSaslInitialResponse,
  parseSaslResponse,
} from '../../../../../broker/protocol/postgres/frontend-messages.js';
import { ProtocolError } from '../../../../../broker/protocol/postgres/protocol-error.js';
import { bytes, cstr, frame, frameWithLength, int16, int32 } from '../../../../support/pg-bytes.js';
import { expectProtocolError as expectCode } from '../../../../support/protocol-assert.js';

const malformed = (fn: () => unknown): void => {
  expectCode(fn, 'malformed');
};

const BAD_UTF8 = [0x53, 0x45, 0xc3, 0x28]; // 0xC3 followed by a non-continuation byte

describe('parseQuery', () => {
  it('reads the query string', () => {
    expect(parseQuery(frame('Q', cstr('SELECT 1')))).toBe('SELECT 1');
    expect(parseQuery(frame('Q', cstr('SELECT \'żółw\' -- ☃')))).toBe("SELECT 'żółw' -- ☃");
    expect(parseQuery(frame('Q', cstr('')))).toBe('');
  });

  it('decodes single-byte text as latin1, keeping ASCII structure', () => {
    expect(parseQuery(frame('Q', [0x27, 0xe9, 0x27, 0]), 'single-byte')).toBe("'é'");
    expect(parseQuery(frame('Q', [0xa4, 0xa2, 0x5c, 0x27, 0]), 'single-byte')).toBe("\u00a4\u00a2\\'");
  });

  it('rejects invalid UTF-8 as encoding (SQLSTATE 22021)', () => {
    expectCode(() => parseQuery(frame('Q', BAD_UTF8, [0])), 'encoding');
    expectCode(() => parseQuery(frame('Q', [0xc0, 0xaf, 0])), 'encoding'); // overlong '/'
    expectCode(() => parseQuery(frame('Q', Buffer.alloc(100, 0x41), [0xff, 0])), 'encoding'); // long path
    try {
      parseQuery(frame('Q', [0xff, 0]));
    } catch (e) {
      expect((e as ProtocolError).sqlState).toBe('22021');
    }
  });

  it('rejects a missing NUL, trailing bytes, a body-less frame', () => {
    malformed(() => parseQuery(frame('Q', 'SELECT 1')));
    malformed(() => parseQuery(frame('Q', cstr('SELECT 1'), 'x')));
    malformed(() => parseQuery(frame('Q', cstr('SELECT 1'), [0])));
    malformed(() => parseQuery(frame('Q')));
  });

  it('rejects a wrong code, a short buffer and a length field that disagrees with the frame', () => {
    malformed(() => parseQuery(frame('P', cstr('SELECT 1'))));
    malformed(() => parseQuery(Buffer.from([0x51, 0, 0])));
    malformed(() => parseQuery(Buffer.alloc(0)));
    malformed(() => parseQuery(frameWithLength('Q', 100, cstr('SELECT 1')))); // points past the end
    malformed(() => parseQuery(frameWithLength('Q', 5, cstr('SELECT 1')))); // shorter than the frame
    malformed(() => parseQuery(frameWithLength('Q', -1, cstr('SELECT 1'))));
  });
});

describe('parseParse', () => {
  it('reads name, query and parameter type OIDs (unsigned)', () => {
    const f = frame('P', cstr('stmt_1'), cstr('SELECT $1, $2, $3'), int16(3), int32(23), int32(0), int32(0xfffffffe));
    expect(parseParse(f)).toEqual({ name: 'stmt_1', sql: 'SELECT $1, $2, $3', paramTypes: [23, 0, 4294967294] });
  });

  it('reads the unnamed statement with no types', () => {
    expect(parseParse(frame('P', cstr(''), cstr('SELECT 1'), int16(0)))).toEqual({ name: '', sql: 'SELECT 1', paramTypes: [] });
  });

  it('rejects truncated and extra parameter types', () => {
    malformed(() => parseParse(frame('P', cstr(''), cstr('SELECT $1'), int16(2), int32(23))));
    malformed(() => parseParse(frame('P', cstr(''), cstr('SELECT $1'), int16(1), int32(23), int32(25))));
    malformed(() => parseParse(frame('P', cstr(''), cstr('SELECT $1'), int16(1), [0, 0, 0])));
    malformed(() => parseParse(frame('P', cstr(''), cstr('SELECT 1'), [0])));
    malformed(() => parseParse(frame('P', cstr(''), cstr('SELECT 1'))));
  });

  it('reads a "negative" Int16 count as unsigned like PostgreSQL: 0xFFFF is 65535, so truncated', () => {
    malformed(() => parseParse(frame('P', cstr(''), cstr('SELECT 1'), int16(-1))));
    malformed(() => parseParse(frame('P', cstr(''), cstr('SELECT 1'), int16(-1), int32(23))));
  });

  it('rejects a missing NUL in the name or the query', () => {
    malformed(() => parseParse(frame('P', 'stmt')));
    malformed(() => parseParse(frame('P', cstr('stmt'), 'SELECT 1')));
  });

  it('rejects invalid UTF-8 in the name or the query as encoding', () => {
    expectCode(() => parseParse(frame('P', cstr(''), BAD_UTF8, [0], int16(0))), 'encoding');
    expectCode(() => parseParse(frame('P', [0xfe, 0], cstr('SELECT 1'), int16(0))), 'encoding');
    expect(parseParse(frame('P', [0xfe, 0], cstr('SELECT 1'), int16(0)), 'single-byte').name).toBe('\u00fe');
  });
});

describe('parseBind', () => {
  const full = frame(
    'B',
    cstr('portal'),
    cstr('stmt'),
    int16(2), int16(0), int16(1),
    int16(2), int32(3), 'abc', int32(-1),
    int16(1), int16(1),
  );

  it('reads every field', () => {
    expect(parseBind(full)).toEqual({
      portal: 'portal',
      statement: 'stmt',
      paramFormats: [0, 1],
      params: [Buffer.from('abc'), null],
      resultFormats: [1],
    });
  });

  it('returns parameter values as zero-copy views of the frame', () => {
    const p = parseBind(full).params[0]!;
    expect(p.buffer).toBe(full.buffer);
    expect(p.byteOffset).toBe(full.byteOffset + full.indexOf('abc'));
  });

  it('distinguishes NULL (-1) from an empty value (0)', () => {
    const f = frame('B', cstr(''), cstr(''), int16(0), int16(2), int32(-1), int32(0), int16(0));
    expect(parseBind(f).params).toEqual([null, Buffer.alloc(0)]);
  });

  it('rejects a parameter length of -2 or less', () => {
    malformed(() => parseBind(frame('B', cstr(''), cstr(''), int16(0), int16(1), int32(-2), int16(0))));
    malformed(() => parseBind(frame('B', cstr(''), cstr(''), int16(0), int16(1), int32(-2147483648), int16(0))));
  });

  it('rejects a parameter length pointing past the message', () => {
    malformed(() => parseBind(frame('B', cstr(''), cstr(''), int16(0), int16(1), int32(10), 'abc', int16(0))));
    malformed(() => parseBind(frame('B', cstr(''), cstr(''), int16(0), int16(1), int32(3), 'abc')));
  });

  it('rejects more or fewer parameters than counted', () => {
    malformed(() => parseBind(frame('B', cstr(''), cstr(''), int16(0), int16(2), int32(1), 'a', int16(0))));
    malformed(() => parseBind(frame('B', cstr(''), cstr(''), int16(0), int16(0), int32(1), 'a', int16(0))));
    malformed(() => parseBind(frame('B', cstr(''), cstr(''), int16(0), int16(0xffff), int16(0))));
  });

  it('accepts 0, 1 or n parameter formats, and rejects any other count', () => {
    const withFormats = (...fmts: number[]): Buffer =>
      frame('B', cstr(''), cstr(''), int16(fmts.length), ...fmts.map(int16), int16(3), int32(-1), int32(-1), int32(-1), int16(0));
    expect(parseBind(withFormats()).paramFormats).toEqual([]);
    expect(parseBind(withFormats(1)).paramFormats).toEqual([1]);
    expect(parseBind(withFormats(0, 1, 0)).paramFormats).toEqual([0, 1, 0]);
    malformed(() => parseBind(withFormats(0, 1)));
  });

  it('rejects format codes other than 0 and 1', () => {
    malformed(() => parseBind(frame('B', cstr(''), cstr(''), int16(1), int16(2), int16(0), int16(0))));
    malformed(() => parseBind(frame('B', cstr(''), cstr(''), int16(0), int16(0), int16(1), int16(-1))));
  });

  it('rejects truncated format lists and a "negative" format count', () => {
    malformed(() => parseBind(frame('B', cstr(''), cstr(''), int16(2), int16(0))));
    malformed(() => parseBind(frame('B', cstr(''), cstr(''), int16(-1), int16(0), int16(0))));
    malformed(() => parseBind(frame('B', cstr(''), cstr(''), int16(0), int16(0), int16(2), int16(0))));
    malformed(() => parseBind(frame('B', cstr(''), cstr(''), int16(0), int16(0))));
  });

  it('rejects trailing bytes and missing NULs', () => {
    malformed(() => parseBind(bytes(full.subarray(0, 1), int32(full.length), full.subarray(5), [0])));
    malformed(() => parseBind(frame('B', 'portal')));
    malformed(() => parseBind(frame('B', cstr('portal'), 'stmt')));
  });

  it('checks the encoding of portal and statement names', () => {
    expectCode(() => parseBind(frame('B', [0xff, 0], cstr(''), int16(0), int16(0), int16(0))), 'encoding');
  });
});

describe('parseDescribe and parseClose', () => {
  it.each([
    ['Describe', 'D', parseDescribe],
    ['Close', 'C', parseClose],
  ] as const)('%s reads S and P targets', (_n, code, parse) => {
    expect(parse(frame(code, 'S', cstr('stmt')))).toEqual({ target: 'S', name: 'stmt' });
    expect(parse(frame(code, 'P', cstr('')))).toEqual({ target: 'P', name: '' });
  });

  it.each([
    ['Describe', 'D', parseDescribe],
    ['Close', 'C', parseClose],
  ] as const)('%s rejects bad targets, missing NUL, trailing bytes, empty body', (_n, code, parse) => {
    malformed(() => parse(frame(code, 'X', cstr('stmt'))));
    malformed(() => parse(frame(code, 's', cstr('stmt'))));
    malformed(() => parse(frame(code, 'S', 'stmt')));
    malformed(() => parse(frame(code, 'S', cstr('stmt'), [0])));
    malformed(() => parse(frame(code, 'S')));
    malformed(() => parse(frame(code)));
  });

  it('does not accept one for the other', () => {
    malformed(() => parseDescribe(frame('C', 'S', cstr('x'))));
    malformed(() => parseClose(frame('D', 'S', cstr('x'))));
  });
});

describe('parseExecute', () => {
  it('reads portal and row limit (signed, as PostgreSQL reads it)', () => {
    expect(parseExecute(frame('E', cstr(''), int32(0)))).toEqual({ portal: '', maxRows: 0 });
    expect(parseExecute(frame('E', cstr('c1'), int32(100)))).toEqual({ portal: 'c1', maxRows: 100 });
    expect(parseExecute(frame('E', cstr('c1'), int32(-1)))).toEqual({ portal: 'c1', maxRows: -1 });
  });

  it('rejects a truncated row limit, trailing bytes, a missing NUL', () => {
    malformed(() => parseExecute(frame('E', cstr(''), [0, 0])));
    malformed(() => parseExecute(frame('E', cstr(''))));
    malformed(() => parseExecute(frame('E', cstr(''), int32(0), [0])));
    malformed(() => parseExecute(frame('E', 'portal')));
  });
});

describe('parsePassword', () => {
  it('reads a cleartext password', () => {
    expect(parsePassword(frame('p', cstr('s3cr3t')))).toBe('s3cr3t');
    expect(parsePassword(frame('p', cstr('pässwörd')))).toBe('pässwörd');
    expect(parsePassword(frame('p', cstr('')))).toBe('');
  });

  it('rejects a missing NUL, trailing bytes, invalid UTF-8', () => {
    malformed(() => parsePassword(frame('p', 'secret')));
    malformed(() => parsePassword(frame('p', cstr('secret'), cstr('more'))));
    expectCode(() => parsePassword(frame('p', [0xe4, 0])), 'encoding');
    expect(parsePassword(frame('p', [0xe4, 0]), 'single-byte')).toBe('ä');
  });
});

describe('SASL responses', () => {
  it('reads a SASLInitialResponse with and without data', () => {
    const data = Buffer.from('n,,n=,r=abc');
    expect(parseSaslInitialResponse(frame('p', cstr('SCRAM-SHA-256'), int32(data.length), data))).toEqual({
      mechanism: 'SCRAM-SHA-256',
      data,
    });
    expect(parseSaslInitialResponse(frame('p', cstr('SCRAM-SHA-256'), int32(-1)))).toEqual({ mechanism: 'SCRAM-SHA-256', data: null });
  });

  it('rejects a SASLInitialResponse with bad lengths', () => {
    malformed(() => parseSaslInitialResponse(frame('p', cstr('SCRAM-SHA-256'), int32(5), 'abc')));
    malformed(() => parseSaslInitialResponse(frame('p', cstr('SCRAM-SHA-256'), int32(1), 'abc')));
    malformed(() => parseSaslInitialResponse(frame('p', cstr('SCRAM-SHA-256'), int32(-2))));
    malformed(() => parseSaslInitialResponse(frame('p', cstr('SCRAM-SHA-256'))));
  });

  it('reads a SASLResponse as a copy of the body', () => {
    const f = frame('p', 'c=biws,r=abc,p=xyz');
    const data = parseSaslResponse(f);
    expect(data).toEqual(Buffer.from('c=biws,r=abc,p=xyz'));
    f.fill(0);
    expect(data).toEqual(Buffer.from('c=biws,r=abc,p=xyz'));
  });
});

describe('parseCopyFail, parseCopyData, parseEmpty', () => {
  it('reads a CopyFail message', () => {
    expect(parseCopyFail(frame('f', cstr('client aborted')))).toBe('client aborted');
    malformed(() => parseCopyFail(frame('f', 'no nul')));
    malformed(() => parseCopyFail(frame('f', cstr('a'), 'b')));
    expectCode(() => parseCopyFail(frame('f', BAD_UTF8, [0])), 'encoding');
  });

  it('returns a CopyData payload as a view', () => {
    const f = frame('d', '1\tx\n');
    expect(parseCopyData(f)).toEqual(Buffer.from('1\tx\n'));
    expect(parseCopyData(frame('d'))).toEqual(Buffer.alloc(0));
  });

  it('validates empty-bodied messages', () => {
    for (const c of ['S', 'H', 'X', 'c']) expect(() => parseEmpty(frame(c), c.charCodeAt(0))).not.toThrow();
    malformed(() => parseEmpty(frame('S', [0]), 0x53));
    malformed(() => parseEmpty(frame('S'), 0x48));
  });
});

describe('readBindTarget', () => {
  it('reads the names and the parameter count as parseBind does, without the values', async () => {
    const { readBindTarget } = await import('../../../../../broker/protocol/postgres/frontend-messages.js');
    const f = frame('B', cstr('p1'), cstr('s1'), int16(2), int16(0), int16(1), int16(2), int32(3), Buffer.from('abc'), int32(-1), int16(0));
    expect(readBindTarget(f)).toEqual({ portal: 'p1', statement: 's1', paramCount: 2 });
    const full = parseBind(f);
    expect([full.portal, full.statement, full.params.length]).toEqual(['p1', 's1', 2]);
    malformed(() => readBindTarget(frame('B', cstr('p1'), cstr('s1'), int16(5))));
  });
});
