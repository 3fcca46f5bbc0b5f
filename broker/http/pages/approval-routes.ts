/**
 * The reviewer's pages.
 *
 *   GET  /approvals                 pending requests the reviewer may see, newest first (live)
 *   GET  /approvals/history         closed requests
 *   GET  /approvals/:id             one request in full, with the decision form
 *   POST /approvals/:id/decision    verdict + comment + csrf → ApprovalService.decide → 303 back
 *
 * Someone else's request is "not found", never "forbidden", as in the API: no oracle for ids.
 */
import type { FastifyInstance } from 'fastify';
import type { ApprovalRequest } from '../../approvals/types.js';
import { isAirlockError } from '../../errors/airlock-error.js';
import { detailBody } from './detail-view.js';
import { historyBody, inboxBody } from './inbox-view.js';
import { layout } from './layout.js';
import { currentSession, needSignIn, sendMessage, sendPage, type PageContext } from './page-context.js';
import { allowedOrigins, csrfRefusal } from './security.js';
import type { PageSession } from './session-store.js';

const ID = /^apr_[A-Za-z0-9_-]{16}$/;
const MAX_COMMENT = 2000;
/** Requests scanned for a list; the store keeps a bounded history anyway. */
const SCAN = 5000;
const SHOWN = 200;

function takeFlash(session: PageSession): PageSession['flash'] {
  const f = session.flash;
  session.flash = undefined;
  return f;
}

/** "you may not decide on this request: nobody…" → "You may not decide on this request: nobody…." */
function sentence(message: string): string {
  const s = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

export function registerApprovalRoutes(app: FastifyInstance, ctx: PageContext): void {
  const service = ctx.deps.approvals;

  const visible = (session: PageSession, filter: (a: ApprovalRequest) => boolean): ApprovalRequest[] =>
    service.list({ limit: SCAN }).filter((a) => filter(a) && service.visibleTo(session.principal, a)).slice(0, SHOWN);
  const pendingFor = (session: PageSession): ApprovalRequest[] => visible(session, (a) => a.state === 'pending');

  app.get('/approvals', async (request, reply) => {
    const session = currentSession(ctx, request);
    if (session === undefined) return needSignIn(ctx, reply, '/approvals');
    const pending = pendingFor(session);
    return sendPage(reply, 200, (nonce) =>
      layout({ title: 'Inbox', nonce, session, tab: 'inbox', view: 'inbox', pendingCount: pending.length, flash: takeFlash(session), body: inboxBody(pending, session.principal) }),
    );
  });

  app.get('/approvals/history', async (request, reply) => {
    const session = currentSession(ctx, request);
    if (session === undefined) return needSignIn(ctx, reply, '/approvals/history');
    const closed = visible(session, (a) => a.state !== 'pending');
    const count = pendingFor(session).length;
    return sendPage(reply, 200, (nonce) =>
      layout({ title: 'History', nonce, session, tab: 'history', view: 'history', pendingCount: count, flash: takeFlash(session), body: historyBody(closed) }),
    );
  });

  app.get<{ Params: { id: string } }>('/approvals/:id', async (request, reply) => {
    const id = request.params.id;
    const session = currentSession(ctx, request);
    if (session === undefined) return needSignIn(ctx, reply, ID.test(id) ? `/approvals/${id}` : '/approvals');
    const a = ID.test(id) ? service.get(id) : undefined;
    if (a === undefined || !service.visibleTo(session.principal, a)) {
      return sendMessage(reply, 404, 'Not found', 'There is no approval request with this id that you can see.', { href: '/approvals', label: 'Back to the inbox' }, session);
    }
    const pending = a.state === 'pending';
    const count = pendingFor(session).length;
    return sendPage(reply, 200, (nonce) =>
      layout({
        title: `Request on ${a.connection}`,
        nonce,
        session,
        tab: pending ? 'inbox' : 'history',
        view: pending ? 'detail' : 'message',
        detailId: a.id,
        pendingCount: count,
        flash: takeFlash(session),
        body: detailBody(a, session.principal, service.canDecide(session.principal, a), session.csrf),
      }),
    );
  });

  app.post<{ Params: { id: string }; Body: unknown }>('/approvals/:id/decision', async (request, reply) => {
    const id = request.params.id;
    const back = ID.test(id) ? `/approvals/${id}` : '/approvals';
    const session = currentSession(ctx, request);
    if (session === undefined) return needSignIn(ctx, reply, back);
    const form = request.body instanceof URLSearchParams ? request.body : undefined;
    if (csrfRefusal(request, session, form?.get('csrf') ?? undefined, allowedOrigins(request, ctx.publicUrl())) !== undefined) {
      return sendMessage(reply, 403, 'Request refused', 'This decision did not come from the approval page (the security check failed). Nothing was decided. Reload the request and try again.', { href: back, label: 'Back to the request' }, session);
    }
    const verdict = form?.get('verdict');
    const comment = form?.get('comment') ?? '';
    if (!ID.test(id) || (verdict !== 'approve' && verdict !== 'deny') || comment.length > MAX_COMMENT) {
      return sendMessage(reply, 400, 'Not a valid decision', `Choose Approve or Deny, with a comment of at most ${MAX_COMMENT} characters.`, { href: back, label: 'Back to the request' }, session);
    }
    try {
      const after = await service.decide(id, session.principal, verdict, comment);
      const text =
        verdict === 'deny' ? 'You denied this request. The statement will not run.'
        : after.state === 'approved' ? 'You approved this request. The statement is released to run.'
        : 'Your approval was recorded. The request still needs other reviewers.';
      session.flash = { kind: 'ok', text };
    } catch (e) {
      if (!isAirlockError(e)) throw e;
      if (e.code === 'BRK_ERR_NOT_FOUND') {
        return sendMessage(reply, 404, 'Not found', 'There is no approval request with this id that you can see.', { href: '/approvals', label: 'Back to the inbox' }, session);
      }
      session.flash = { kind: 'error', text: sentence(e.message) };
    }
    return reply.redirect(back, 303);
  });
}
