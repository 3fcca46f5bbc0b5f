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
import * as bm from '../protocol/postgres/backend-messages.js';
import { StartupReader } from '../protocol/postgres/startup.js';
import { SessionRecorder } from '../recording/session-recorder.js';
import type { BrokerContext } from './broker-context.js';
import { forwardCancel } from './cancel-forward.js';
import { CancelHandled, recordRefusal, rejectClient } from './client-connection.js';
import { readStartupPacket } from './client-io.js';
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
    const params = await readStartup(stream, ctx);
    const startup = checkStartupParams(params);
    const sessionId = randomUUID();
    const recorder = new SessionRecorder(ctx.store, sessionId, ctx.config.recording.recordParameters);
    await openSession({ ctx, client: stream, principal, tokenPrincipal: authenticated, connection, startup, recorder, sessionId, remote, tls: false, via: 'tunnel' });
  } catch (e) {
    rejectClient(stream, e, ctx, remote);
    recordRefusal(e, ctx, remote, attempt);
  }
}

/** SSLRequest and GSSENCRequest are declined, a CancelRequest is served, then the StartupMessage. */
async function readStartup(stream: Duplex, ctx: BrokerContext): Promise<Map<string, string>> {
  let leftover: Buffer = Buffer.alloc(0);
  for (let round = 0; round < 4; round++) {
    const { packet, leftover: rest } = await readStartupPacket(stream, new StartupReader(), leftover);
    leftover = rest;
    switch (packet.type) {
      case 'ssl-request':
        stream.write(bm.sslResponse(false));
        continue;
      case 'gssenc-request':
        stream.write(bm.gssEncResponse(false));
        continue;
      case 'cancel':
        await forwardCancel(ctx, packet.processId, packet.secretKey);
        stream.end();
        throw new CancelHandled();
      case 'startup':
        if (packet.protocolVersion >> 16 !== 3) throw new AirlockError('BRK_ERR_PROTOCOL_VERSION');
        if ((packet.protocolVersion & 0xffff) > 0) {
          stream.write(bm.negotiateProtocolVersion(0, [...packet.params.keys()].filter((k) => k.startsWith('_pq_.'))));
        }
        if (leftover.length) throw new AirlockError('BRK_ERR_PROTOCOL', 'data sent before the start-up completed');
        return packet.params;
    }
  }
  throw new AirlockError('BRK_ERR_PROTOCOL', 'too many negotiation requests');
}
