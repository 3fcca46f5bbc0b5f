/**
 * WebSocket upgrades on the HTTP port (RFC 6455 §4): one listener routes them by path —
 * `/v1/events` (the live events stream) and `/v1/tunnel/<connection>` (PostgreSQL through a
 * WebSocket) — and answers anything else, or a request without a valid bearer token, with a
 * plain HTTP error before any WebSocket exists.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { isAirlockError } from '../errors/airlock-error.js';
import type { Principal, TokenVerifier } from '../identity/types.js';

export interface UpgradeHandler {
  handle(req: IncomingMessage, socket: Duplex, head: Buffer, rest: string): void;
  close(): void;
}

const REASONS: Readonly<Record<number, [string, string]>> = {
  401: ['Unauthorized', 'BRK_ERR_UNAUTHENTICATED'],
  404: ['Not Found', 'BRK_ERR_NOT_FOUND'],
};

/** Answers an upgrade request with an HTTP error (JSON body like the API's) and closes. */
export function refuseUpgrade(socket: Duplex, status: 401 | 404, message: string): void {
  const [text, code] = REASONS[status]!;
  const body = JSON.stringify({ code, message });
  const auth = status === 401 ? 'www-authenticate: Bearer\r\n' : '';
  socket.end(`HTTP/1.1 ${status} ${text}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${auth}connection: close\r\n\r\n${body}`);
}

/** Verifies `Authorization: Bearer <token>` on the upgrade request, then calls `then`. */
export function withBearer(req: IncomingMessage, socket: Duplex, verifier: TokenVerifier, then: (p: Principal) => void): void {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!m) return refuseUpgrade(socket, 401, 'no token was presented');
  verifier.verify(m[1]!).then(then, (e: unknown) => refuseUpgrade(socket, 401, isAirlockError(e) ? e.message : 'the token was refused'));
}

/** Routes upgrades by path prefix; `rest` is what follows the prefix. */
export function attachUpgrades(app: FastifyInstance, routes: Readonly<Record<string, UpgradeHandler>>): void {
  const prefixes = Object.keys(routes).sort((a, b) => b.length - a.length);
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = (req.url ?? '').split('?')[0] ?? '';
    const prefix = prefixes.find((p) => path === p || (p.endsWith('/') && path.startsWith(p)));
    if (!prefix) return refuseUpgrade(socket, 404, 'not found');
    routes[prefix]!.handle(req, socket, head, path.slice(prefix.length));
  });
  app.addHook('onClose', async () => {
    for (const h of Object.values(routes)) h.close();
  });
}
