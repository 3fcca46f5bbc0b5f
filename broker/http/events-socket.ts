/**
 * `GET /v1/events` upgraded to a WebSocket (RFC 6455): the live stream the editor panel and
 * scripts follow. Authenticated like every API call (`Authorization: Bearer <token>` on the
 * upgrade request); each connection sees only what its principal may see — a user their own
 * requests, sessions and blocked statements, a reviewer the requests they may review. The
 * socket closes when the token expires (code 4001), and a client that stops reading is cut off
 * rather than buffered without bound (code 1013).
 */
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApprovalService } from '../approvals/approval-service.js';
import type { EventBus } from '../approvals/event-bus.js';
import { reviewerGroupsHeld, samePerson } from '../approvals/review-rules.js';
import type { AirlockEvent } from '../approvals/types.js';
import type { Principal, TokenVerifier } from '../identity/types.js';
import { withBearer, type UpgradeHandler } from './upgrades.js';

const MAX_BUFFERED = 1 << 20;
const PING_MS = 30_000;

export interface EventsSocketDeps {
  readonly verifier: TokenVerifier;
  readonly events: EventBus;
  readonly approvals: ApprovalService;
}

/** Whether `p` may see `e`. */
export function maySee(p: Principal, e: AirlockEvent, approvals: ApprovalService): boolean {
  switch (e.type) {
    case 'approval.requested':
    case 'approval.updated':
    case 'approval.decided':
      return approvals.visibleTo(p, e.approval);
    case 'access.requested':
    case 'access.updated':
    case 'access.decided':
      return samePerson(p, e.access.requester) || reviewerGroupsHeld(p, e.access.requirements).length > 0;
    case 'statement.blocked':
      return samePerson(p, e.statement.requester);
    case 'result.masked':
      return samePerson(p, e.masked.requester);
    case 'session.started':
    case 'session.ended':
      return samePerson(p, e.session.requester);
  }
}

/** The `/v1/events` upgrade: bearer token, then the stream of what the caller may see. */
export function eventsUpgrade(deps: EventsSocketDeps): UpgradeHandler {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  return {
    handle(req, socket, head) {
      withBearer(req, socket, deps.verifier, (principal) => wss.handleUpgrade(req, socket, head, (ws) => serve(ws, principal, deps)));
    },
    close() {
      for (const c of wss.clients) c.close(1001, 'broker shutting down');
      wss.close();
    },
  };
}

function serve(ws: WebSocket, p: Principal, deps: EventsSocketDeps): void {
  const send = (data: unknown): void => {
    if (ws.bufferedAmount > MAX_BUFFERED) {
      ws.close(1013, 'too slow: events are not being read');
      return;
    }
    ws.send(JSON.stringify(data));
  };
  const pending = deps.approvals.list({ state: 'pending', limit: 1000 }).filter((a) => deps.approvals.visibleTo(p, a));
  send({ type: 'hello', at: new Date().toISOString(), subject: p.subject, groups: p.groups, pendingApprovals: pending });
  const unsubscribe = deps.events.subscribe((e) => {
    if (ws.readyState === ws.OPEN && maySee(p, e, deps.approvals)) send(e);
  });
  const expiry = setTimeout(() => ws.close(4001, 'token expired'), Math.max(0, p.expiresAt * 1000 - Date.now()));
  let alive = true;
  const ping = setInterval(() => {
    if (!alive) return ws.terminate();
    alive = false;
    ws.ping();
  }, PING_MS);
  expiry.unref();
  ping.unref();
  ws.on('pong', () => (alive = true));
  // The stream is one-way: anything the client sends is ignored (maxPayload bounds it).
  ws.on('message', () => {});
  ws.on('close', () => {
    unsubscribe();
    clearTimeout(expiry);
    clearInterval(ping);
  });
  ws.on('error', () => ws.terminate());
}
