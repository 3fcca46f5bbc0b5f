/**
 * `GET /approvals/stream`: Server-Sent Events for the page's live inbox. Fed from the event
 * bus; each connection only hears of requests its reviewer may see (`visibleTo`), and each row
 * is rendered for that reviewer. Statements arrive as `event: approval`, access requests as
 * `event: access` (the script keeps them in separate lists). A stream ends when its session ends (sign-out, token expiry)
 * or the broker closes; connections per session and in all are capped.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { AirlockEvent, AirlockEventType } from '../../approvals/types.js';
import type { Principal } from '../../identity/types.js';
import { accessRow } from './access-view.js';
import { safeJson } from './html.js';
import { inboxRow } from './inbox-view.js';
import { currentSession, type PageContext } from './page-context.js';
import { securityHeaderObject } from './security.js';

const HEARTBEAT_MS = 15_000;
const MAX_PER_SESSION = 8;
const MAX_TOTAL = 500;

/** What the page shows live; other events (sessions, blocked statements) are not for reviewers here. */
const PAGE_EVENTS: ReadonlySet<AirlockEventType> = new Set(['approval.requested', 'approval.updated', 'approval.decided', 'access.requested', 'access.updated', 'access.decided']);

/** The SSE frame for `event`, with the row rendered for `viewer`; undefined when `viewer` may not see it. */
function renderEvent(ctx: PageContext, event: AirlockEvent, viewer: Principal): string | undefined {
  if (event.type === 'access.requested' || event.type === 'access.updated' || event.type === 'access.decided') {
    const a = event.access;
    if (!ctx.deps.access.visibleTo(viewer, a)) return undefined;
    const data = { type: event.type, id: a.id, state: a.state, ...(a.state === 'pending' ? { row: accessRow(a, viewer).value } : {}) };
    return `event: access\ndata: ${safeJson(data)}\n\n`;
  }
  if (event.type === 'approval.requested' || event.type === 'approval.updated' || event.type === 'approval.decided') {
    const a = event.approval;
    if (!ctx.deps.approvals.visibleTo(viewer, a)) return undefined;
    const data = { type: event.type, id: a.id, state: a.state, ...(a.state === 'pending' ? { row: inboxRow(a, viewer).value } : {}) };
    return `event: approval\ndata: ${safeJson(data)}\n\n`;
  }
  return undefined;
}

interface Stream {
  readonly sessionId: string;
  end(): void;
}

export function registerEventStream(app: FastifyInstance, ctx: PageContext): void {
  const streams = new Set<Stream>();

  ctx.sessions.onEnd((sessionId) => {
    for (const s of streams) if (s.sessionId === sessionId) s.end();
  });
  // Open streams would keep `app.close()` waiting for ever: end them before the server closes.
  app.addHook('preClose', async () => {
    for (const s of streams) s.end();
  });

  // No automatic HEAD route: a HEAD would open a stream that never sends anything.
  app.get('/approvals/stream', { exposeHeadRoute: false }, async (request, reply) => {
    const session = currentSession(ctx, request);
    const headers = { ...securityHeaderObject(), 'content-type': 'text/plain; charset=utf-8' };
    if (session === undefined) return reply.status(401).headers(headers).send('sign in first\n');
    let mine = 0;
    for (const s of streams) if (s.sessionId === session.id) mine++;
    if (mine >= MAX_PER_SESSION || streams.size >= MAX_TOTAL) return reply.status(429).headers(headers).send('too many live connections\n');

    reply.hijack();
    const res: ServerResponse = reply.raw;
    res.writeHead(200, { ...securityHeaderObject(), 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    // Reconnect after 3 s when the connection drops (the script shows "Reconnecting…").
    res.write('retry: 3000\n\n');

    const send = (event: AirlockEvent): void => {
      if (!PAGE_EVENTS.has(event.type)) return;
      const live = ctx.sessions.get(session.id);
      if (live === undefined) return stream.end();
      const frame = renderEvent(ctx, event, live.principal);
      if (frame !== undefined) res.write(frame);
    };
    const unsubscribe = ctx.deps.events.subscribe(send);
    const heartbeat = setInterval(() => {
      if (ctx.sessions.get(session.id) === undefined) stream.end();
      else res.write(': keep-alive\n\n');
    }, HEARTBEAT_MS);
    heartbeat.unref();
    const stream: Stream = {
      sessionId: session.id,
      end() {
        if (!streams.delete(stream)) return;
        unsubscribe();
        clearInterval(heartbeat);
        res.end();
      },
    };
    streams.add(stream);
    request.raw.on('close', () => stream.end());
    res.on('error', () => stream.end());
  });
}
