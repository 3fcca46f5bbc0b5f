/**
 * The two cookies the page sets, read and written by hand (no cookie plugin needed for two
 * opaque random ids). Both are `HttpOnly` (no script reads them), `SameSite=Lax` (sent on the
 * top-level redirect back from the identity provider, not on cross-site subrequests or POSTs),
 * and `Secure` with the `__Host-` prefix when the page is served over https, which pins them to
 * this exact host and path `/` (RFC 6265bis §4.1.3.2).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface CookieNames {
  /** The signed-in session. */
  readonly session: string;
  /** A sign-in in progress (state, nonce and PKCE verifier are kept server-side under this id). */
  readonly login: string;
  readonly secure: boolean;
}

export function cookieNames(publicUrl: string): CookieNames {
  const secure = new URL(publicUrl).protocol === 'https:';
  const prefix = secure ? '__Host-' : '';
  return { session: `${prefix}airlock_session`, login: `${prefix}airlock_login`, secure };
}

/** The value of cookie `name`, from the request's Cookie header(s). */
export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    // Our values are base64url; anything else is not ours.
    return /^[A-Za-z0-9_-]{1,128}$/.test(value) ? value : undefined;
  }
  return undefined;
}

export function setCookie(reply: FastifyReply, names: CookieNames, name: string, value: string, maxAgeSeconds: number): void {
  const attrs = [`${name}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`];
  if (names.secure) attrs.push('Secure');
  appendSetCookie(reply, attrs.join('; '));
}

export function clearCookie(reply: FastifyReply, names: CookieNames, name: string): void {
  setCookie(reply, names, name, '', 0);
}

function appendSetCookie(reply: FastifyReply, line: string): void {
  const existing = reply.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing.map(String) : [String(existing)];
  reply.header('set-cookie', [...list, line]);
}
