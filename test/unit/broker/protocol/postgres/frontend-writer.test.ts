import { describe, expect, it } from 'vitest';
import {
  cancelRequest,
  parse,
  passwordMessage,
  query,
  saslInitialResponse,
  saslResponse,
  sslRequest,
  startupMessage,
  sync,
  terminate,
} from '../../../../../broker/protocol/postgres/frontend-writer.js';
import {
  parseParse,
  parsePassword,
  parseQuery,
  parseSaslInitialResponse,
  parseSaslResponse,
} from '../../../../../broker/protocol/postgres/frontend-messages.js';
import { parseStartupPacket } from '../../../../../broker/protocol/postgres/startup.js';
import { cstr, frame, int16, int32, untyped } from '../../../../support/pg-bytes.js';
import { expectProtocolError as expectCode } from '../../../../support/protocol-assert.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');


describe('untyped messages', () => {
  it('SSLRequest is Int32 8, Int32 80877103', () => {
    expect(sslRequest()).toEqual(hex('00000008 04d2162f'));
  });

  it('StartupMessage: Int32 len, Int32 196608, name/value pairs, final NUL', () => {
    const got = startupMessage({ user: 'alice', database: 'shop' });
    expect(got).toEqual(untyped(int32(196608), cstr('user'), cstr('alice'), cstr('database'), cstr('shop'), [0]));
    expect(got.subarray(0, 8)).toEqual(hex('00000022 00030000'));
    expect(parseStartupPacket(got)).toEqual({
      type: 'startup',
      protocolVersion: 196608,
      params: new Map([['user', 'alice'], ['database', 'shop']]),
    });
  });

  it('StartupMessage refuses NUL, empty names and oversize packets', () => {
    expectCode(() => startupMessage({ user: 'a\0b' }), 'encoding');
    expectCode(() => startupMessage({ 'us\0er': 'a' }), 'encoding');
    expectCode(() => startupMessage({ '': 'a' }), 'malformed');
    expectCode(() => startupMessage({ options: 'x'.repeat(10_000) }), 'too-large');
  });

  it('CancelRequest: Int32 16, Int32 80877102, pid, key; and longer 3.2 keys', () => {
    expect(cancelRequest(1234, Buffer.from([1, 2, 3, 4]))).toEqual(hex('00000010 04d2162e 000004d2 01020304'));
    const key = Buffer.alloc(32, 3);
    expect(parseStartupPacket(cancelRequest(-7, key))).toEqual({ type: 'cancel', processId: -7, secretKey: key });
    expect(() => cancelRequest(1, Buffer.alloc(2))).toThrow(RangeError);
  });
});

describe('typed messages', () => {
  it('PasswordMessage', () => {
    expect(passwordMessage('pw')).toEqual(hex('70 00000007 707700'));
    expect(parsePassword(passwordMessage('pässwörd'))).toBe('pässwörd');
    expectCode(() => passwordMessage('a\0b'), 'encoding');
  });

  it('SASLInitialResponse and SASLResponse', () => {
    const data = Buffer.from('n,,n=,r=rOprNGfwEbeRWgbNEkqO');
    const f = saslInitialResponse('SCRAM-SHA-256', data);
    expect(f).toEqual(frame('p', cstr('SCRAM-SHA-256'), int32(data.length), data));
    expect(parseSaslInitialResponse(f)).toEqual({ mechanism: 'SCRAM-SHA-256', data });
    expect(saslResponse(Buffer.from('c=biws'))).toEqual(frame('p', 'c=biws'));
    expect(parseSaslResponse(saslResponse(Buffer.from('c=biws')))).toEqual(Buffer.from('c=biws'));
  });

  it('Query', () => {
    expect(query('SELECT 1')).toEqual(hex(`51 0000000d ${Buffer.from('SELECT 1\0').toString('hex')}`));
    expect(parseQuery(query("SELECT 'ü'"))).toBe("SELECT 'ü'");
    expectCode(() => query('SELECT 1\0; DROP TABLE t'), 'encoding');
  });

  it('Parse with and without parameter types, OIDs unsigned', () => {
    expect(parse('', 'SELECT 1')).toEqual(frame('P', cstr(''), cstr('SELECT 1'), int16(0)));
    const f = parse('s1', 'SELECT $1, $2', [23, 4294967295]);
    expect(f).toEqual(frame('P', cstr('s1'), cstr('SELECT $1, $2'), int16(2), int32(23), [0xff, 0xff, 0xff, 0xff]));
    expect(parseParse(f)).toEqual({ name: 's1', sql: 'SELECT $1, $2', paramTypes: [23, 4294967295] });
    expectCode(() => parse('a\0', 'SELECT 1'), 'encoding');
  });

  it('Sync and Terminate', () => {
    expect(sync()).toEqual(hex('53 00000004'));
    expect(terminate()).toEqual(hex('58 00000004'));
  });
});
