/**
 * `GET /approvals/stream`: Server-Sent Events for the page's live inbox. Fed from the event
 * bus; each connection only hears of requests its reviewer may see (`visibleTo`), and each row
 * is rendered for that reviewer. Statements arrive as `event: approval`, access requests as
 * `event: access` (the script keeps them in separate lists). The stream itself: page-stream.ts.
 */
import type { FastifyInstance } from 'fastify';
import type { AirlockEvent, AirlockEventType } from '../../approvals/types.js';
import type { Principal } from '../../identity/types.js';
import { accessRow } from './access-view.js';
import { safeJson } from './html.js';
import { inboxRow } from './inbox-view.js';
import type { PageContext } from './page-context.js';
import { registerPageStream } from './page-stream.js';

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

export function registerEventStream(app: FastifyInstance, ctx: PageContext): void {
  registerPageStream(app, ctx, '/approvals/stream', (event, viewer) => (PAGE_EVENTS.has(event.type) ? renderEvent(ctx, event, viewer) : undefined));
}
