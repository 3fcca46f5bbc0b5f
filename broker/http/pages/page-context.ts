/**
 * What every page route shares: the dependencies, the session store, the cookie names, the
 * sign-in client (undefined when no issuer is configured), and the helpers that send a page
 * with its security headers or send a signed-out visitor to sign in.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../build-app.js';
import { cookieNames, readCookie, type CookieNames } from './cookies.js';
import type { SafeHtml } from './html.js';
import { messagePage } from './layout.js';
import { OidcSignIn, signInSettings } from './oidc-sign-in.js';
import { CALLBACK_PATH, effectivePublicUrl } from './page-client.js';
import { newCspNonce, setSecurityHeaders } from './security.js';
import { MemoryPageSessions, type PageSession, type PageSessions } from './session-store.js';

export interface PageContext {
  readonly deps: AppDeps;
  readonly sessions: PageSessions;
  readonly cookies: CookieNames;
  readonly signIn: OidcSignIn | undefined;
  /** `config.publicUrl`, with the real port when it was configured as 0. */
  publicUrl(): string;
}

export function createPageContext(deps: AppDeps, app: FastifyInstance): PageContext {
  const publicUrl = (): string => effectivePublicUrl(deps.config.publicUrl, app.server.address());
  const settings = signInSettings(deps);
  return {
    deps,
    sessions: deps.pageSessions ?? new MemoryPageSessions(),
    cookies: cookieNames(deps.config.publicUrl),
    signIn: settings === undefined ? undefined : new OidcSignIn(settings, () => `${publicUrl()}${CALLBACK_PATH}`),
    publicUrl,
  };
}

/** Sends an HTML page with a fresh CSP nonce for its inline style and script. */
export function sendPage(reply: FastifyReply, status: number, build: (nonce: string) => SafeHtml): FastifyReply {
  const nonce = newCspNonce();
  setSecurityHeaders(reply, nonce);
  return reply.status(status).type('text/html; charset=utf-8').send(build(nonce).value);
}

export function sendMessage(reply: FastifyReply, status: number, title: string, text: string, link?: { href: string; label: string }, session?: PageSession): FastifyReply {
  return sendPage(reply, status, (nonce) => messagePage(nonce, title, text, link, session));
}

export function currentSession(ctx: PageContext, request: FastifyRequest): Promise<PageSession | undefined> {
  return ctx.sessions.get(readCookie(request, ctx.cookies.session));
}

/** The answer when sign-in is needed: to the sign-in start, or an explanation if there is no issuer. */
export function needSignIn(ctx: PageContext, reply: FastifyReply, returnTo: string): FastifyReply {
  if (ctx.signIn === undefined) return signInNotConfigured(reply);
  return reply.redirect(`/auth/login?returnTo=${encodeURIComponent(returnTo)}`, 302);
}

export function signInNotConfigured(reply: FastifyReply): FastifyReply {
  return sendMessage(
    reply,
    503,
    'Sign-in is not configured',
    'Reviewers sign in with OpenID Connect, but this broker has no issuer for the approval page. Set approvals.page.issuer (and register the page as a client there), or enable identity.devProvider for local development.',
  );
}

/** "you may not decide on this request: nobody…" → "You may not decide on this request: nobody…." */
export function sentence(message: string): string {
  const s = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

/** The urlencoded form of a POST (parsed by the plugin's content-type parser), if it was one. */
export function formOf(body: unknown): URLSearchParams | undefined {
  return body instanceof URLSearchParams ? body : undefined;
}
