/**
 * The untyped first message of a connection: StartupMessage, SSLRequest, GSSENCRequest or
 * CancelRequest. Layout (https://www.postgresql.org/docs/current/protocol-message-formats.html):
 * Int32 length (counting itself), Int32 request code, then a code-specific body. Flow:
 * https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP
 *
 * Security note for the caller: after answering 'S' to SSLRequest (or 'G' to GSSENCRequest)
 * any `leftover` bytes arrived BEFORE the encryption handshake and must be rejected, never
 * processed as if they came over the secure channel (CVE-2021-23214). After 'N' the client
 * continues in plaintext and `leftover` is the start of its next first message.
 */
import { MAX_STARTUP_PACKET_BYTES, StartupCode } from './codes.js';
import { ProtocolError } from './protocol-error.js';
import { decodeText } from './text-decoding.js';

/** A parsed first message. */
export type StartupPacket =
  | { type: 'ssl-request' }
  | { type: 'gssenc-request' }
  /** `secretKey` is a copy: 4 bytes in protocol 3.0, up to 256 bytes in 3.2. */
  | { type: 'cancel'; processId: number; secretKey: Buffer }
  /**
   * `protocolVersion` is major << 16 | minor. Params are parsed only for major 3; for any other
   * major version `params` is empty and the caller must reject the connection.
   */
  | { type: 'startup'; protocolVersion: number; params: Map<string, string> };

/** A first message plus the bytes that followed it in the input. */
export interface StartupResult {
  packet: StartupPacket;
  /** Bytes after the message (possibly a view into the fed chunk); empty if none. */
  leftover: Buffer;
}

const MIN_PACKET_BYTES = 8;
const MIN_SECRET_KEY_BYTES = 4;
const MAX_SECRET_KEY_BYTES = 256;
const EMPTY: Buffer = Buffer.alloc(0);

/**
 * Accumulates bytes until one whole first message is present. `feed` returns null while more
 * bytes are needed, else the packet and the leftover; the reader then starts over empty, so
 * after an SSLRequest answered 'N' the same reader can be fed the leftover and what follows.
 * A ProtocolError leaves the reader unusable (later feeds rethrow it).
 */
export class StartupReader {
  private pending: Buffer = EMPTY;
  private failure: ProtocolError | null = null;

  /** Bytes held while waiting for the rest of the message. */
  get buffered(): number {
    return this.pending.length;
  }

  /** Adds `chunk`; returns the message once complete, else null. */
  feed(chunk: Buffer): StartupResult | null {
    if (this.failure !== null) throw this.failure;
    const buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    try {
      if (buf.length < 4) {
        this.pending = Buffer.from(buf);
        return null;
      }
      const len = checkedLength(buf.readInt32BE(0));
      if (buf.length < len) {
        this.pending = buf === chunk ? Buffer.from(buf) : buf;
        return null;
      }
      this.pending = EMPTY;
      return { packet: parseStartupPacket(buf.subarray(0, len)), leftover: buf.length === len ? EMPTY : buf.subarray(len) };
    } catch (e) {
      if (e instanceof ProtocolError) this.failure = e;
      this.pending = EMPTY;
      throw e;
    }
  }
}

function checkedLength(len: number): number {
  if (len < MIN_PACKET_BYTES) throw new ProtocolError('malformed', `invalid length of startup packet: ${len}`);
  if (len > MAX_STARTUP_PACKET_BYTES) {
    throw new ProtocolError('too-large', `startup packet of ${len} bytes exceeds ${MAX_STARTUP_PACKET_BYTES}`);
  }
  return len;
}

/** Parses one complete first message (its Int32 length must equal `packet.length`). */
export function parseStartupPacket(packet: Buffer): StartupPacket {
  if (packet.length < MIN_PACKET_BYTES || packet.readInt32BE(0) !== packet.length) {
    throw new ProtocolError('malformed', 'startup packet length does not match its bytes');
  }
  checkedLength(packet.length);
  const code = packet.readInt32BE(4);
  switch (code) {
    case StartupCode.SSLRequest:
      expectLength(packet, 8, 'SSLRequest');
      return { type: 'ssl-request' };
    case StartupCode.GSSENCRequest:
      expectLength(packet, 8, 'GSSENCRequest');
      return { type: 'gssenc-request' };
    case StartupCode.CancelRequest:
      return parseCancel(packet);
    default:
      return parseStartupMessage(packet, code);
  }
}

function expectLength(packet: Buffer, len: number, what: string): void {
  if (packet.length !== len) throw new ProtocolError('malformed', `invalid ${what} length ${packet.length}`);
}

/** CancelRequest: Int32 len, Int32 80877102, Int32 process ID, Byten secret key. */
function parseCancel(packet: Buffer): StartupPacket {
  const keyLength = packet.length - 12;
  if (keyLength < MIN_SECRET_KEY_BYTES || keyLength > MAX_SECRET_KEY_BYTES) {
    throw new ProtocolError('malformed', `invalid CancelRequest length ${packet.length}`);
  }
  return { type: 'cancel', processId: packet.readInt32BE(8), secretKey: Buffer.from(packet.subarray(12)) };
}

/** StartupMessage: Int32 len, Int32 version, (String name, String value)*, Byte1 0. */
function parseStartupMessage(packet: Buffer, protocolVersion: number): StartupPacket {
  const major = protocolVersion >>> 16;
  if (major === 1234) {
    // 1234.x is reserved for the special request codes; anything unknown there is garbage.
    throw new ProtocolError('malformed', `unsupported startup request code ${protocolVersion}`);
  }
  const params = new Map<string, string>();
  if (major !== 3) return { type: 'startup', protocolVersion, params };
  const end = packet.length;
  let pos = 8;
  for (;;) {
    if (pos >= end) throw new ProtocolError('malformed', 'startup packet is missing its terminator');
    if (packet[pos] === 0) {
      if (pos !== end - 1) throw new ProtocolError('malformed', 'expected terminator as last byte of startup packet');
      return { type: 'startup', protocolVersion, params };
    }
    const keyEnd = nulAt(packet, pos, end);
    const valueEnd = nulAt(packet, keyEnd + 1, end);
    const key = decodeText(packet, pos, keyEnd, 'utf8');
    if (params.has(key)) throw new ProtocolError('malformed', 'duplicate startup parameter');
    params.set(key, decodeText(packet, keyEnd + 1, valueEnd, 'utf8'));
    pos = valueEnd + 1;
  }
}

function nulAt(packet: Buffer, from: number, end: number): number {
  const i = packet.indexOf(0, from);
  if (i === -1 || i >= end) throw new ProtocolError('malformed', 'startup parameter is not NUL-terminated');
  return i;
}
