/**
 * Serializers checked against hand-written bytes from
 * https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
import { describe, expect, it } from 'vitest';
import {
  authenticationCleartextPassword,
  authenticationOk,
  backendKeyData,
  bindComplete,
  closeComplete,
  commandComplete,
  emptyQueryResponse,
  errorResponse,
  gssEncResponse,
  negotiateProtocolVersion,
  noData,
  noticeResponse,
  parameterStatus,
  parseComplete,
  readyForQuery,
  sslResponse,
} from '../../../../../broker/protocol/postgres/backend-messages.js';
import { readErrorFields } from '../../../../../broker/protocol/postgres/backend-fields.js';
import { bytes, cstr, frame, int32 } from '../../../../support/pg-bytes.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('ErrorResponse / NoticeResponse', () => {
  it('matches the documented layout byte for byte', () => {
    // 'E', Int32 len, then (Byte1 field type, String value)*, then a zero byte.
    // S "ERROR"  V "ERROR"  C "42501"  M "denied"  0
    const expected = hex(`
      45 00000022
      53 4552524f5200
      56 4552524f5200
      43 343235303100
      4d 64656e69656400
      00`);
    expect(expected.readInt32BE(1)).toBe(expected.length - 1);
    expect(errorResponse({ severity: 'ERROR', code: '42501', message: 'denied' })).toEqual(expected);
  });

  it('writes S, V, C, M, D, H, P in that order', () => {
    const got = errorResponse({
      severity: 'FATAL',
      code: '28P01',
      message: 'password authentication failed',
      detail: 'no such user',
      hint: 'check the name',
      position: 12,
    });
    expect(got).toEqual(
      frame('E', 'S', cstr('FATAL'), 'V', cstr('FATAL'), 'C', cstr('28P01'), 'M', cstr('password authentication failed'),
        'D', cstr('no such user'), 'H', cstr('check the name'), 'P', cstr('12'), [0]),
    );
  });

  it('writes NoticeResponse with code N', () => {
    expect(noticeResponse({ severity: 'WARNING', code: '01000', message: 'careful' })).toEqual(
      frame('N', 'S', cstr('WARNING'), 'V', cstr('WARNING'), 'C', cstr('01000'), 'M', cstr('careful'), [0]),
    );
  });

  it('writes UTF-8 text', () => {
    const got = errorResponse({ severity: 'ERROR', code: 'XX000', message: 'zażółć ☃' });
    expect(readErrorFields(got).get('M')).toBe('zażółć ☃');
  });

  it('replaces a NUL in any string with U+FFFD so it cannot forge fields', () => {
    const got = errorResponse({ severity: 'ERROR', code: '42000', message: 'a\0Mforged', detail: '\0' });
    const fields = readErrorFields(got);
    expect(fields.get('M')).toBe('a\uFFFDMforged');
    expect(fields.get('D')).toBe('\uFFFD');
    expect(got.includes(Buffer.from([0xef, 0xbf, 0xbd]))).toBe(true);
    expect([...fields.keys()]).toEqual(['S', 'V', 'C', 'M', 'D']);
  });

  it('grows past its size hint for long texts', () => {
    const long = 'x'.repeat(100_000);
    expect(readErrorFields(errorResponse({ severity: 'ERROR', code: '54000', message: 'm', detail: long })).get('D')).toBe(long);
  });
});

describe('fixed messages', () => {
  it('AuthenticationOk is R, len 8, Int32 0', () => {
    expect(authenticationOk()).toEqual(hex('52 00000008 00000000'));
  });

  it('AuthenticationCleartextPassword is R, len 8, Int32 3', () => {
    expect(authenticationCleartextPassword()).toEqual(hex('52 00000008 00000003'));
  });

  it.each([
    ['I', '49'],
    ['T', '54'],
    ['E', '45'],
  ] as const)('ReadyForQuery %s', (status, byte) => {
    expect(readyForQuery(status)).toEqual(hex(`5a 00000005 ${byte}`));
  });

  it('rejects an invalid ReadyForQuery status', () => {
    expect(() => readyForQuery('X' as 'I')).toThrow(RangeError);
  });

  it('EmptyQueryResponse, ParseComplete, BindComplete, CloseComplete, NoData', () => {
    expect(emptyQueryResponse()).toEqual(hex('49 00000004'));
    expect(parseComplete()).toEqual(hex('31 00000004'));
    expect(bindComplete()).toEqual(hex('32 00000004'));
    expect(closeComplete()).toEqual(hex('33 00000004'));
    expect(noData()).toEqual(hex('6e 00000004'));
  });

  it('SSL and GSSENC answers are single bytes', () => {
    expect(sslResponse(true)).toEqual(Buffer.from('S'));
    expect(sslResponse(false)).toEqual(Buffer.from('N'));
    expect(gssEncResponse(true)).toEqual(Buffer.from('G'));
    expect(gssEncResponse(false)).toEqual(Buffer.from('N'));
  });
});

describe('variable messages', () => {
  it('ParameterStatus', () => {
    expect(parameterStatus('client_encoding', 'UTF8')).toEqual(
      hex(`53 00000019 ${Buffer.from('client_encoding\0UTF8\0').toString('hex')}`),
    );
    expect(parameterStatus('a\0b', 'c')).toEqual(frame('S', cstr('a\uFFFDb'), cstr('c')));
  });

  it('BackendKeyData with a 4-byte and a 32-byte key', () => {
    expect(backendKeyData(1234, Buffer.from([0xde, 0xad, 0xbe, 0xef]))).toEqual(hex('4b 0000000c 000004d2 deadbeef'));
    const key = Buffer.alloc(32, 9);
    expect(backendKeyData(-2, key)).toEqual(bytes([0x4b], int32(40), int32(-2), key));
    expect(backendKeyData(0xfffffffe, Buffer.alloc(4))).toEqual(hex('4b 0000000c fffffffe 00000000'));
  });

  it('BackendKeyData refuses keys outside 4..256 bytes', () => {
    expect(() => backendKeyData(1, Buffer.alloc(3))).toThrow(RangeError);
    expect(() => backendKeyData(1, Buffer.alloc(257))).toThrow(RangeError);
  });

  it('CommandComplete', () => {
    expect(commandComplete('SELECT 1')).toEqual(hex(`43 0000000d ${Buffer.from('SELECT 1\0').toString('hex')}`));
    expect(commandComplete('INSERT 0 5')).toEqual(frame('C', cstr('INSERT 0 5')));
  });

  it('NegotiateProtocolVersion', () => {
    expect(negotiateProtocolVersion(0, ['_pq_.a', '_pq_.b'])).toEqual(
      hex(`76 0000001a 00000000 00000002 ${Buffer.from('_pq_.a\0_pq_.b\0').toString('hex')}`),
    );
    expect(negotiateProtocolVersion(2, [])).toEqual(hex('76 0000000c 00000002 00000000'));
  });
});
