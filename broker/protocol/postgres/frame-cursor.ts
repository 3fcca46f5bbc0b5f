/**
 * Bounds-checked sequential reader over one whole typed frame (code + Int32 length + body).
 * Every read past the end, missing NUL terminator or leftover byte is a ProtocolError
 * ('malformed'), never a RangeError: this mirrors PostgreSQL's pq_getmsg* functions
 * (src/backend/libpq/pqformat.c), including pq_getmsgend's "invalid message format".
 */
import { codeLabel } from './codes.js';
import { ProtocolError } from './protocol-error.js';
import { decodeText, type TextDecoding } from './text-decoding.js';

/** Cursor over a frame's body; construct with the code the frame must carry. */
export class FrameCursor {
  /** Offset of the next unread byte. */
  pos = 5;
  /** One past the last byte of the frame. */
  readonly end: number;
  /** The whole frame being read. */
  readonly frame: Buffer;
  private readonly label: string;

  /** Checks the code byte and that the Int32 length matches the frame size exactly. */
  constructor(frame: Buffer, expectedCode: number, label: string) {
    this.frame = frame;
    this.end = frame.length;
    this.label = label;
    if (frame.length < 5 || frame[0] !== expectedCode) {
      throw new ProtocolError('malformed', `expected ${label} message ${codeLabel(expectedCode)}`);
    }
    if (frame.readInt32BE(1) !== frame.length - 1) {
      throw new ProtocolError('malformed', `${label} message length does not match its frame`);
    }
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws a 'malformed' error naming the message. */
  fail(what: string): never {
    throw new ProtocolError('malformed', `invalid ${this.label} message: ${what}`);
  }

  private need(n: number, what: string): void {
    if (this.end - this.pos < n) this.fail(`truncated ${what}`);
  }

  /** Byte1. */
  byte(what: string): number {
    this.need(1, what);
    return this.frame[this.pos++]!;
  }

  /** Int16 read as unsigned, as PostgreSQL's pq_getmsgint(msg, 2) does for counts. */
  uint16(what: string): number {
    this.need(2, what);
    const v = this.frame.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  /** Int16, signed. */
  int16(what: string): number {
    this.need(2, what);
    const v = this.frame.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  /** Int32, signed. */
  int32(what: string): number {
    this.need(4, what);
    const v = this.frame.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** Int32 read as unsigned (OIDs). */
  uint32(what: string): number {
    this.need(4, what);
    const v = this.frame.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** Byten: a zero-copy view of the next `n` bytes. */
  bytes(n: number, what: string): Buffer {
    if (n < 0) this.fail(`negative length for ${what}`);
    this.need(n, what);
    const v = this.frame.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** All bytes up to the end of the frame, zero-copy. */
  rest(): Buffer {
    const v = this.frame.subarray(this.pos, this.end);
    this.pos = this.end;
    return v;
  }

  /** String: bytes up to a NUL terminator inside the frame, decoded. */
  cstring(what: string, decoding: TextDecoding): string {
    const nul = this.frame.indexOf(0, this.pos);
    if (nul === -1 || nul >= this.end) this.fail(`${what} is not NUL-terminated`);
    const s = decodeText(this.frame, this.pos, nul, decoding);
    this.pos = nul + 1;
    return s;
  }

  /** Asserts every byte was consumed (no trailing garbage). */
  done(): void {
    if (this.pos !== this.end) this.fail(`${this.end - this.pos} unexpected trailing bytes`);
  }
}
