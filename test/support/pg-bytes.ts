/**
 * Byte builders for PostgreSQL wire-protocol tests: frames are assembled from explicit parts
 * so every test shows the exact layout it exercises, independent of the code under test.
 * Layouts: https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
import { FrameReader, type FrameReaderOptions, type FrameSink } from '../../broker/protocol/postgres/frame-reader.js';

/** A piece of a message: raw bytes, a byte array, or a string written as raw UTF-8 (no NUL). */
export type Part = Buffer | Uint8Array | readonly number[] | string;

/** Concatenates parts into one Buffer. */
export function bytes(...parts: Part[]): Buffer {
  return Buffer.concat(
    parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p as Uint8Array | readonly number[]))),
  );
}

/** A NUL-terminated UTF-8 string (protocol "String"). */
export function cstr(s: string): Buffer {
  return bytes(s, [0]);
}

/** Byte1. */
export function byte(n: number): Buffer {
  return Buffer.from([n & 0xff]);
}

/** Int16, big-endian; negative values as two's complement. */
export function int16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff);
  return b;
}

/** Int32, big-endian; negative values and values >= 2^31 as 32-bit two's complement. */
export function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n | 0);
  return b;
}

/** A typed frame: code (a letter or a byte value), Int32 length = 4 + body, body parts. */
export function frame(code: number | string, ...parts: Part[]): Buffer {
  const body = bytes(...parts);
  return bytes([typeof code === 'string' ? code.charCodeAt(0) : code], int32(body.length + 4), body);
}

/** A typed frame whose length field is forced to `length` (for malformed-length tests). */
export function frameWithLength(code: number | string, length: number, ...parts: Part[]): Buffer {
  return bytes([typeof code === 'string' ? code.charCodeAt(0) : code], int32(length), ...parts);
}

/** An untyped first message: Int32 length = 4 + body, body parts. */
export function untyped(...parts: Part[]): Buffer {
  const body = bytes(...parts);
  return bytes(int32(body.length + 4), body);
}

/** What a FrameReader delivered, in order; streamed pieces are recorded individually. */
export type FrameEvent =
  | { kind: 'message'; code: number; frame: Buffer }
  | { kind: 'start'; code: number; total: number; chunk: Buffer }
  | { kind: 'chunk'; chunk: Buffer; last: boolean };

/** A sink that copies everything it receives into `events`. */
export function recordingSink(events: FrameEvent[]): FrameSink {
  return {
    message: (code, f) => events.push({ kind: 'message', code, frame: Buffer.from(f) }),
    streamStart: (code, total, chunk) => events.push({ kind: 'start', code, total, chunk: Buffer.from(chunk) }),
    streamChunk: (chunk, last) => events.push({ kind: 'chunk', chunk: Buffer.from(chunk), last }),
  };
}

/** Feeds `pieces` in order to a fresh FrameReader and returns all events. */
export function readFrames(pieces: Buffer[], opts: FrameReaderOptions = { maxMessageBytes: 1 << 20 }): FrameEvent[] {
  const reader = new FrameReader(opts);
  const events: FrameEvent[] = [];
  const sink = recordingSink(events);
  for (const p of pieces) reader.feed(p, sink);
  return events;
}

/** Only the whole frames of `events` (streamed frames are reassembled into one Buffer). */
export function framesOf(events: FrameEvent[]): Buffer[] {
  const out: Buffer[] = [];
  let streaming: Buffer[] | null = null;
  for (const e of events) {
    if (e.kind === 'message') out.push(e.frame);
    else if (e.kind === 'start') streaming = [e.chunk];
    else {
      streaming!.push(e.chunk);
      if (e.last) {
        out.push(Buffer.concat(streaming!));
        streaming = null;
      }
    }
  }
  return out;
}

/** Every way of cutting `buf` into two pieces (cut 0..length). */
export function* twoPieceSplits(buf: Buffer): Generator<[Buffer, Buffer]> {
  for (let cut = 0; cut <= buf.length; cut++) yield [buf.subarray(0, cut), buf.subarray(cut)];
}

/** `buf` cut into 1-byte pieces. */
export function oneByteAtATime(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i++) out.push(buf.subarray(i, i + 1));
  return out;
}

/** True when both lists hold byte-identical buffers (fast; vitest's toEqual walks Buffers element by element). */
export function sameBuffers(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  return a.length === b.length && a.every((x, i) => x.equals(b[i]!));
}
