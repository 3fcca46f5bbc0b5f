/**
 * Serializers of the messages the broker itself sends to clients (as a server).
 * Layouts: https://www.postgresql.org/docs/current/protocol-message-formats.html
 * Error/notice fields: https://www.postgresql.org/docs/current/protocol-error-fields.html
 *
 * Strings are written as UTF-8 + NUL. A NUL character inside a string is REPLACED by U+FFFD
 * (never written raw), so caller text can never end a field early and forge further fields.
 *
 * Messages without variable content are shared, preallocated Buffers: treat every returned
 * Buffer as read-only.
 */
import { AuthCode, BackendCode } from './codes.js';
import { MessageWriter } from './message-writer.js';

/** Severities of ErrorResponse (ERROR, FATAL, PANIC) and NoticeResponse (the rest). */
export type Severity = 'ERROR' | 'FATAL' | 'PANIC' | 'WARNING' | 'NOTICE' | 'DEBUG' | 'INFO' | 'LOG';

/** Fields of an ErrorResponse or NoticeResponse the broker emits. */
export interface NoticeFields {
  severity: Severity;
  /** SQLSTATE, five characters. */
  code: string;
  message: string;
  detail?: string;
  hint?: string;
  /** 1-based character position in the query string. */
  position?: number;
}

/** Transaction status of ReadyForQuery: idle, in a transaction block, in a failed block. */
export type TransactionStatus = 'I' | 'T' | 'E';

function fixed(code: number, body: readonly number[] = []): Buffer {
  const w = new MessageWriter(code, 5 + body.length);
  for (const b of body) w.byte(b);
  return w.finish();
}

function authentication(type: number): Buffer {
  return new MessageWriter(BackendCode.Authentication, 9).int32(type).finish();
}

const AUTH_OK = authentication(AuthCode.Ok);
const AUTH_CLEARTEXT = authentication(AuthCode.CleartextPassword);
const EMPTY_QUERY = fixed(BackendCode.EmptyQueryResponse);
const PARSE_COMPLETE = fixed(BackendCode.ParseComplete);
const BIND_COMPLETE = fixed(BackendCode.BindComplete);
const CLOSE_COMPLETE = fixed(BackendCode.CloseComplete);
const NO_DATA = fixed(BackendCode.NoData);
const READY: Readonly<Record<TransactionStatus, Buffer>> = {
  I: fixed(BackendCode.ReadyForQuery, [0x49]),
  T: fixed(BackendCode.ReadyForQuery, [0x54]),
  E: fixed(BackendCode.ReadyForQuery, [0x45]),
};
const SSL_YES = Buffer.from('S', 'latin1');
const SSL_NO = Buffer.from('N', 'latin1');
const GSS_YES = Buffer.from('G', 'latin1');

function noticeLike(code: number, f: NoticeFields): Buffer {
  const size = 32 + 3 * (f.message.length + (f.detail?.length ?? 0) + (f.hint?.length ?? 0));
  const w = new MessageWriter(code, size);
  w.byte(0x53 /* S */).cstring(f.severity, 'replace');
  w.byte(0x56 /* V */).cstring(f.severity, 'replace');
  w.byte(0x43 /* C */).cstring(f.code, 'replace');
  w.byte(0x4d /* M */).cstring(f.message, 'replace');
  if (f.detail !== undefined) w.byte(0x44 /* D */).cstring(f.detail, 'replace');
  if (f.hint !== undefined) w.byte(0x48 /* H */).cstring(f.hint, 'replace');
  if (f.position !== undefined) w.byte(0x50 /* P */).cstring(String(Math.trunc(f.position)), 'replace');
  return w.byte(0).finish();
}

/** ErrorResponse ('E'): fields S, V, C, M, then D, H, P when given, then a zero byte. */
export function errorResponse(fields: NoticeFields): Buffer {
  return noticeLike(BackendCode.ErrorResponse, fields);
}

/** NoticeResponse ('N'): same body as ErrorResponse. */
export function noticeResponse(fields: NoticeFields): Buffer {
  return noticeLike(BackendCode.NoticeResponse, fields);
}

/** AuthenticationOk ('R', Int32 0). Shared buffer. */
export function authenticationOk(): Buffer {
  return AUTH_OK;
}

/** AuthenticationCleartextPassword ('R', Int32 3). Shared buffer. */
export function authenticationCleartextPassword(): Buffer {
  return AUTH_CLEARTEXT;
}

/** ParameterStatus ('S'): String name, String value. */
export function parameterStatus(name: string, value: string): Buffer {
  const w = new MessageWriter(BackendCode.ParameterStatus, 7 + 3 * (name.length + value.length));
  return w.cstring(name, 'replace').cstring(value, 'replace').finish();
}

/**
 * BackendKeyData ('K'): Int32 process ID (written as 32-bit two's complement), Byten secret
 * key (4 bytes in protocol 3.0, up to 256 in 3.2).
 */
export function backendKeyData(processId: number, secretKey: Buffer): Buffer {
  if (secretKey.length < 4 || secretKey.length > 256) {
    throw new RangeError('secret key must be 4 to 256 bytes');
  }
  return new MessageWriter(BackendCode.BackendKeyData, 9 + secretKey.length).int32(processId).bytes(secretKey).finish();
}

/** ReadyForQuery ('Z'): Byte1 status. Shared buffer. */
export function readyForQuery(status: TransactionStatus): Buffer {
  const b = READY[status];
  if (b === undefined) throw new RangeError(`invalid transaction status ${String(status)}`);
  return b;
}

/** CommandComplete ('C'): String tag, e.g. "SELECT 1". */
export function commandComplete(tag: string): Buffer {
  return new MessageWriter(BackendCode.CommandComplete, 6 + 3 * tag.length).cstring(tag, 'replace').finish();
}

/** CopyData ('d'): Byten data (one row in COPY OUT). */
export function copyData(data: Uint8Array): Buffer {
  return new MessageWriter(BackendCode.CopyData, 5 + data.length).bytes(data).finish();
}

/** NotificationResponse ('A'): Int32 process ID, String channel, String payload. */
export function notificationResponse(processId: number, channel: string, payload: string): Buffer {
  return new MessageWriter(BackendCode.NotificationResponse, 14 + 3 * (channel.length + payload.length))
    .int32(processId)
    .cstring(channel, 'replace')
    .cstring(payload, 'replace')
    .finish();
}

/** EmptyQueryResponse ('I'). Shared buffer. */
export function emptyQueryResponse(): Buffer {
  return EMPTY_QUERY;
}

/** ParseComplete ('1'). Shared buffer. */
export function parseComplete(): Buffer {
  return PARSE_COMPLETE;
}

/** BindComplete ('2'). Shared buffer. */
export function bindComplete(): Buffer {
  return BIND_COMPLETE;
}

/** CloseComplete ('3'). Shared buffer. */
export function closeComplete(): Buffer {
  return CLOSE_COMPLETE;
}

/** NoData ('n'). Shared buffer. */
export function noData(): Buffer {
  return NO_DATA;
}

/**
 * NegotiateProtocolVersion ('v'): Int32 newest minor version supported for the requested
 * major version, Int32 count of unrecognized protocol options, String[count] option names.
 */
export function negotiateProtocolVersion(minor: number, unrecognized: string[]): Buffer {
  const w = new MessageWriter(BackendCode.NegotiateProtocolVersion, 64);
  w.int32(minor).int32(unrecognized.length);
  for (const name of unrecognized) w.cstring(name, 'replace');
  return w.finish();
}

/** The single-byte answer to SSLRequest: 'S' to proceed with TLS, 'N' to refuse. Shared buffer. */
export function sslResponse(accept: boolean): Buffer {
  return accept ? SSL_YES : SSL_NO;
}

/** The single-byte answer to GSSENCRequest: 'G' to proceed, 'N' to refuse. Shared buffer. */
export function gssEncResponse(accept: boolean): Buffer {
  return accept ? GSS_YES : SSL_NO;
}
