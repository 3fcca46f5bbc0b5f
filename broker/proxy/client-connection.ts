/**
 * A client connection from its first byte to the hand-over to the relay:
 * SSLRequest/GSSENCRequest negotiation, CancelRequest, StartupMessage checks, the token as a
 * cleartext password, the connection and group checks, the upstream session with the broker's
 * own credentials, and the start-up answer with the broker's own cancel keys.
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP
 */
import { randomUUID } from 'node:crypto';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { AirlockError, isAirlockError } from '../errors/airlock-error.js';
import type { Principal } from '../identity/types.js';
import * as bm from '../protocol/postgres/backend-messages.js';
import { FrontendCode } from '../protocol/postgres/codes.js';
import { parsePassword } from '../protocol/postgres/frontend-messages.js';
import { ProtocolError } from '../protocol/postgres/protocol-error.js';
import { StartupReader } from '../protocol/postgres/startup.js';
import { SessionRecorder } from '../recording/session-recorder.js';
import type { BrokerContext } from './broker-context.js';
import { forwardCancel } from './cancel-forward.js';
import { withGroups } from './session-groups.js';
import { readStartupPacket, readTypedMessage } from './client-io.js';
import { openSession } from './open-session.js';
import { checkStartupParams } from './startup-params.js';

const MAX_TOKEN_MESSAGE_BYTES = 64 * 1024;

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/**
 * The token travels as a cleartext password: only over TLS, or from this machine, unless the
 * operator explicitly allows it (`listen.postgres.allowCleartextWithoutTls`).
 */
export function refusesCleartextToken(remote: string | undefined, tls: boolean, allowed: boolean): boolean {
  return !tls && !isLoopback(remote) && !allowed;
}

export async function handleClient(raw: Socket, ctx: BrokerContext): Promise<void> {
  raw.setNoDelay(true);
  raw.on('error', () => {});
  let socket: Socket = raw;
  const remote = raw.remoteAddress ?? 'unknown';
  const attempt: { connection?: string; subject?: string } = {};
  try {
    const { params, tls, rest } = await negotiate(raw, ctx);
    socket = tls ?? raw;
    const startup = checkStartupParams(params);
    const connectionName = params.get('database') ?? params.get('user') ?? '';
    attempt.connection = connectionName;
    if (refusesCleartextToken(remote, tls !== undefined, ctx.config.listen.postgres.allowCleartextWithoutTls)) {
      throw new AirlockError('BRK_ERR_CLEARTEXT_REFUSED');
    }
    const authenticated = await authenticate(socket, rest, ctx);
    attempt.subject = authenticated.subject;
    const connection = ctx.config.connections.get(connectionName);
    if (!connection) throw new AirlockError('BRK_ERR_CONNECTION_UNKNOWN', `"${connectionName}"`);
    // Active access grants add groups on this connection for as long as they run.
    const principal = withGroups(authenticated, ctx.access.grantedGroups(authenticated, connection.name));
    if (!principal.groups.some((g) => connection.allowGroups.includes(g))) {
      throw new AirlockError('BRK_ERR_CONNECTION_FORBIDDEN', `"${connection.name}"`);
    }
    const sessionId = randomUUID();
    const recorder = SessionRecorder.forSession(ctx.store, sessionId, ctx.config.recording);
    await openSession({ ctx, client: socket, principal, tokenPrincipal: authenticated, connection, startup, recorder, sessionId, remote, tls: tls !== undefined });
  } catch (e) {
    rejectClient(socket, e, ctx, remote);
    recordRefusal(e, ctx, remote, attempt);
  }
}

/** Refused attempts are audit events too (a cancel request or a client that vanished is not). */
/** Refused connection attempts are recorded too (never with the token). */
export function recordRefusal(e: unknown, ctx: BrokerContext, remote: string, attempt: { connection?: string; subject?: string }): void {
  if (!isAirlockError(e) && !(e instanceof ProtocolError)) return;
  try {
    ctx.store.append({
      type: 'connection.refused',
      sessionId: randomUUID(),
      clientAddress: remote,
      ...(attempt.connection !== undefined ? { connection: attempt.connection.slice(0, 200) } : {}),
      ...(attempt.subject !== undefined ? { subject: attempt.subject } : {}),
      code: isAirlockError(e) ? e.code : `PROTOCOL_${e.code}`,
      reason: e.message,
    });
  } catch (err) {
    ctx.log.error('recording a refused connection failed', { error: (err as Error).message });
  }
}

export interface Negotiated {
  readonly params: Map<string, string>;
  readonly tls: TLSSocket | undefined;
  readonly rest: Buffer;
}

/**
 * SSLRequest / GSSENCRequest / CancelRequest until the StartupMessage. TLS is offered only on a
 * TCP socket with a certificate configured (`offerTls`); the WebSocket tunnel declines it.
 */
export async function negotiate(raw: Duplex, ctx: BrokerContext, offerTls = true): Promise<Negotiated> {
  let socket: Duplex = raw;
  let tls: TLSSocket | undefined;
  let leftover: Buffer = Buffer.alloc(0);
  for (let round = 0; round < 4; round++) {
    const reader = new StartupReader();
    const { packet, leftover: rest } = await readStartupPacket(socket, reader, leftover);
    leftover = rest;
    switch (packet.type) {
      case 'ssl-request':
        if (offerTls && ctx.tls && !tls && raw instanceof Socket) {
          // Bytes that came before the TLS handshake must not be read as if encrypted (CVE-2021-23214).
          if (leftover.length) throw new AirlockError('BRK_ERR_PROTOCOL', 'data received after SSLRequest before the TLS handshake');
          raw.write(bm.sslResponse(true));
          tls = await upgrade(raw, ctx);
          socket = tls;
        } else raw.write(bm.sslResponse(false));
        continue;
      case 'gssenc-request':
        socket.write(bm.gssEncResponse(false));
        continue;
      case 'cancel':
        await forwardCancel(ctx, packet.processId, packet.secretKey);
        socket.end();
        throw new CancelHandled();
      case 'startup': {
        if (packet.protocolVersion >> 16 !== 3) throw new AirlockError('BRK_ERR_PROTOCOL_VERSION');
        if ((packet.protocolVersion & 0xffff) > 0) {
          const unknown = [...packet.params.keys()].filter((k) => k.startsWith('_pq_.'));
          socket.write(bm.negotiateProtocolVersion(0, unknown));
        }
        return { params: packet.params, tls, rest: leftover };
      }
    }
  }
  throw new AirlockError('BRK_ERR_PROTOCOL', 'too many negotiation requests');
}

function upgrade(raw: Socket, ctx: BrokerContext): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const tls = new TLSSocket(raw, { isServer: true, secureContext: ctx.tls! });
    tls.once('secure', () => resolve(tls));
    tls.once('error', reject);
  });
}

/** Asks for the password (the caller's OIDC token) and verifies it. */
async function authenticate(socket: Socket, pending: Buffer, ctx: BrokerContext): Promise<Principal> {
  socket.write(bm.authenticationCleartextPassword());
  const { code, frame } = await readTypedMessage(socket, pending, MAX_TOKEN_MESSAGE_BYTES);
  if (code !== FrontendCode.Password) throw new AirlockError('BRK_ERR_PROTOCOL', 'expected a password message');
  const token = parsePassword(frame).trim();
  if (!token) throw new AirlockError('BRK_ERR_TOKEN_MISSING');
  return ctx.verifier.verify(token);
}

/** A CancelRequest was served: the connection ends without an error. */
export class CancelHandled extends Error {}

/** Ends a refused client with a FATAL ErrorResponse naming the reason (never a stack or a secret). */
export function rejectClient(socket: Duplex, e: unknown, ctx: BrokerContext, remote: string): void {
  if (e instanceof CancelHandled) return;
  let fields: bm.NoticeFields;
  if (isAirlockError(e)) {
    fields = { severity: 'FATAL', code: e.sqlState, message: `Airlock: ${e.message}`, ...(e.hint ? { hint: e.hint } : {}) };
    ctx.log.info('client refused', { remote, code: e.code, reason: e.message });
  } else if (e instanceof ProtocolError) {
    fields = { severity: 'FATAL', code: e.sqlState, message: `Airlock: ${e.message}` };
    ctx.log.info('client refused', { remote, reason: e.message });
  } else {
    ctx.log.warn('client start-up failed', { remote, error: (e as Error)?.message ?? String(e) });
    if (socket.destroyed) return;
    fields = { severity: 'FATAL', code: '08006', message: 'Airlock: connection failed' };
  }
  if (!socket.destroyed && socket.writable) socket.end(bm.errorResponse(fields));
  setTimeout(() => socket.destroy(), 1000).unref();
}
