/**
 * `GET /audit/stream`: Server-Sent Events for the replay pages. Each frame only names a session
 * the viewer may see (their own, or any for an auditor) and what happened to it; the page then
 * fetches the fresh HTML itself, so nothing of a session's content travels on the stream.
 * The stream itself: page-stream.ts.
 */
import type { FastifyInstance } from 'fastify';
import type { AirlockEvent, PersonRef } from '../../approvals/types.js';
import { maySeeSession } from '../../recording/session-visibility.js';
import { safeJson } from './html.js';
import type { PageContext } from './page-context.js';
import { registerPageStream } from './page-stream.js';

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

export function registerAuditStream(app: FastifyInstance, ctx: PageContext): void {
  const auditors = ctx.deps.config.recording.auditorGroups;
  registerPageStream(app, ctx, '/audit/stream', (event, viewer) => {
    const about = sessionOfEvent(event);
    if (about === undefined || !maySeeSession(viewer, about.owner, auditors)) return undefined;
    return `event: session\ndata: ${safeJson({ id: about.id, type: event.type })}\n\n`;
  });
}
