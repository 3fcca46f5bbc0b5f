/**
 * Every frontend message type we parse, carried through FrameReader under every split of the
 * stream, then parsed; plus truncation/extension/garbage sweeps showing the parsers only ever
 * fail with ProtocolError.
 */
import { describe, expect, it } from 'vitest';
import { FrontendCode } from '../../../../../broker/protocol/postgres/codes.js';
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
} from '../../../../../broker/protocol/postgres/frontend-messages.js';
import { ProtocolError } from '../../../../../broker/protocol/postgres/protocol-error.js';
import {
  bytes,
  cstr,
  frame,
  framesOf,
  int16,
  int32,
  oneByteAtATime,
  readFrames,
  sameBuffers,
  twoPieceSplits,
} from '../../../../support/pg-bytes.js';

/** Parses any frame we support into a plain value, by code. */
function parseAny(f: Buffer): unknown {
  const code = f[0] ?? 0;
  switch (code) {
    case FrontendCode.Query: return { Q: parseQuery(f) };
    case FrontendCode.Parse: return { P: parseParse(f) };
    case FrontendCode.Bind: return { B: parseBind(f) };
    case FrontendCode.Describe: return { D: parseDescribe(f) };
    case FrontendCode.Close: return { C: parseClose(f) };
    case FrontendCode.Execute: return { E: parseExecute(f) };
    case FrontendCode.Password: return { p: parsePassword(f) };
    case FrontendCode.CopyFail: return { f: parseCopyFail(f) };
    case FrontendCode.CopyData: return { d: parseCopyData(f) };
    default:
      parseEmpty(f, code);
      return { empty: String.fromCharCode(code) };
  }
}

const messages: Buffer[] = [
  frame('p', cstr('hunter2')),
  frame('Q', cstr("SELECT 'a;b', 'ü' FROM t; -- x")),
  frame('P', cstr('s1'), cstr('SELECT $1::int, $2'), int16(2), int32(23), int32(0)),
  frame('B', cstr('c1'), cstr('s1'), int16(1), int16(0), int16(2), int32(2), '42', int32(-1), int16(1), int16(1)),
  frame('D', 'P', cstr('c1')),
  frame('E', cstr('c1'), int32(10)),
  frame('H'),
  frame('C', 'S', cstr('s1')),
  frame('S'),
  frame('Q', cstr('COPY t FROM STDIN')),
  frame('d', '1\tone\n'),
  frame('d', '2\ttwo\n'),
  frame('c'),
  frame('f', cstr('aborted')),
  frame('X'),
];
const stream = bytes(...messages);
const expected = messages.map(parseAny);

describe('frontend messages through FrameReader', () => {
  it('parses every message type of the reference stream', () => {
    expect(expected).toEqual([
      { p: 'hunter2' },
      { Q: "SELECT 'a;b', 'ü' FROM t; -- x" },
      { P: { name: 's1', sql: 'SELECT $1::int, $2', paramTypes: [23, 0] } },
      { B: { portal: 'c1', statement: 's1', paramFormats: [0], params: [Buffer.from('42'), null], resultFormats: [1] } },
      { D: { target: 'P', name: 'c1' } },
      { E: { portal: 'c1', maxRows: 10 } },
      { empty: 'H' },
      { C: { target: 'S', name: 's1' } },
      { empty: 'S' },
      { Q: 'COPY t FROM STDIN' },
      { d: Buffer.from('1\tone\n') },
      { d: Buffer.from('2\ttwo\n') },
      { empty: 'c' },
      { f: 'aborted' },
      { empty: 'X' },
    ]);
    expect(framesOf(readFrames([stream])).map(parseAny)).toEqual(expected);
  });

  it(`gives identical frames and parses for all ${stream.length + 1} two-piece cuts`, () => {
    for (const [a, b] of twoPieceSplits(stream)) {
      const frames = framesOf(readFrames([a, b]));
      expect(frames).toEqual(messages);
      expect(frames.map(parseAny)).toEqual(expected);
    }
  });

  it('gives identical frames and parses one byte at a time', () => {
    const frames = framesOf(readFrames(oneByteAtATime(stream)));
    expect(frames).toEqual(messages);
    expect(frames.map(parseAny)).toEqual(expected);
  });

  it('streams large CopyData among the other messages without changing a byte', () => {
    const big = frame('d', Buffer.alloc(5000, 0x61));
    const s = bytes(messages[9]!, big, messages[11]!, big, messages[12]!);
    const opts = { maxMessageBytes: 1024, streamable: (c: number) => c === FrontendCode.CopyData, streamThreshold: 2048 };
    const want = [messages[9]!, big, messages[11]!, big, messages[12]!];
    for (let cut = 0; cut <= s.length; cut += 7) {
      const got = framesOf(readFrames([s.subarray(0, cut), s.subarray(cut)], opts));
      expect(sameBuffers(got, want), `cut ${cut}`).toBe(true);
    }
  });
});

/** Same body with the length field fixed up. */
function reframe(code: number, body: Buffer): Buffer {
  return bytes([code], int32(body.length + 4), body);
}

function onlyProtocolErrors(fn: () => unknown): ProtocolError | null {
  try {
    fn();
    return null;
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    return e;
  }
}

describe('frontend parsers on damaged frames', () => {
  const structured = messages.filter((m) => m[0] !== FrontendCode.CopyData);

  it('reject every truncation of every message as malformed', () => {
    for (const m of structured) {
      const body = m.subarray(5);
      for (let n = 0; n < body.length; n++) {
        const e = onlyProtocolErrors(() => parseAny(reframe(m[0]!, body.subarray(0, n))));
        expect(e?.code, `${String.fromCharCode(m[0]!)} truncated to ${n}`).toBe('malformed');
      }
    }
  });

  it('reject every message with a byte appended as malformed', () => {
    for (const m of structured) {
      for (const extra of [0, 0x41, 0xff]) {
        const e = onlyProtocolErrors(() => parseAny(reframe(m[0]!, bytes(m.subarray(5), [extra]))));
        expect(e?.code, String.fromCharCode(m[0]!)).toBe('malformed');
      }
    }
  });

  it('reject a wrong length field as malformed, never a RangeError', () => {
    for (const m of messages) {
      for (const len of [-1, 0, 3, m.length - 2, m.length, m.length + 100, 0x7fffffff]) {
        const f = Buffer.from(m);
        f.writeInt32BE(len, 1);
        expect(onlyProtocolErrors(() => parseAny(f))?.code).toBe('malformed');
      }
      for (let n = 0; n < m.length; n++) expect(onlyProtocolErrors(() => parseAny(m.subarray(0, n)))?.code).toBe('malformed');
    }
  });

  it('only ever throw ProtocolError on random garbage and single-byte corruptions', () => {
    let seed = 12345;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const codes = Object.values(FrontendCode);
    for (let i = 0; i < 3000; i++) {
      const body = Buffer.alloc(rand() % 40);
      for (let j = 0; j < body.length; j++) body[j] = rand() % 4 === 0 ? 0 : rand() & 0xff;
      onlyProtocolErrors(() => parseAny(reframe(codes[rand() % codes.length]!, body)));
    }
    for (const m of structured) {
      for (let pos = 5; pos < m.length; pos++) {
        for (const v of [0x00, 0x01, 0x7f, 0x80, 0xff]) {
          const f = Buffer.from(m);
          f[pos] = v;
          onlyProtocolErrors(() => parseAny(f));
        }
      }
    }
  });
});
