/**
 * Browser-facing defences of the page: response headers, the CSRF checks on every POST, and
 * `returnTo` validation (no open redirect).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PageSession } from './session-store.js';
import { sameToken } from './session-store.js';

/** A fresh CSP nonce per response (CSP Level 3 §6.7.2.3: unguessable, never reused). */
export function newCspNonce(): string {
  return randomBytes(18).toString('base64');
}

/**
 * Nothing loads from anywhere but this page: scripts and styles only with this response's
 * nonce, no plugins, no framing (clickjacking), forms post only here, no `<base>` tricks.
 */
export function contentSecurityPolicy(nonce: string | undefined): string {
  const inline = nonce === undefined ? "'none'" : `'nonce-${nonce}'`;
  return [
    "default-src 'none'",
    `script-src ${inline}`,
    `style-src ${inline}`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** Headers on every page response (redirects and the event stream included). */
export function setSecurityHeaders(reply: FastifyReply, nonce?: string): void {
  reply.header('content-security-policy', contentSecurityPolicy(nonce));
  reply.header('x-frame-options', 'DENY');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('x-content-type-options', 'nosniff');
  reply.header('cache-control', 'no-store');
  reply.header('cross-origin-opener-policy', 'same-origin');
}

/** The same headers for a hijacked (raw) response such as the event stream. */
export function securityHeaderObject(): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(undefined),
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  };
}

export type CsrfRefusal = 'cross-site' | 'bad-token';

/**
 * OWASP CSRF Prevention Cheat Sheet: a synchronizer token (per session, in a hidden field,
 * compared in constant time) plus the defence-in-depth header checks — Fetch Metadata
 * (`Sec-Fetch-Site` must be `same-origin`, or `none` for a user-typed navigation) and a
 * standard-header origin check (`Origin`, when sent, must be this site). Browsers send `Origin`
 * on every cross-origin POST, so a forged form post fails here even before the token check.
 */
export function csrfRefusal(request: FastifyRequest, session: PageSession, token: string | undefined, allowedOrigins: readonly string[]): CsrfRefusal | undefined {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return 'cross-site';
  const origin = request.headers.origin;
  // Our own pages send `Referrer-Policy: no-referrer`, and with that policy browsers send
  // `Origin: null` on form posts (Fetch, "serializing a request origin"). `null` is then only
  // accepted together with Fetch Metadata saying same-origin, which a page elsewhere cannot fake.
  const sameOriginNull = origin === 'null' && site === 'same-origin';
  if (origin !== undefined && !sameOriginNull && !allowedOrigins.includes(origin)) return 'cross-site';
  if (token === undefined || !sameToken(token, session.csrf)) return 'bad-token';
  return undefined;
}

/** This site's origins: the public URL's, and the one the request came in on (Host header). */
export function allowedOrigins(request: FastifyRequest, publicUrl: string): string[] {
  return [new URL(publicUrl).origin, `${request.protocol}://${request.host}`];
}

const DEFAULT_RETURN = '/approvals';

/**
 * A `returnTo` that stays on this site: a path starting with exactly one `/` (not `//host` or
 * `/\host`, which browsers treat as another host), no control characters, and — parsed against
 * a placeholder origin — still on that origin and under `/approvals`, `/access/` or `/audit/sessions`. Anything else becomes
 * `/approvals` (OWASP Unvalidated Redirects and Forwards Cheat Sheet).
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2000) return DEFAULT_RETURN;
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return DEFAULT_RETURN;
  // Control characters and spaces, which some browsers strip before parsing.
  if (/[\u0000-\u0020\u007f]/.test(value)) return DEFAULT_RETURN;
  const base = 'http://airlock.invalid';
  let parsed: URL;
  try {
    parsed = new URL(value, base);
  } catch {
    return DEFAULT_RETURN;
  }
  if (parsed.origin !== base) return DEFAULT_RETURN;
  // Only back into the approval and replay pages (an access request's link is /access/<id>): never to
  // /auth/… (a sign-in loop) or the JSON API.
  const page = parsed.pathname === '/approvals' || parsed.pathname.startsWith('/approvals/') || parsed.pathname.startsWith('/access/') || parsed.pathname === '/audit/sessions' || parsed.pathname.startsWith('/audit/sessions/');
  if (!page) return DEFAULT_RETURN;
  return `${parsed.pathname}${parsed.search}`;
}
