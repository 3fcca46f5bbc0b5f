/**
 * Sign-in and sign-out of the approval page.
 *
 *   GET  /auth/login?returnTo=/approvals/…   starts the code flow (state, nonce, PKCE kept server-side)
 *   GET  /auth/callback                      exchanges the code, verifies the ACCESS token, opens a session
 *   POST /auth/logout                        (CSRF-checked) ends the session
 *   GET  /auth/signed-out                    says so
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAirlockError } from '../../errors/airlock-error.js';
import type { Principal } from '../../identity/types.js';
import { clearCookie, readCookie, setCookie } from './cookies.js';
import { newNonce, newPkceVerifier, newState, SignInError } from './oidc-sign-in.js';
import { currentSession, sendMessage, signInNotConfigured, type PageContext } from './page-context.js';
import { allowedOrigins, csrfRefusal, safeReturnTo } from './security.js';
import { FLOW_TTL_SECONDS } from './session-store.js';

function queryString(request: FastifyRequest): string {
  const q = request.url.indexOf('?');
  return q === -1 ? '' : request.url.slice(q);
}

function signInFailed(reply: FastifyReply, status: number, text: string): FastifyReply {
  return sendMessage(reply, status, 'Sign-in failed', text, { href: '/auth/login', label: 'Sign in again' });
}

export function registerAuthRoutes(app: FastifyInstance, ctx: PageContext): void {
  app.get<{ Querystring: { returnTo?: string } }>('/auth/login', async (request, reply) => {
    const signIn = ctx.signIn;
    if (signIn === undefined) return signInNotConfigured(reply);
    const returnTo = safeReturnTo(request.query.returnTo);
    const { id, flow } = await ctx.sessions.startFlow({ state: newState(), nonce: newNonce(), codeVerifier: newPkceVerifier(), returnTo });
    let target: URL;
    try {
      target = await signIn.authorizationUrl(flow);
    } catch (e) {
      if (e instanceof SignInError) return sendMessage(reply, e.status, 'Sign-in unavailable', e.message);
      throw e;
    }
    setCookie(reply, ctx.cookies, ctx.cookies.login, id, FLOW_TTL_SECONDS);
    return reply.redirect(target.href, 302);
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/auth/callback', async (request, reply) => {
    const signIn = ctx.signIn;
    if (signIn === undefined) return signInNotConfigured(reply);
    const flow = await ctx.sessions.takeFlow(readCookie(request, ctx.cookies.login));
    clearCookie(reply, ctx.cookies, ctx.cookies.login);
    if (request.query['error'] !== undefined) {
      const cancelled = request.query['error'] === 'access_denied';
      return signInFailed(reply, 400, cancelled ? 'The sign-in was cancelled.' : 'The sign-in provider refused the sign-in.');
    }
    // No flow: the sign-in took too long, ran in another browser, or was started by someone else
    // (login CSRF, RFC 6749 §10.12) — the state check below would fail anyway.
    if (flow === undefined) return signInFailed(reply, 400, 'This sign-in has expired or was started elsewhere. Please sign in again.');
    let accessToken: string;
    try {
      accessToken = await signIn.exchange(queryString(request), flow);
    } catch (e) {
      if (e instanceof SignInError) return signInFailed(reply, e.status, e.message);
      throw e;
    }
    let principal: Principal;
    try {
      principal = await ctx.deps.verifier.verify(accessToken);
    } catch (e) {
      if (!isAirlockError(e)) throw e;
      return signInFailed(reply, 403, `The broker refused the access token from the sign-in: ${e.message}.`);
    }
    const previous = readCookie(request, ctx.cookies.session);
    if (previous !== undefined) await ctx.sessions.end(previous);
    // A fresh session id at every sign-in (no session fixation).
    const session = await ctx.sessions.create(principal);
    setCookie(reply, ctx.cookies, ctx.cookies.session, session.id, (session.expiresAt - Date.now()) / 1000);
    return reply.redirect(flow.returnTo, 303);
  });

  app.post<{ Body: unknown }>('/auth/logout', async (request, reply) => {
    const session = await currentSession(ctx, request);
    if (session === undefined) return reply.redirect('/auth/signed-out', 303);
    const token = request.body instanceof URLSearchParams ? (request.body.get('csrf') ?? undefined) : undefined;
    if (csrfRefusal(request, session, token, allowedOrigins(request, ctx.publicUrl())) !== undefined) {
      return sendMessage(reply, 403, 'Request refused', 'This sign-out did not come from this page. Nothing was changed.', { href: '/approvals', label: 'Back to approvals' }, session);
    }
    await ctx.sessions.end(session.id);
    clearCookie(reply, ctx.cookies, ctx.cookies.session);
    return reply.redirect('/auth/signed-out', 303);
  });

  app.get('/auth/signed-out', async (_request, reply) =>
    sendMessage(reply, 200, 'Signed out', 'You are signed out of the approval page.', { href: '/approvals', label: 'Sign in again' }),
  );
}
