/**
 * A local PostgreSQL endpoint on 127.0.0.1 that carries every accepted connection to the
 * broker through a WebSocket tunnel (`/v1/tunnel/<connection>`) with the caller's bearer
 * token. Database clients connect to it without a password; the token never reaches them.
 *
 * When the tunnel cannot open (broker down, token refused, no such connection), the local
 * client gets a PostgreSQL FATAL error saying why instead of a dropped connection: the
 * forwarder answers an SSLRequest with 'N', waits for the StartupMessage, then sends it.
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import WebSocket, { createWebSocketStream } from 'ws';
import { isLoopbackHost } from '../config/validate-util.js';
import { backendMessages as bm } from '../protocol/postgres/index.js';

export interface ForwarderOptions {
  /** The broker's HTTP address, `http(s)://host:port`. */
  readonly brokerUrl: string;
  readonly connection: string;
  /** A fresh bearer token for each new connection (tokens expire; connections do not). */
  readonly token: () => Promise<string>;
  readonly host?: string;
  readonly port?: number;
  readonly onEvent?: (e: ForwarderEvent) => void;
  /** DANGER: send the bearer token over plain `http://` to a broker that is not on this machine. */
  readonly allowInsecure?: boolean;
}

/** Thrown when the broker URL would send the token in cleartext across a network. */
export class InsecureBrokerUrl extends Error {}

/** A token may travel over plain HTTP only to this machine; anywhere else it must be https. */
export function checkBrokerUrl(brokerUrl: string, allowInsecure = false): void {
  const u = new URL(brokerUrl);
  if (u.protocol === 'https:' || allowInsecure) return;
  if (u.protocol !== 'http:') throw new InsecureBrokerUrl(`broker URL ${brokerUrl} must be http:// or https://`);
  if (!isLoopbackHost(u.hostname)) throw new InsecureBrokerUrl(`refusing to send a token in cleartext to ${u.host}: use an https:// broker URL`);
}

export type ForwarderEvent =
  | { readonly type: 'opened'; readonly id: number }
  | { readonly type: 'closed'; readonly id: number }
  | { readonly type: 'refused'; readonly id: number; readonly message: string };

export interface Forwarder {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/** SSLRequest: Int32 8, Int32 80877103. */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 4, 0xd2, 0x16, 0x2f]);

export function tunnelUrl(brokerUrl: string, connection: string): string {
  const u = new URL(brokerUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/v1/tunnel/${encodeURIComponent(connection)}`;
  return u.href;
}

export async function startForwarder(o: ForwarderOptions): Promise<Forwarder> {
  checkBrokerUrl(o.brokerUrl, o.allowInsecure);
  const url = tunnelUrl(o.brokerUrl, o.connection);
  const open = new Set<Socket>();
  let next = 1;
  const server = createServer({ noDelay: true, pauseOnConnect: true }, (local) => {
    const id = next++;
    open.add(local);
    local.on('close', () => {
      open.delete(local);
      o.onEvent?.({ type: 'closed', id });
    });
    local.on('error', () => local.destroy());
    void tunnel(local, id, url, o);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    host: addr.address,
    port: addr.port,
    close: () =>
      new Promise((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function tunnel(local: Socket, id: number, url: string, o: ForwarderOptions): Promise<void> {
  let token: string;
  try {
    token = await o.token();
  } catch (e) {
    return refuse(local, id, `could not get a token: ${(e as Error).message}`, o);
  }
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false, handshakeTimeout: 10_000 });
  ws.once('unexpected-response', (_req, res: IncomingMessage) => {
    let body = '';
    res.setEncoding('utf8').on('data', (d: string) => (body += d.slice(0, 4096)));
    res.on('end', () => {
      let message = `the broker answered ${res.statusCode}`;
      try {
        message = (JSON.parse(body) as { message?: string }).message ?? message;
      } catch {
        // not JSON: keep the status
      }
      ws.terminate();
      refuse(local, id, message, o);
    });
  });
  ws.once('error', (e) => refuse(local, id, `the broker at ${new URL(url).host} could not be reached (${(e as NodeJS.ErrnoException).code ?? e.message})`, o));
  ws.once('open', () => {
    ws.removeAllListeners('error');
    const remote = createWebSocketStream(ws);
    remote.on('error', () => local.destroy());
    local.on('close', () => remote.destroy());
    remote.on('close', () => local.destroy());
    local.pipe(remote);
    remote.pipe(local);
    local.resume();
    o.onEvent?.({ type: 'opened', id });
  });
}

/** Reads the client's start-up (declining TLS) and answers with FATAL `message`. */
function refuse(local: Socket, id: number, message: string, o: ForwarderOptions): void {
  if (local.destroyed) return;
  o.onEvent?.({ type: 'refused', id, message });
  const fatal = bm.errorResponse({ severity: 'FATAL', code: '08006', message: `Airlock: ${message}`, hint: 'Check `airlock connect` (broker URL, token, connection name) and try again.' });
  let seen = Buffer.alloc(0);
  local.on('data', (d: Buffer) => {
    seen = Buffer.concat([seen, d]);
    if (seen.length >= 8 && seen.subarray(0, 8).equals(SSL_REQUEST)) {
      seen = seen.subarray(8);
      local.write('N');
    }
    if (seen.length >= 4 && seen.length >= seen.readInt32BE(0)) local.end(fatal);
  });
  local.resume();
  setTimeout(() => local.destroy(), 5000).unref();
}
