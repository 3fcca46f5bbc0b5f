/**
 * The page of one time-boxed access request: where `AccessRequest.url` points.
 *
 *   GET  /access/:id              the request in full, with the decision form and the Revoke button
 *   POST /access/:id/decision     verdict + comment + csrf → AccessService.decide → 303 back
 *   POST /access/:id/revoke       csrf → AccessService.revoke (ends a grant, withdraws a request) → 303 back
 *
 * Same rules as the statement pages: a request the viewer may not see is "not found", every POST
 * passes the CSRF and Origin checks, and the outcome is a flash message on the page redirected to.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AccessRequest } from '../../approvals/types.js';
import { isAirlockError } from '../../errors/airlock-error.js';
import { accessDetailBody, mayRevoke } from './access-view.js';
import { layout } from './layout.js';
import { currentSession, formOf, needSignIn, sendMessage, sendPage, sentence, type PageContext } from './page-context.js';
import { pendingCount } from './queues.js';
import { allowedOrigins, csrfRefusal } from './security.js';
import type { Flash, PageSession } from './session-store.js';

const ID = /^acc_[A-Za-z0-9_-]{16}$/;
const MAX_COMMENT = 2000;

/** What a POST's action ends in: a flash on the request's page, or an answer it already sent. */
type Outcome = { readonly flash: Flash } | { readonly sent: FastifyReply };

function notFound(reply: FastifyReply, session: PageSession): FastifyReply {
  return sendMessage(reply, 404, 'Not found', 'There is no access request with this id that you can see.', { href: '/approvals', label: 'Back to the inbox' }, session);
}

function decidedText(verdict: 'approve' | 'deny', after: AccessRequest): string {
  if (verdict === 'deny') return 'You denied this request. No access is granted.';
  if (after.state === 'active' && after.activeUntil !== undefined) {
    return `You approved this request. The access is active until ${after.activeUntil.replace('T', ' ').slice(0, 19)} UTC.`;
  }
  return 'Your approval was recorded. The request still needs other reviewers.';
}

export function registerAccessRoutes(app: FastifyInstance, ctx: PageContext): void {
  const service = ctx.deps.access;

  app.get<{ Params: { id: string } }>('/access/:id', async (request, reply) => {
    const id = request.params.id;
    const session = await currentSession(ctx, request);
    if (session === undefined) return needSignIn(ctx, reply, ID.test(id) ? `/access/${id}` : '/approvals');
    const a = ID.test(id) ? service.get(id) : undefined;
    if (a === undefined || !service.visibleTo(session.principal, a)) return notFound(reply, session);
    const pending = a.state === 'pending';
    // Pending and active requests can still change (a decision, the end of the grant): keep them live.
    const live = pending || a.state === 'active';
    const count = pendingCount(ctx, session.principal);
    const flash = await ctx.sessions.takeFlash(session);
    return sendPage(reply, 200, (nonce) =>
      layout({
        title: `Access to ${a.connection}`,
        nonce,
        session,
        tab: pending ? 'inbox' : 'history',
        view: live ? 'detail' : 'message',
        detailId: a.id,
        pendingCount: count,
        flash,
        body: accessDetailBody({ a, viewer: session.principal, canDecide: service.canDecide(session.principal, a), canRevoke: mayRevoke(session.principal, a), csrf: session.csrf }),
      }),
    );
  });

  /**
   * The part both POSTs share: session, CSRF/Origin checks, id shape; then `act` runs and its
   * flash (or the service's refusal, in words) is shown on the request's page.
   */
  const post = (path: string, refused: string, act: (id: string, session: PageSession, form: URLSearchParams | undefined, reply: FastifyReply) => Promise<Outcome>): void => {
    app.post<{ Params: { id: string }; Body: unknown }>(path, async (request, reply) => {
      const id = request.params.id;
      const back = ID.test(id) ? `/access/${id}` : '/approvals';
      const session = await currentSession(ctx, request);
      if (session === undefined) return needSignIn(ctx, reply, back);
      const form = formOf(request.body);
      if (csrfRefusal(request, session, form?.get('csrf') ?? undefined, allowedOrigins(request, ctx.publicUrl())) !== undefined) {
        return sendMessage(reply, 403, 'Request refused', `This ${refused} did not come from the approval page (the security check failed). Nothing was changed. Reload the request and try again.`, { href: back, label: 'Back to the request' }, session);
      }
      if (!ID.test(id)) return notFound(reply, session);
      try {
        const outcome = await act(id, session, form, reply);
        if ('sent' in outcome) return outcome.sent;
        await ctx.sessions.setFlash(session.id, outcome.flash);
      } catch (e) {
        if (!isAirlockError(e)) throw e;
        if (e.code === 'BRK_ERR_NOT_FOUND') return notFound(reply, session);
        await ctx.sessions.setFlash(session.id, { kind: 'error', text: sentence(e.message) });
      }
      return reply.redirect(back, 303);
    });
  };

  post('/access/:id/decision', 'decision', async (id, session, form, reply) => {
    const verdict = form?.get('verdict');
    const comment = form?.get('comment') ?? '';
    if ((verdict !== 'approve' && verdict !== 'deny') || comment.length > MAX_COMMENT) {
      const text = `Choose Approve or Deny, with a comment of at most ${MAX_COMMENT} characters.`;
      return { sent: sendMessage(reply, 400, 'Not a valid decision', text, { href: `/access/${id}`, label: 'Back to the request' }, session) };
    }
    const after = await service.decide(id, session.principal, verdict, comment);
    return { flash: { kind: 'ok', text: decidedText(verdict, after) } };
  });

  post('/access/:id/revoke', 'revocation', async (id, session) => {
    const after = await service.revoke(id, session.principal);
    return { flash: { kind: 'ok', text: after.state === 'cancelled' ? 'You withdrew this request. No access is granted.' : 'You revoked this access. It has ended.' } };
  });
}
