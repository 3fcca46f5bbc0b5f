/**
 * Readers of the upstream (backend) messages the proxy inspects, each from a whole frame as
 * delivered by FrameReader. Same strictness as the frontend parsers: anything truncated,
 * unterminated or trailing throws ProtocolError('malformed').
 * Layouts: https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
import { AuthCode, BackendCode } from './codes.js';
import { FrameCursor } from './frame-cursor.js';
import { decodeText, type TextDecoding } from './text-decoding.js';
import type { TransactionStatus } from './backend-messages.js';

/** A parsed AuthenticationXXX ('R') message. Byte fields are copies. */
export type AuthenticationRequest =
  | { type: 'ok' }
  | { type: 'cleartext' }
  | { type: 'md5'; salt: Buffer }
  | { type: 'sasl'; mechanisms: string[] }
  | { type: 'sasl-continue'; data: Buffer }
  | { type: 'sasl-final'; data: Buffer }
  /** Kerberos, GSS, SSPI or an unknown request: `code` is the Int32 sub-code. */
  | { type: 'unsupported'; code: number };

/** ReadyForQuery ('Z'): Byte1 'I' | 'T' | 'E'. */
export function readReadyForQueryStatus(frame: Buffer): TransactionStatus {
  const c = new FrameCursor(frame, BackendCode.ReadyForQuery, 'ReadyForQuery');
  const s = c.byte('status');
  c.done();
  if (s === 0x49) return 'I';
  if (s === 0x54) return 'T';
  if (s === 0x45) return 'E';
  return c.fail('unknown transaction status');
}

/** CommandComplete ('C'): String tag. Tags are ASCII; read as single-byte so they never fail to decode. */
export function readCommandCompleteTag(frame: Buffer): string {
  const c = new FrameCursor(frame, BackendCode.CommandComplete, 'CommandComplete');
  const tag = c.cstring('command tag', 'single-byte');
  c.done();
  return tag;
}

const COUNTING_TAGS: ReadonlySet<string> = new Set(['INSERT', 'UPDATE', 'DELETE', 'SELECT', 'MERGE', 'MOVE', 'FETCH', 'COPY']);

/**
 * Rows affected/returned according to a command tag: 'INSERT 0 5' → 5, 'UPDATE 3' → 3,
 * 'SELECT 10' → 10, also DELETE, MERGE, MOVE, FETCH and COPY. Null for tags without a count
 * ('BEGIN', 'CREATE TABLE'...) or anything not shaped like PostgreSQL's tags. Counts above
 * 2^53 lose precision (PostgreSQL counts are uint64).
 */
export function rowsFromCommandTag(tag: string): number | null {
  // Hot path (every statement): scan by char code instead of split + regex.
  const firstSpace = tag.indexOf(' ');
  if (firstSpace <= 0) return null;
  const verb = tag.slice(0, firstSpace);
  if (!COUNTING_TAGS.has(verb)) return null;
  let start = firstSpace + 1;
  if (verb === 'INSERT') {
    // INSERT carries "oid rows"; every other counting tag carries just "rows".
    const second = tag.indexOf(' ', start);
    if (second < 0 || !allDigits(tag, start, second)) return null;
    start = second + 1;
  }
  return allDigits(tag, start, tag.length) ? Number(tag.slice(start)) : null;
}

function allDigits(s: string, start: number, end: number): boolean {
  if (end <= start || end - start > 20) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** ParameterStatus ('S'): String name, String value. */
export function readParameterStatus(frame: Buffer, decoding: TextDecoding = 'utf8'): { name: string; value: string } {
  const c = new FrameCursor(frame, BackendCode.ParameterStatus, 'ParameterStatus');
  const name = c.cstring('parameter name', decoding);
  const value = c.cstring('parameter value', decoding);
  c.done();
  return { name, value };
}

/**
 * BackendKeyData ('K'): Int32 process ID (signed), Byten secret key (4 bytes in protocol 3.0,
 * up to 256 in 3.2; copied).
 */
export function readBackendKeyData(frame: Buffer): { processId: number; secretKey: Buffer } {
  const c = new FrameCursor(frame, BackendCode.BackendKeyData, 'BackendKeyData');
  const processId = c.int32('process ID');
  if (c.remaining < 4 || c.remaining > 256) c.fail('secret key must be 4 to 256 bytes');
  return { processId, secretKey: Buffer.from(c.rest()) };
}

/**
 * ErrorResponse ('E') or NoticeResponse ('N'): (Byte1 field code, String value)* then a zero
 * byte that must be the last byte. Returns field letter → value; a repeated field keeps the
 * last value. See https://www.postgresql.org/docs/current/protocol-error-fields.html
 */
export function readErrorFields(frame: Buffer, decoding: TextDecoding = 'utf8'): Map<string, string> {
  const code = frame[0] === BackendCode.NoticeResponse ? BackendCode.NoticeResponse : BackendCode.ErrorResponse;
  const c = new FrameCursor(frame, code, code === BackendCode.ErrorResponse ? 'ErrorResponse' : 'NoticeResponse');
  const fields = new Map<string, string>();
  for (;;) {
    const field = c.byte('field code');
    if (field === 0) break;
    fields.set(String.fromCharCode(field), c.cstring('field value', decoding));
  }
  c.done();
  return fields;
}

/**
 * DataRow ('D'): Int16 column count, then per column Int32 length (-1 = NULL) and Byten value.
 * Values are decoded as text (the broker's own queries ask for text results).
 */
export function readDataRowText(frame: Buffer, decoding: TextDecoding = 'utf8'): (string | null)[] {
  const c = new FrameCursor(frame, BackendCode.DataRow, 'DataRow');
  const n = c.int16('column count');
  const out: (string | null)[] = [];
  for (let i = 0; i < n; i++) {
    const len = c.int32('value length');
    if (len < 0) {
      out.push(null);
      continue;
    }
    const start = c.pos;
    c.bytes(len, 'value');
    out.push(decodeText(frame, start, start + len, decoding));
  }
  c.done();
  return out;
}

/**
 * AuthenticationXXX ('R'): Int32 sub-code then a sub-code specific body: none (Ok,
 * CleartextPassword), Byte4 salt (MD5Password), String* + terminating empty string (SASL
 * mechanisms), Byten data (SASLContinue, SASLFinal).
 */
export function readAuthentication(frame: Buffer): AuthenticationRequest {
  const c = new FrameCursor(frame, BackendCode.Authentication, 'Authentication');
  const code = c.int32('authentication type');
  switch (code) {
    case AuthCode.Ok:
      c.done();
      return { type: 'ok' };
    case AuthCode.CleartextPassword:
      c.done();
      return { type: 'cleartext' };
    case AuthCode.MD5Password: {
      const salt = Buffer.from(c.bytes(4, 'salt'));
      c.done();
      return { type: 'md5', salt };
    }
    case AuthCode.SASL: {
      const mechanisms: string[] = [];
      for (;;) {
        const m = c.cstring('SASL mechanism', 'utf8');
        if (m === '') break;
        mechanisms.push(m);
      }
      c.done();
      return { type: 'sasl', mechanisms };
    }
    case AuthCode.SASLContinue:
      return { type: 'sasl-continue', data: Buffer.from(c.rest()) };
    case AuthCode.SASLFinal:
      return { type: 'sasl-final', data: Buffer.from(c.rest()) };
    default:
      return { type: 'unsupported', code };
  }
}
