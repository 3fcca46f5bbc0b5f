import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../../../broker/protocol/postgres/protocol-error.js';
import {
  StartupReader,
  parseStartupPacket,
  type StartupResult,
} from '../../../../../broker/protocol/postgres/startup.js';
import { bytes, cstr, frame, int32, oneByteAtATime, twoPieceSplits, untyped } from '../../../../support/pg-bytes.js';
import { expectProtocolError as expectCode } from '../../../../support/protocol-assert.js';

const SSL = untyped(int32(80877103)); // 00 00 00 08 04 d2 16 2f
const GSSENC = untyped(int32(80877104));
const V3 = int32(196608);

function startup(params: [string, string][], version: Buffer = V3): Buffer {
  return untyped(version, ...params.flatMap(([k, v]) => [cstr(k), cstr(v)]), [0]);
}

function readAll(pieces: Buffer[]): StartupResult {
  const reader = new StartupReader();
  let result: StartupResult | null = null;
  for (const p of pieces) {
    expect(result).toBeNull();
    result = reader.feed(p);
  }
  expect(result).not.toBeNull();
  return result!;
}


describe('StartupReader: request types', () => {
  it('has the documented SSLRequest bytes', () => {
    expect(SSL).toEqual(Buffer.from('0000000804d2162f', 'hex'));
  });

  it('reads SSLRequest', () => {
    expect(readAll([SSL])).toEqual({ packet: { type: 'ssl-request' }, leftover: Buffer.alloc(0) });
  });

  it('reads GSSENCRequest', () => {
    expect(readAll([GSSENC]).packet).toEqual({ type: 'gssenc-request' });
  });

  it('reads a protocol 3.0 CancelRequest with a 4-byte key (copied)', () => {
    const key = Buffer.from([1, 2, 3, 4]);
    const packet = untyped(int32(80877102), int32(4242), key);
    expect(packet.length).toBe(16);
    const r = readAll([packet]);
    expect(r.packet).toEqual({ type: 'cancel', processId: 4242, secretKey: key });
    packet.fill(0);
    expect(r.packet.type === 'cancel' && r.packet.secretKey).toEqual(key);
  });

  it('reads a protocol 3.2 CancelRequest with a 32-byte key', () => {
    const key = Buffer.alloc(32, 7);
    expect(readAll([untyped(int32(80877102), int32(-5), key)]).packet).toEqual({ type: 'cancel', processId: -5, secretKey: key });
  });

  it.each([0, 3, 257])('rejects a CancelRequest with a %i-byte key', (n) => {
    expectCode(() => readAll([untyped(int32(80877102), int32(1), Buffer.alloc(n))]), 'malformed');
  });

  it('reads a StartupMessage with parameters, in order, UTF-8 decoded', () => {
    const r = readAll([startup([['user', 'alice'], ['database', 'shop'], ['application_name', 'café ☕']])]);
    expect(r.packet).toEqual({
      type: 'startup',
      protocolVersion: 196608,
      params: new Map([['user', 'alice'], ['database', 'shop'], ['application_name', 'café ☕']]),
    });
    expect(r.packet.type === 'startup' && [...r.packet.params.keys()]).toEqual(['user', 'database', 'application_name']);
  });

  it('accepts an empty parameter list and empty values', () => {
    expect(readAll([startup([])]).packet).toEqual({ type: 'startup', protocolVersion: 196608, params: new Map() });
    expect(readAll([startup([['options', '']])]).packet).toMatchObject({ params: new Map([['options', '']]) });
  });

  it('returns minor versions > 0 (protocol 3.2) for the caller to negotiate', () => {
    expect(readAll([startup([['user', 'u']], int32(196610))]).packet).toMatchObject({ protocolVersion: 196610 });
  });

  it('returns another major version as-is, without parsing its body', () => {
    const v2 = untyped(int32(2 << 16), Buffer.alloc(64, 0x41));
    expect(readAll([v2]).packet).toEqual({ type: 'startup', protocolVersion: 131072, params: new Map() });
  });
});

describe('StartupReader: leftover and splitting', () => {
  const start = startup([['user', 'alice'], ['database', 'shop']]);

  it('returns the bytes pipelined after an SSLRequest as leftover', () => {
    const r = readAll([bytes(SSL, start)]);
    expect(r.packet).toEqual({ type: 'ssl-request' });
    expect(r.leftover).toEqual(start);
  });

  it('can be fed the leftover again (client continues after an N answer)', () => {
    const reader = new StartupReader();
    const first = reader.feed(bytes(SSL, start.subarray(0, 10)))!;
    expect(first.packet.type).toBe('ssl-request');
    expect(reader.feed(first.leftover)).toBeNull();
    const second = reader.feed(start.subarray(10))!;
    expect(second.packet).toMatchObject({ type: 'startup', params: new Map([['user', 'alice'], ['database', 'shop']]) });
    expect(second.leftover.length).toBe(0);
  });

  it('keeps typed messages after a StartupMessage as leftover', () => {
    const q = frame('Q', cstr('SELECT 1'));
    expect(readAll([bytes(start, q)]).leftover).toEqual(q);
  });

  it('gives the same result for every two-piece split and byte by byte', () => {
    const whole = bytes(start, 'extra');
    const expected = readAll([whole]);
    for (const [a, b] of twoPieceSplits(whole)) {
      const reader = new StartupReader();
      const r1 = reader.feed(a);
      const r = r1 ?? reader.feed(b);
      expect(r?.packet).toEqual(expected.packet);
      const leftover = r1 ? bytes(r1.leftover, b) : r!.leftover;
      expect(leftover).toEqual(Buffer.from('extra'));
    }
    expect(readAll(oneByteAtATime(start)).packet).toEqual(expected.packet);
  });

  it('reports buffered bytes while waiting', () => {
    const reader = new StartupReader();
    expect(reader.feed(start.subarray(0, 3))).toBeNull();
    expect(reader.buffered).toBe(3);
    expect(reader.feed(start.subarray(3, 12))).toBeNull();
    expect(reader.buffered).toBe(12);
  });
});

describe('StartupReader: rejects', () => {
  it.each([0, 4, 7, -1])('length %i as malformed', (len) => {
    expectCode(() => new StartupReader().feed(bytes(int32(len), V3)), 'malformed');
  });

  it('length > 10000 as too-large, from the first 4 bytes', () => {
    expectCode(() => new StartupReader().feed(int32(10001)), 'too-large');
    const e = (() => {
      try {
        new StartupReader().feed(int32(10001));
      } catch (err) {
        return err as ProtocolError;
      }
      return null;
    })();
    expect(e?.sqlState).toBe('54000');
  });

  it('accepts exactly 10000 bytes', () => {
    const pad = 10000 - 4 - 4 - 5 - 1 - 1;
    const p = untyped(V3, cstr('user'), cstr('u'.repeat(pad)), [0]);
    expect(p.length).toBe(10000);
    expect(readAll([p]).packet.type).toBe('startup');
  });

  it('an SSLRequest or GSSENCRequest with a body', () => {
    expectCode(() => readAll([untyped(int32(80877103), [0])]), 'malformed');
    expectCode(() => readAll([untyped(int32(80877104), int32(0))]), 'malformed');
  });

  it('unknown request codes in the reserved 1234.x range', () => {
    expectCode(() => readAll([untyped(int32((1234 << 16) | 5681))]), 'malformed');
    expectCode(() => readAll([untyped(int32((1234 << 16) | 1), [0])]), 'malformed');
  });

  it('a missing terminator', () => {
    expectCode(() => readAll([untyped(V3, cstr('user'), cstr('u'))]), 'malformed');
  });

  it('bytes after the terminator', () => {
    expectCode(() => readAll([untyped(V3, cstr('user'), cstr('u'), [0, 0])]), 'malformed');
  });

  it('a key or value that is not NUL-terminated', () => {
    expectCode(() => readAll([untyped(V3, 'user')]), 'malformed');
    expectCode(() => readAll([untyped(V3, cstr('user'), 'alice')]), 'malformed');
  });

  it('duplicate keys', () => {
    expectCode(() => readAll([startup([['user', 'a'], ['user', 'b']])]), 'malformed');
  });

  it('invalid UTF-8 in a key or a value as encoding', () => {
    expectCode(() => readAll([untyped(V3, [0xff, 0], cstr('x'), [0])]), 'encoding');
    expectCode(() => readAll([untyped(V3, cstr('user'), [0x61, 0xc3, 0x28, 0], [0])]), 'encoding');
    expectCode(() => readAll([untyped(V3, cstr('user'), [0xed, 0xa0, 0x80, 0], [0])]), 'encoding'); // surrogate
  });

  it('stays dead after an error', () => {
    const reader = new StartupReader();
    expect(() => reader.feed(int32(3))).toThrow(ProtocolError);
    expect(() => reader.feed(SSL)).toThrow(ProtocolError);
  });
});

describe('parseStartupPacket', () => {
  it('parses a complete packet', () => {
    expect(parseStartupPacket(SSL)).toEqual({ type: 'ssl-request' });
  });

  it('rejects a packet whose length field does not match its size', () => {
    expectCode(() => parseStartupPacket(bytes(SSL, [0])), 'malformed');
    expectCode(() => parseStartupPacket(SSL.subarray(0, 6)), 'malformed');
  });
});
