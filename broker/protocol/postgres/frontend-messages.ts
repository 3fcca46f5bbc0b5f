/**
 * Parsers of client (frontend) messages. Each takes a whole frame as delivered by
 * FrameReader and validates it as strictly as PostgreSQL's backend does (postgres.c,
 * pqformat.c): any truncated field, missing NUL, bad count or trailing byte throws
 * ProtocolError('malformed'); undecodable text throws ProtocolError('encoding').
 *
 * Layouts: https://www.postgresql.org/docs/current/protocol-message-formats.html
 *
 * Counts written as Int16 (parameter types, formats, values) are read as UNSIGNED 16-bit,
 * exactly like PostgreSQL's pq_getmsgint(msg, 2): a count of 0xFFFF means 65535, not -1, so
 * the proxy and the server can never disagree on where fields lie.
 */
import { FrontendCode } from './codes.js';
import { FrameCursor } from './frame-cursor.js';
import type { TextDecoding } from './text-decoding.js';

export type { TextDecoding } from './text-decoding.js';
export { isSafeClientEncoding, decodingFor } from './client-encoding.js';

/** Fields of a Parse ('P') message. */
export interface ParseMessage {
  name: string;
  sql: string;
  /** Parameter type OIDs (unsigned), 0 = unspecified. */
  paramTypes: number[];
}

/** Fields of a Bind ('B') message. */
export interface BindMessage {
  portal: string;
  statement: string;
  /** 0 = text, 1 = binary; empty = all text, one entry = applies to all. */
  paramFormats: number[];
  /** Zero-copy views into the frame; null for SQL NULL (length -1). */
  params: (Buffer | null)[];
  resultFormats: number[];
}

/** Fields of a Describe ('D') or Close ('C') message. */
export interface TargetMessage {
  /** 'S' prepared statement, 'P' portal. */
  target: 'S' | 'P';
  name: string;
}

/** Fields of an Execute ('E') message. */
export interface ExecuteMessage {
  portal: string;
  /** Row limit; zero (or negative, which PostgreSQL treats alike) means no limit. */
  maxRows: number;
}

/** Fields of a SASLInitialResponse ('p') message. */
export interface SaslInitialResponseMessage {
  mechanism: string;
  /** Client-first data, copied; null when the client sent length -1 (no data). */
  data: Buffer | null;
}

/** Query ('Q'): String query. */
export function parseQuery(frame: Buffer, decoding: TextDecoding = 'utf8'): string {
  const c = new FrameCursor(frame, FrontendCode.Query, 'Query');
  const sql = c.cstring('query string', decoding);
  c.done();
  return sql;
}

/** Parse ('P'): String name, String query, Int16 n, Int32[n] parameter type OIDs. */
export function parseParse(frame: Buffer, decoding: TextDecoding = 'utf8'): ParseMessage {
  const c = new FrameCursor(frame, FrontendCode.Parse, 'Parse');
  const name = c.cstring('statement name', decoding);
  const sql = c.cstring('query string', decoding);
  const n = c.uint16('parameter type count');
  if (n * 4 > c.remaining) c.fail('truncated parameter types');
  const paramTypes = new Array<number>(n);
  for (let i = 0; i < n; i++) paramTypes[i] = c.uint32('parameter type');
  c.done();
  return { name, sql, paramTypes };
}

/**
 * Bind ('B'): String portal, String statement, Int16 n + Int16[n] parameter formats,
 * Int16 n + n × (Int32 length (-1 = NULL) + Byten), Int16 n + Int16[n] result formats.
 */
export function parseBind(frame: Buffer, decoding: TextDecoding = 'utf8'): BindMessage {
  const c = new FrameCursor(frame, FrontendCode.Bind, 'Bind');
  const portal = c.cstring('portal name', decoding);
  const statement = c.cstring('statement name', decoding);
  const paramFormats = readFormats(c, 'parameter format');
  const n = c.uint16('parameter count');
  if (paramFormats.length > 1 && paramFormats.length !== n) {
    c.fail(`${paramFormats.length} parameter formats but ${n} parameters`);
  }
  if (n * 4 > c.remaining) c.fail('truncated parameters');
  const params = new Array<Buffer | null>(n);
  for (let i = 0; i < n; i++) {
    const len = c.int32('parameter length');
    if (len === -1) params[i] = null;
    else if (len < 0) c.fail(`invalid parameter length ${len}`);
    else params[i] = c.bytes(len, 'parameter value');
  }
  const resultFormats = readFormats(c, 'result format');
  c.done();
  return { portal, statement, paramFormats, params, resultFormats };
}

/**
 * The names a Bind refers to and its parameter count, without copying out the values: the
 * proxy's hot path when parameters are not recorded. The values are left for the server to
 * validate (it rejects a malformed Bind itself).
 */
export function readBindTarget(frame: Buffer, decoding: TextDecoding = 'utf8'): { portal: string; statement: string; paramCount: number } {
  const c = new FrameCursor(frame, FrontendCode.Bind, 'Bind');
  const portal = c.cstring('portal name', decoding);
  const statement = c.cstring('statement name', decoding);
  const formats = c.uint16('parameter format count');
  if (formats * 2 > c.remaining) c.fail('truncated parameter formats');
  c.pos += formats * 2;
  const paramCount = c.uint16('parameter count');
  return { portal, statement, paramCount };
}

/** Int16 count + Int16 codes; only 0 (text) and 1 (binary) exist. */
function readFormats(c: FrameCursor, what: string): number[] {
  const n = c.uint16(`${what} count`);
  if (n * 2 > c.remaining) c.fail(`truncated ${what}s`);
  const formats = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const f = c.int16(what);
    if (f !== 0 && f !== 1) c.fail(`unsupported ${what} code ${f}`);
    formats[i] = f;
  }
  return formats;
}

/** Describe ('D'): Byte1 'S' or 'P', String name. */
export function parseDescribe(frame: Buffer, decoding: TextDecoding = 'utf8'): TargetMessage {
  return parseTarget(new FrameCursor(frame, FrontendCode.Describe, 'Describe'), decoding);
}

/** Close ('C'): Byte1 'S' or 'P', String name. */
export function parseClose(frame: Buffer, decoding: TextDecoding = 'utf8'): TargetMessage {
  return parseTarget(new FrameCursor(frame, FrontendCode.Close, 'Close'), decoding);
}

function parseTarget(c: FrameCursor, decoding: TextDecoding): TargetMessage {
  const t = c.byte('target type');
  if (t !== 0x53 /* S */ && t !== 0x50 /* P */) c.fail('target type must be S or P');
  const name = c.cstring('name', decoding);
  c.done();
  return { target: t === 0x53 ? 'S' : 'P', name };
}

/** Execute ('E'): String portal, Int32 max rows. */
export function parseExecute(frame: Buffer, decoding: TextDecoding = 'utf8'): ExecuteMessage {
  const c = new FrameCursor(frame, FrontendCode.Execute, 'Execute');
  const portal = c.cstring('portal name', decoding);
  const maxRows = c.int32('row limit');
  c.done();
  return { portal, maxRows };
}

/** PasswordMessage ('p'): String password (cleartext or "md5..." hash). */
export function parsePassword(frame: Buffer, decoding: TextDecoding = 'utf8'): string {
  const c = new FrameCursor(frame, FrontendCode.Password, 'PasswordMessage');
  const password = c.cstring('password', decoding);
  c.done();
  return password;
}

/** SASLInitialResponse ('p'): String mechanism, Int32 length (-1 = none), Byten data. */
export function parseSaslInitialResponse(frame: Buffer): SaslInitialResponseMessage {
  const c = new FrameCursor(frame, FrontendCode.Password, 'SASLInitialResponse');
  const mechanism = c.cstring('mechanism', 'utf8');
  const len = c.int32('data length');
  const data = len === -1 ? null : Buffer.from(c.bytes(len, 'data'));
  c.done();
  return { mechanism, data };
}

/** SASLResponse ('p'): Byten data (the rest of the message), copied. */
export function parseSaslResponse(frame: Buffer): Buffer {
  return Buffer.from(new FrameCursor(frame, FrontendCode.Password, 'SASLResponse').rest());
}

/** CopyFail ('f'): String error message. */
export function parseCopyFail(frame: Buffer, decoding: TextDecoding = 'utf8'): string {
  const c = new FrameCursor(frame, FrontendCode.CopyFail, 'CopyFail');
  const message = c.cstring('error message', decoding);
  c.done();
  return message;
}

/** CopyData ('d'): Byten payload, a zero-copy view into the frame. */
export function parseCopyData(frame: Buffer): Buffer {
  return new FrameCursor(frame, FrontendCode.CopyData, 'CopyData').rest();
}

/**
 * Validates a message that has no body: Sync ('S'), Flush ('H'), Terminate ('X'),
 * CopyDone ('c'). Throws 'malformed' for another code or any body byte.
 */
export function parseEmpty(frame: Buffer, code: number): void {
  new FrameCursor(frame, code, 'empty').done();
}
