/**
 * `/v1/tunnel/<connection>`: a PostgreSQL session carried in binary WebSocket messages, for
 * forwarders (`airlock connect`, the editor extension) that hold the caller's token. The token
 * on the upgrade request is the identity; the bytes inside are plain PostgreSQL protocol and go
 * through the same broker pipeline as a direct client (see proxy/tunnel-client.ts).
 */
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { Principal, TokenVerifier } from '../identity/types.js';
import { refuseUpgrade, withBearer, type UpgradeHandler } from './upgrades.js';

/** Hands an opened tunnel to the proxy. */
export type TunnelHandler = (stream: Duplex, principal: Principal, connection: string, remote: string) => void;

/** Largest WebSocket message accepted from a forwarder: PostgreSQL messages stream across several. */
const MAX_PAYLOAD = 1 << 20;

export function tunnelUpgrade(verifier: TokenVerifier, handler: TunnelHandler | undefined): UpgradeHandler {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD, perMessageDeflate: false });
  return {
    handle(req, socket, head, rest) {
      let connection: string;
      try {
        connection = decodeURIComponent(rest);
      } catch {
        return refuseUpgrade(socket, 404, 'not a connection name');
      }
      if (!handler || connection === '' || connection.includes('/')) return refuseUpgrade(socket, 404, 'no such tunnel');
      withBearer(req, socket, verifier, (principal) =>
        wss.handleUpgrade(req, socket, head, (ws) => {
          const stream = createWebSocketStream(ws);
          handler(stream, principal, connection, req.socket.remoteAddress ?? 'unknown');
        }),
      );
    },
    close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
    },
  };
}
