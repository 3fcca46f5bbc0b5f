import { describe, expect, it } from 'vitest';
import { FrameReader, type FrameSink } from '../../../../../broker/protocol/postgres/frame-reader.js';
import { ProtocolError } from '../../../../../broker/protocol/postgres/protocol-error.js';
import {
  bytes,
  cstr,
  frame,
  frameWithLength,
  framesOf,
  int32,
  oneByteAtATime,
  readFrames,
  recordingSink,
  sameBuffers,
  twoPieceSplits,
  type FrameEvent,
} from '../../../../support/pg-bytes.js';
import { expectProtocolError } from '../../../../support/protocol-assert.js';

const D = 0x64; // CopyData 'd'
const copyOnly = (c: number): boolean => c === D;


describe('FrameReader: whole frames', () => {
  it('delivers a frame inside one chunk as a zero-copy subarray of that chunk', () => {
    const q = frame('Q', cstr('SELECT 1'));
    const chunk = bytes(q, frame('S'));
    const got: Buffer[] = [];
    new FrameReader({ maxMessageBytes: 1024 }).feed(chunk, { message: (_c, f) => got.push(f) });
    expect(got).toHaveLength(2);
    expect(got[0]!.buffer).toBe(chunk.buffer);
    expect(got[0]!.byteOffset).toBe(chunk.byteOffset);
    expect(got[0]).toEqual(q);
    expect(got[1]!.byteOffset).toBe(chunk.byteOffset + q.length);
  });

  it('passes the code byte and the whole frame (code + length + body)', () => {
    const events = readFrames([frame('P', cstr(''), cstr('SELECT 1'), [0, 0])]);
    expect(events).toEqual([{ kind: 'message', code: 0x50, frame: frame('P', cstr(''), cstr('SELECT 1'), [0, 0]) }]);
  });

  it('handles many frames per chunk, including empty-bodied ones', () => {
    const frames = [frame('S'), frame('H'), frame('Q', cstr('x')), frame('S'), frame('X')];
    expect(framesOf(readFrames([bytes(...frames)]))).toEqual(frames);
  });

  it('assembles a frame split across chunks into a fresh buffer', () => {
    const q = frame('Q', cstr('SELECT 42'));
    const a = q.subarray(0, 7);
    const b = q.subarray(7);
    const got: Buffer[] = [];
    const reader = new FrameReader({ maxMessageBytes: 1024 });
    reader.feed(a, { message: (_c, f) => got.push(f) });
    expect(got).toHaveLength(0);
    expect(reader.buffered).toBe(7);
    expect(reader.atBoundary).toBe(false);
    reader.feed(b, { message: (_c, f) => got.push(f) });
    const expected = Buffer.from(q);
    expect(got).toEqual([expected]);
    q.fill(0); // the delivered frame is a copy, not a view of the input chunks
    expect(got[0]).toEqual(expected);
    expect(reader.buffered).toBe(0);
    expect(reader.atBoundary).toBe(true);
  });

  it('counts a split header in buffered', () => {
    const reader = new FrameReader({ maxMessageBytes: 1024 });
    reader.feed(Buffer.from([0x51, 0, 0]), { message: () => undefined });
    expect(reader.buffered).toBe(3);
  });

  it('ignores an empty chunk', () => {
    expect(readFrames([Buffer.alloc(0), frame('S'), Buffer.alloc(0)])).toHaveLength(1);
  });

  it('accepts a frame of exactly maxMessageBytes', () => {
    const f = frame('Q', cstr('x'.repeat(10)));
    expect(framesOf(readFrames([f], { maxMessageBytes: f.length }))).toEqual([f]);
  });
});

describe('FrameReader: every split', () => {
  const stream = bytes(
    frame('Q', cstr('SELECT 1')),
    frame('S'),
    frame('P', cstr('s1'), cstr('SELECT $1'), [0, 1], int32(23)),
    frame('B', cstr(''), cstr('s1'), [0, 0], [0, 1], int32(1), '7', [0, 0]),
    frame('E', cstr(''), int32(0)),
    frame('S'),
    frame('X'),
  );
  const expected = framesOf(readFrames([stream]));

  it('the reference parse finds 7 frames', () => {
    expect(expected).toHaveLength(7);
    expect(Buffer.concat(expected)).toEqual(stream);
  });

  it('gives the same frames for a cut at every byte boundary', () => {
    for (const [a, b] of twoPieceSplits(stream)) {
      expect(framesOf(readFrames([a, b]))).toEqual(expected);
    }
  });

  it('gives the same frames when fed one byte at a time', () => {
    expect(framesOf(readFrames(oneByteAtATime(stream)))).toEqual(expected);
  });

  it('gives the same frames for every pair of cuts', () => {
    for (let i = 0; i <= stream.length; i += 3) {
      for (let j = i; j <= stream.length; j += 2) {
        const pieces = [stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)];
        expect(framesOf(readFrames(pieces))).toEqual(expected);
      }
    }
  });
});

describe('FrameReader: malformed and oversized', () => {
  it.each([0, 3, -1, -2147483648])('rejects length %i as malformed', (len) => {
    const f = frameWithLength('Q', len, 'abc');
    expectProtocolError(() => readFrames([f]), 'malformed');
  });

  it('rejects a bad length whose header is split across chunks', () => {
    const f = frameWithLength('Q', 2, 'abc');
    for (const [a, b] of twoPieceSplits(f)) expectProtocolError(() => readFrames([a, b]), 'malformed');
  });

  it('rejects a frame larger than maxMessageBytes as too-large, from the header alone', () => {
    const header = bytes([0x51], int32(100));
    const e = expectProtocolError(() => readFrames([header], { maxMessageBytes: 100 }), 'too-large');
    expect(e.sqlState).toBe('54000');
    expect(e.message).not.toContain('SELECT');
  });

  it('rejects too-large with the header split byte by byte', () => {
    const header = bytes([0x51], int32(1 << 30));
    expectProtocolError(() => readFrames(oneByteAtATime(header), { maxMessageBytes: 1024 }), 'too-large');
  });

  it('is dead after an error: later feeds rethrow the same error', () => {
    const reader = new FrameReader({ maxMessageBytes: 1024 });
    const sink: FrameSink = { message: () => undefined };
    let first: unknown;
    try {
      reader.feed(frameWithLength('Q', 1), sink);
    } catch (e) {
      first = e;
    }
    expect(first).toBeInstanceOf(ProtocolError);
    expect(() => reader.feed(frame('S'), sink)).toThrow(first as Error);
    try {
      reader.feed(frame('S'), sink);
    } catch (e) {
      expect(e).toBe(first);
    }
  });

  it('is dead after the sink throws, and delivers nothing more', () => {
    const reader = new FrameReader({ maxMessageBytes: 1024 });
    const boom = new Error('sink failed');
    let calls = 0;
    const sink: FrameSink = {
      message: () => {
        calls++;
        throw boom;
      },
    };
    expect(() => reader.feed(bytes(frame('S'), frame('S')), sink)).toThrow(boom);
    expect(() => reader.feed(frame('S'), sink)).toThrow(boom);
    expect(calls).toBe(1);
  });

  it('delivers the frames before a bad one', () => {
    const events: FrameEvent[] = [];
    const reader = new FrameReader({ maxMessageBytes: 1024 });
    expect(() => reader.feed(bytes(frame('S'), frameWithLength('Q', 3)), recordingSink(events))).toThrow(ProtocolError);
    expect(events).toHaveLength(1);
  });

  it('refuses a nonsensical maxMessageBytes', () => {
    expect(() => new FrameReader({ maxMessageBytes: 0 })).toThrow(RangeError);
  });
});

describe('FrameReader: streaming', () => {
  const big = frame('d', Buffer.alloc(300, 0xab));
  const opts = { maxMessageBytes: 100, streamable: copyOnly, streamThreshold: 128 };

  it('streams a streamable frame over the threshold instead of buffering it', () => {
    const events = readFrames([big], opts);
    expect(events[0]).toMatchObject({ kind: 'start', code: D, total: big.length });
    const start = events[0] as Extract<FrameEvent, { kind: 'start' }>;
    expect(start.chunk.subarray(0, 5)).toEqual(big.subarray(0, 5));
    expect(events.at(-1)).toMatchObject({ kind: 'chunk', last: true });
    expect(framesOf(events)).toEqual([big]);
  });

  it('follows a frame that ends inside the first chunk with streamChunk(empty, true)', () => {
    const events = readFrames([big], opts);
    expect(events).toHaveLength(2);
    expect(events[1]).toEqual({ kind: 'chunk', chunk: Buffer.alloc(0), last: true });
  });

  it('pieces concatenate back to the original bytes for every cut, and totalLength matches', () => {
    const stream = bytes(frame('Q', cstr('COPY t FROM STDIN')), big, frame('d', 'small'), big, frame('c'));
    const expected = [frame('Q', cstr('COPY t FROM STDIN')), big, frame('d', 'small'), big, frame('c')];
    for (const [a, b] of twoPieceSplits(stream)) {
      const events = readFrames([a, b], opts);
      expect(sameBuffers(framesOf(events), expected), `cut at ${a.length}`).toBe(true);
      const starts = events.filter((e) => e.kind === 'start');
      expect(starts).toHaveLength(2);
      for (const s of starts) expect(s.total).toBe(big.length);
    }
    const events = readFrames(oneByteAtATime(stream), opts);
    expect(framesOf(events)).toEqual(expected);
    expect(events.filter((e) => e.kind === 'chunk' && e.last)).toHaveLength(2);
  });

  it('first chunk always carries the 5-byte header, even when the header was split', () => {
    for (let cut = 1; cut < 5; cut++) {
      const events = readFrames([big.subarray(0, cut), big.subarray(cut)], opts);
      const start = events[0] as Extract<FrameEvent, { kind: 'start' }>;
      expect(start.kind).toBe('start');
      expect(start.chunk.subarray(0, 5)).toEqual(big.subarray(0, 5));
    }
  });

  it('streams a zero-copy view when the header lies inside the chunk', () => {
    const chunks: Buffer[] = [];
    const sink: FrameSink = {
      message: () => undefined,
      streamStart: (_c, _t, chunk) => chunks.push(chunk),
      streamChunk: (chunk) => chunks.push(chunk),
    };
    const reader = new FrameReader(opts);
    reader.feed(big.subarray(0, 50), sink);
    reader.feed(big.subarray(50), sink);
    expect(chunks[0]!.buffer).toBe(big.buffer);
    expect(chunks[0]!.byteOffset).toBe(big.byteOffset);
    expect(chunks[1]!.buffer).toBe(big.buffer);
    expect(chunks[1]!.byteOffset).toBe(big.byteOffset + 50);
    expect(reader.buffered).toBe(0);
  });

  it('never limits a streamable frame by maxMessageBytes, even below the threshold', () => {
    const mid = frame('d', Buffer.alloc(110, 1)); // > max 100, < threshold 128
    const events = readFrames([mid], opts);
    expect(events[0]!.kind).toBe('start');
    expect(framesOf(events)).toEqual([mid]);
    const huge = bytes([D], int32(2_000_000_000));
    expect(readFrames([huge], opts)[0]).toMatchObject({ kind: 'start', total: 2_000_000_001 });
  });

  it('delivers small streamable frames whole', () => {
    const small = frame('d', 'abc');
    expect(readFrames([small], opts)).toEqual([{ kind: 'message', code: D, frame: small }]);
  });

  it('uses a 64 KiB default threshold', () => {
    const under = frame('d', Buffer.alloc(65536 - 6));
    const at = frame('d', Buffer.alloc(65536 - 5));
    const o = { maxMessageBytes: 1 << 20, streamable: copyOnly };
    expect(readFrames([under], o)[0]!.kind).toBe('message');
    expect(readFrames([at], o)[0]!.kind).toBe('start');
  });

  it('still rejects a large non-streamable frame', () => {
    expectProtocolError(() => readFrames([frame('Q', cstr('x'.repeat(200)))], opts), 'too-large');
  });

  it('still rejects a bad length on a streamable code', () => {
    expectProtocolError(() => readFrames([frameWithLength('d', 3)], opts), 'malformed');
  });

  it('throws when the sink cannot stream', () => {
    const reader = new FrameReader(opts);
    expect(() => reader.feed(big, { message: () => undefined })).toThrow(TypeError);
  });

  it('reports atBoundary false mid-stream', () => {
    const reader = new FrameReader(opts);
    reader.feed(big.subarray(0, 20), recordingSink([]));
    expect(reader.atBoundary).toBe(false);
    expect(reader.buffered).toBe(0);
    reader.feed(big.subarray(20), recordingSink([]));
    expect(reader.atBoundary).toBe(true);
  });
});
