/**
 * The reviewer's pages.
 *
 *   GET  /approvals                 pending statements, then pending access requests, the reviewer may see (live)
 *   GET  /approvals/history         closed statements and access requests (and active grants), newest first
 *   GET  /approvals/:id             one request in full, with the decision form
 *   POST /approvals/:id/decision    verdict + comment + csrf → ApprovalService.decide → 303 back
 *
 * Someone else's request is "not found", never "forbidden", as in the API: no oracle for ids.
 * The access request pages themselves are in access-routes.ts.
 */
import type { FastifyInstance } from 'fastify';
import { isAirlockError } from '../../errors/airlock-error.js';
import { detailBody } from './detail-view.js';
import { historyBody, inboxBody } from './inbox-view.js';
import { layout } from './layout.js';
import { currentSession, formOf, needSignIn, sendMessage, sendPage, sentence, type PageContext } from './page-context.js';
import { isPending, pendingCount, SHOWN, visibleAccess, visibleApprovals } from './queues.js';
import { allowedOrigins, csrfRefusal } from './security.js';

const ID = /^apr_[A-Za-z0-9_-]{16}$/;
const MAX_COMMENT = 2000;

export function registerApprovalRoutes(app: FastifyInstance, ctx: PageContext): void {
  const service = ctx.deps.approvals;

  app.get('/approvals', async (request, reply) => {
    const session = await currentSession(ctx, request);
    if (session === undefined) return needSignIn(ctx, reply, '/approvals');
    const pending = visibleApprovals(ctx, session.principal, isPending);
    const access = visibleAccess(ctx, session.principal, isPending);
    const flash = await ctx.sessions.takeFlash(session);
    return sendPage(reply, 200, (nonce) =>
      layout({
        title: 'Inbox',
        nonce,
        session,
        tab: 'inbox',
        view: 'inbox',
        pendingCount: pending.length + access.length,
        flash,
        body: inboxBody(pending, access, session.principal),
      }),
    );
  });

  app.get('/approvals/history', async (request, reply) => {
    const session = await currentSession(ctx, request);
    if (session === undefined) return needSignIn(ctx, reply, '/approvals/history');
    const notPending = (a: { readonly state: string }): boolean => !isPending(a);
    // Active grants are listed here too (not pending, not yet over), so they can be found and revoked.
    const closed = visibleApprovals(ctx, session.principal, notPending);
    const access = visibleAccess(ctx, session.principal, notPending);
    const count = pendingCount(ctx, session.principal);
    const flash = await ctx.sessions.takeFlash(session);
    return sendPage(reply, 200, (nonce) =>
      layout({ title: 'History', nonce, session, tab: 'history', view: 'history', pendingCount: count, flash, body: historyBody(closed, access, SHOWN) }),
    );
  });

  app.get<{ Params: { id: string } }>('/approvals/:id', async (request, reply) => {
    const id = request.params.id;
    const session = await currentSession(ctx, request);
    if (session === undefined) return needSignIn(ctx, reply, ID.test(id) ? `/approvals/${id}` : '/approvals');
    const a = ID.test(id) ? service.get(id) : undefined;
    if (a === undefined || !service.visibleTo(session.principal, a)) {
      return sendMessage(reply, 404, 'Not found', 'There is no approval request with this id that you can see.', { href: '/approvals', label: 'Back to the inbox' }, session);
    }
    const pending = a.state === 'pending';
    const count = pendingCount(ctx, session.principal);
    const flash = await ctx.sessions.takeFlash(session);
    return sendPage(reply, 200, (nonce) =>
      layout({
        title: `Request on ${a.connection}`,
        nonce,
        session,
        tab: pending ? 'inbox' : 'history',
        view: pending ? 'detail' : 'message',
        detailId: a.id,
        pendingCount: count,
        flash,
        body: detailBody(a, session.principal, service.canDecide(session.principal, a), session.csrf),
      }),
    );
  });

  app.post<{ Params: { id: string }; Body: unknown }>('/approvals/:id/decision', async (request, reply) => {
    const id = request.params.id;
    const back = ID.test(id) ? `/approvals/${id}` : '/approvals';
    const session = await currentSession(ctx, request);
    if (session === undefined) return needSignIn(ctx, reply, back);
    const form = formOf(request.body);
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
      await ctx.sessions.setFlash(session.id, { kind: 'ok', text });
    } catch (e) {
      if (!isAirlockError(e)) throw e;
      if (e.code === 'BRK_ERR_NOT_FOUND') {
        return sendMessage(reply, 404, 'Not found', 'There is no approval request with this id that you can see.', { href: '/approvals', label: 'Back to the inbox' }, session);
      }
      await ctx.sessions.setFlash(session.id, { kind: 'error', text: sentence(e.message) });
    }
    return reply.redirect(back, 303);
  });
}
