/**
 * Server-Sent Events for the pages (the inbox, the replay pages): one stream per open tab, fed
 * from the event bus, each frame rendered for the signed-in viewer or dropped. A stream ends when
 * its page session ends (sign-out, token expiry) or the broker closes — open streams would
 * otherwise keep `app.close()` waiting for ever; connections per session and in all are capped.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html
 */
import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { AirlockEvent } from '../../approvals/types.js';
import type { Principal } from '../../identity/types.js';
import { currentSession, type PageContext } from './page-context.js';
import { securityHeaderObject } from './security.js';

const HEARTBEAT_MS = 15_000;
const MAX_PER_SESSION = 8;
const MAX_TOTAL = 500;

/** The SSE frame for `event` as `viewer` may see it, or undefined to send nothing. */
export type RenderEvent = (event: AirlockEvent, viewer: Principal) => string | undefined;

interface Stream {
  readonly sessionId: string;
  end(): void;
}

export function registerPageStream(app: FastifyInstance, ctx: PageContext, path: string, render: RenderEvent): void {
  const streams = new Set<Stream>();

  ctx.sessions.onEnd((sessionId) => {
    for (const s of streams) if (s.sessionId === sessionId) s.end();
  });
  app.addHook('preClose', async () => {
    for (const s of streams) s.end();
  });

  // No automatic HEAD route: a HEAD would open a stream that never sends anything.
  app.get(path, { exposeHeadRoute: false }, async (request, reply) => {
    const session = await currentSession(ctx, request);
    const headers = { ...securityHeaderObject(), 'content-type': 'text/plain; charset=utf-8' };
    if (session === undefined) return reply.status(401).headers(headers).send('sign in first\n');
    let mine = 0;
    for (const s of streams) if (s.sessionId === session.id) mine++;
    if (mine >= MAX_PER_SESSION || streams.size >= MAX_TOTAL) return reply.status(429).headers(headers).send('too many live connections\n');

    reply.hijack();
    const res: ServerResponse = reply.raw;
    res.writeHead(200, { ...securityHeaderObject(), 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    // Reconnect after 3 s when the connection drops (the scripts show "Reconnecting…").
    res.write('retry: 3000\n\n');

    const send = (event: AirlockEvent): void => {
      if (session.expiresAt <= Date.now()) return stream.end();
      // Rendered for the principal of the viewer's sign-in, the one the pages use.
      const frame = render(event, session.principal);
      if (frame !== undefined) res.write(frame);
    };
    const unsubscribe = ctx.deps.events.subscribe(send);
    // A sign-out here ends the stream at once (onEnd above); one on another replica of a shared
    // store, at the next beat, when the session is no longer found.
    const heartbeat = setInterval(() => {
      ctx.sessions.get(session.id).then(
        (live) => {
          if (live === undefined) stream.end();
          else if (streams.has(stream)) res.write(': keep-alive\n\n');
        },
        () => stream.end(),
      );
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
