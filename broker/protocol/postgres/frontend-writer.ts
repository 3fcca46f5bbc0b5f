/**
 * Messages the broker sends UPSTREAM, acting as a client.
 * Layouts: https://www.postgresql.org/docs/current/protocol-message-formats.html
 *
 * Strings are UTF-8 + NUL. Unlike the backend serializers, a NUL inside a string is REJECTED
 * with ProtocolError('encoding') (SQLSTATE 22021, as PostgreSQL reports NUL in text): silently
 * altering SQL, credentials or startup parameters sent to the server would be worse.
 *
 * Messages without variable content are shared, preallocated Buffers: treat every returned
 * Buffer as read-only.
 */
import { FrontendCode, MAX_STARTUP_PACKET_BYTES, StartupCode } from './codes.js';
import { MessageWriter } from './message-writer.js';
import { ProtocolError } from './protocol-error.js';

const SSL_REQUEST = new MessageWriter(null, 8).int32(StartupCode.SSLRequest).finish();
const SYNC = new MessageWriter(FrontendCode.Sync, 5).finish();
const TERMINATE = new MessageWriter(FrontendCode.Terminate, 5).finish();

/**
 * StartupMessage for protocol 3.0: Int32 length, Int32 196608, (String name, String value)*,
 * Byte1 0. Throws ProtocolError for an empty name (it would end the list), a NUL in any
 * name/value ('encoding'), or a message over PostgreSQL's 10 000-byte limit ('too-large').
 */
export function startupMessage(params: Record<string, string>): Buffer {
  const w = new MessageWriter(null, 256).int32(StartupCode.Protocol3);
  for (const [name, value] of Object.entries(params)) {
    if (name === '') throw new ProtocolError('malformed', 'startup parameter name is empty');
    w.cstring(name, 'reject', 'startup parameter name').cstring(value, 'reject', 'startup parameter value');
  }
  w.byte(0);
  if (w.length > MAX_STARTUP_PACKET_BYTES) {
    throw new ProtocolError('too-large', `startup packet of ${w.length} bytes exceeds ${MAX_STARTUP_PACKET_BYTES}`);
  }
  return w.finish();
}

/** SSLRequest: Int32 8, Int32 80877103. Shared buffer. */
export function sslRequest(): Buffer {
  return SSL_REQUEST;
}

/**
 * CancelRequest: Int32 length, Int32 80877102, Int32 process ID (32-bit two's complement),
 * Byten secret key (4 bytes in protocol 3.0, up to 256 in 3.2).
 */
export function cancelRequest(processId: number, secretKey: Buffer): Buffer {
  if (secretKey.length < 4 || secretKey.length > 256) throw new RangeError('secret key must be 4 to 256 bytes');
  return new MessageWriter(null, 12 + secretKey.length)
    .int32(StartupCode.CancelRequest)
    .int32(processId)
    .bytes(secretKey)
    .finish();
}

/** PasswordMessage ('p'): String password (cleartext, or "md5" + hex digest). */
export function passwordMessage(password: string): Buffer {
  return new MessageWriter(FrontendCode.Password, 6 + 3 * password.length).cstring(password, 'reject', 'password').finish();
}

/** SASLInitialResponse ('p'): String mechanism, Int32 data length, Byten data. */
export function saslInitialResponse(mechanism: string, data: Buffer): Buffer {
  return new MessageWriter(FrontendCode.Password, 10 + mechanism.length * 3 + data.length)
    .cstring(mechanism, 'reject', 'SASL mechanism')
    .int32(data.length)
    .bytes(data)
    .finish();
}

/** SASLResponse ('p'): Byten data. */
export function saslResponse(data: Buffer): Buffer {
  return new MessageWriter(FrontendCode.Password, 5 + data.length).bytes(data).finish();
}

/** Query ('Q'): String query. */
export function query(sql: string): Buffer {
  return new MessageWriter(FrontendCode.Query, 6 + 3 * sql.length).cstring(sql, 'reject', 'query').finish();
}

/** Parse ('P'): String name, String query, Int16 count, Int32[count] parameter type OIDs. */
export function parse(name: string, sql: string, paramTypes: readonly number[] = []): Buffer {
  if (paramTypes.length > 0xffff) throw new RangeError('at most 65535 parameter types');
  const w = new MessageWriter(FrontendCode.Parse, 9 + 3 * (name.length + sql.length) + 4 * paramTypes.length);
  w.cstring(name, 'reject', 'statement name').cstring(sql, 'reject', 'query').int16(paramTypes.length);
  for (const oid of paramTypes) w.int32(oid);
  return w.finish();
}

/**
 * Bind ('B'): String portal, String statement, Int16 n, Int16[n] parameter format codes,
 * Int16 m, (Int32 length (-1 = NULL), Byten value)[m], Int16 k, Int16[k] result format codes.
 */
export function bind(portal: string, statement: string, paramFormats: readonly number[], params: readonly (Uint8Array | null)[], resultFormats: readonly number[] = []): Buffer {
  if (params.length > 0xffff || paramFormats.length > 0xffff || resultFormats.length > 0xffff) throw new RangeError('at most 65535 parameters and formats');
  let size = 15 + 3 * (portal.length + statement.length) + 2 * (paramFormats.length + resultFormats.length);
  for (const p of params) size += 4 + (p ? p.length : 0);
  const w = new MessageWriter(FrontendCode.Bind, size);
  w.cstring(portal, 'reject', 'portal name').cstring(statement, 'reject', 'statement name');
  w.int16(paramFormats.length);
  for (const f of paramFormats) w.int16(f);
  w.int16(params.length);
  for (const p of params) {
    if (p === null) w.int32(-1);
    else w.int32(p.length).bytes(p);
  }
  w.int16(resultFormats.length);
  for (const f of resultFormats) w.int16(f);
  return w.finish();
}

/** Execute ('E'): String portal, Int32 maximum rows (0 = no limit). */
export function execute(portal: string, maxRows = 0): Buffer {
  return new MessageWriter(FrontendCode.Execute, 10 + 3 * portal.length).cstring(portal, 'reject', 'portal name').int32(maxRows).finish();
}

/** Close ('C'): Byte1 'S' (statement) or 'P' (portal), String name. */
export function close(target: 'S' | 'P', name: string): Buffer {
  return new MessageWriter(FrontendCode.Close, 7 + 3 * name.length).byte(target.charCodeAt(0)).cstring(name, 'reject', 'name').finish();
}

/** Sync ('S'). Shared buffer. */
export function sync(): Buffer {
  return SYNC;
}

/** Terminate ('X'). Shared buffer. */
export function terminate(): Buffer {
  return TERMINATE;
}
