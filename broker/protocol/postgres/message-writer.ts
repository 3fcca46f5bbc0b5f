/**
 * Minimal growable writer for building one protocol message at a time. Typed messages get
 * a Byte1 code and an Int32 length (counting itself, not the code); untyped first messages
 * (startup, SSL, cancel) only the Int32 length. Layouts:
 * https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
import { ProtocolError } from './protocol-error.js';

/** What to do when a string to write contains a NUL (which would end the field early). */
export type NulPolicy = 'replace' | 'reject';

/** U+FFFD, the replacement for NUL characters under the 'replace' policy. */
const REPLACEMENT = '\uFFFD';

/** Builds one message; call `finish()` once to get the bytes. */
export class MessageWriter {
  private buf: Buffer;
  private pos: number;
  private readonly start: number;

  /** `code` null builds an untyped message. `sizeHint` is the expected total size. */
  constructor(code: number | null, sizeHint = 64) {
    this.buf = Buffer.allocUnsafe(Math.max(sizeHint, 8));
    if (code === null) {
      this.start = 0;
      this.pos = 4;
    } else {
      this.buf[0] = code;
      this.start = 1;
      this.pos = 5;
    }
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Byte1. */
  byte(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  /** Int16 (two's complement for negatives). */
  int16(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16BE(v & 0xffff, this.pos);
    this.pos += 2;
    return this;
  }

  /** Int32 (values >= 2^31 are written as their 32-bit two's complement). */
  int32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v | 0, this.pos);
    this.pos += 4;
    return this;
  }

  /** Byten. */
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /**
   * String: UTF-8 bytes then NUL. A NUL inside `s` is replaced by U+FFFD ('replace') or
   * rejected with ProtocolError('encoding') ('reject'), so it can never split the field.
   * `what` names the field in the error.
   */
  cstring(s: string, nul: NulPolicy, what = 'string'): this {
    if (s.includes('\0')) {
      if (nul === 'reject') throw new ProtocolError('encoding', `${what} contains a NUL character`);
      s = s.replaceAll('\0', REPLACEMENT);
    }
    const n = Buffer.byteLength(s, 'utf8');
    this.ensure(n + 1);
    this.buf.write(s, this.pos, n, 'utf8');
    this.pos += n;
    this.buf[this.pos++] = 0;
    return this;
  }

  /** Bytes written so far, header included. */
  get length(): number {
    return this.pos;
  }

  /** Writes the length field and returns the message (a view of the internal buffer). */
  finish(): Buffer {
    this.buf.writeInt32BE(this.pos - this.start, this.start);
    return this.buf.subarray(0, this.pos);
  }
}
