/**
 * `GET /audit/stream`: Server-Sent Events for the replay pages. Each frame only names a session
 * the viewer may see (their own, or any for an auditor) and what happened to it; the page then
 * fetches the fresh HTML itself, so nothing of a session's content travels on the stream.
 * Streams end with the page session or the broker, and are capped like the inbox's.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { AirlockEvent, PersonRef } from '../../approvals/types.js';
import { maySeeSession } from '../../recording/queries.js';
import { safeJson } from './html.js';
import { currentSession, type PageContext } from './page-context.js';
import { securityHeaderObject } from './security.js';

const HEARTBEAT_MS = 15_000;
const MAX_PER_SESSION = 8;
const MAX_TOTAL = 500;

/** The session an event is about and whose it is; undefined for events not about a session. */
export function sessionOfEvent(event: AirlockEvent): { id: string; owner: PersonRef } | undefined {
  switch (event.type) {
    case 'session.started':
    case 'session.ended':
      return { id: event.session.sessionId, owner: event.session.requester };
    case 'statement.blocked':
      return { id: event.statement.sessionId, owner: event.statement.requester };
    case 'result.masked':
      return { id: event.masked.sessionId, owner: event.masked.requester };
    case 'approval.requested':
    case 'approval.updated':
    case 'approval.decided':
      return { id: event.approval.sessionId, owner: event.approval.requester };
    default:
      return undefined;
  }
}

interface Stream {
  readonly sessionId: string;
  end(): void;
}

export function registerAuditStream(app: FastifyInstance, ctx: PageContext): void {
  const streams = new Set<Stream>();
  const auditors = ctx.deps.config.recording.auditorGroups;

  ctx.sessions.onEnd((sessionId) => {
    for (const s of streams) if (s.sessionId === sessionId) s.end();
  });
  app.addHook('preClose', async () => {
    for (const s of streams) s.end();
  });

  app.get('/audit/stream', { exposeHeadRoute: false }, async (request, reply) => {
    const session = currentSession(ctx, request);
    const headers = { ...securityHeaderObject(), 'content-type': 'text/plain; charset=utf-8' };
    if (session === undefined) return reply.status(401).headers(headers).send('sign in first\n');
    let mine = 0;
    for (const s of streams) if (s.sessionId === session.id) mine++;
    if (mine >= MAX_PER_SESSION || streams.size >= MAX_TOTAL) return reply.status(429).headers(headers).send('too many live connections\n');

    reply.hijack();
    const res: ServerResponse = reply.raw;
    res.writeHead(200, { ...securityHeaderObject(), 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 3000\n\n');

    const send = (event: AirlockEvent): void => {
      const about = sessionOfEvent(event);
      if (about === undefined) return;
      const live = ctx.sessions.get(session.id);
      if (live === undefined) return stream.end();
      // Groups as of the viewer's sign-in token: the same principal the pages use.
      if (!maySeeSession(live.principal, about.owner, auditors)) return;
      res.write(`event: session\ndata: ${safeJson({ id: about.id, type: event.type })}\n\n`);
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
