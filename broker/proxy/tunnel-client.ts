/**
 * A client arriving through the WebSocket tunnel (`/v1/tunnel/<connection>`, used by
 * `airlock connect` and the editor extension's forwarder). The identity was established from
 * the bearer token on the upgrade request and the connection from its path, so the PostgreSQL
 * start-up inside the tunnel only has to be read: TLS and GSSAPI are declined (the WebSocket
 * is the transport; use `wss://` across networks), the client's own database name and password
 * are ignored, and the session opens with AuthenticationOk straight away.
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP
 */
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { AirlockError } from '../errors/airlock-error.js';
import type { Principal } from '../identity/types.js';
import { SessionRecorder } from '../recording/session-recorder.js';
import type { BrokerContext } from './broker-context.js';
import { negotiate, recordRefusal, rejectClient } from './client-connection.js';
import { openSession } from './open-session.js';
import { withGroups } from './session-groups.js';
import { checkStartupParams } from './startup-params.js';

export async function handleTunnelClient(stream: Duplex, ctx: BrokerContext, authenticated: Principal, connectionName: string, remote: string): Promise<void> {
  stream.on('error', () => {});
  const attempt = { connection: connectionName, subject: authenticated.subject };
  try {
    const connection = ctx.config.connections.get(connectionName);
    if (!connection) throw new AirlockError('BRK_ERR_CONNECTION_UNKNOWN', `"${connectionName}"`);
    const principal = withGroups(authenticated, ctx.access.grantedGroups(authenticated, connection.name));
    if (!principal.groups.some((g) => connection.allowGroups.includes(g))) {
      throw new AirlockError('BRK_ERR_CONNECTION_FORBIDDEN', `"${connection.name}"`);
    }
    const { params, rest } = await negotiate(stream, ctx, false);
    // No password exchange follows: bytes after the StartupMessage come too early.
    if (rest.length) throw new AirlockError('BRK_ERR_PROTOCOL', 'data sent before the start-up completed');
    const startup = checkStartupParams(params);
    const sessionId = randomUUID();
    const recorder = SessionRecorder.forSession(ctx.store, sessionId, ctx.config.recording);
    await openSession({ ctx, client: stream, principal, tokenPrincipal: authenticated, connection, startup, recorder, sessionId, remote, tls: false, via: 'tunnel' });
  } catch (e) {
    rejectClient(stream, e, ctx, remote);
    recordRefusal(e, ctx, remote, attempt);
  }
}
