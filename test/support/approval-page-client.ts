/**
 * A headless reviewer for the approval page: signs in through the real OIDC flow (the page's
 * /auth/login → the development provider's login form → /auth/callback) with plain HTTP
 * requests, then keeps the page's session cookie for later requests. Redirects are not
 * followed, so tests can assert on each one.
 */
import { expect } from 'vitest';
import { followAuthorization } from './dev-idp.js';

export interface SignInResult {
  readonly page: PageClient;
  /** Where the callback finally sent the browser (the sanitized returnTo). */
  readonly location: string;
  /** The Set-Cookie line of the session cookie. */
  readonly sessionCookie: string;
}

export class PageClient {
  constructor(
    readonly baseUrl: string,
    readonly cookie: string,
  ) {}

  /** Performs the whole sign-in as `user` (a dev provider user). */
  static async signIn(baseUrl: string, user: string, returnTo = '/approvals'): Promise<SignInResult> {
    const start = await fetch(`${baseUrl}/auth/login?returnTo=${encodeURIComponent(returnTo)}`, { redirect: 'manual' });
    if (start.status !== 302) throw new Error(`/auth/login answered ${start.status}: ${await start.text()}`);
    const loginCookie = cookiePair(start, /airlock_login=/);
    const authorize = start.headers.get('location') ?? '';
    const callback = await followAuthorization(authorize, user, `${baseUrl}/auth/callback`);
    const done = await fetch(callback, { redirect: 'manual', headers: { cookie: loginCookie } });
    if (done.status !== 303) throw new Error(`/auth/callback answered ${done.status}: ${await done.text()}`);
    const line = done.headers.getSetCookie().find((c) => /airlock_session=[^;]/.test(c)) ?? '';
    return { page: new PageClient(baseUrl, line.split(';')[0] ?? ''), location: done.headers.get('location') ?? '', sessionCookie: line };
  }

  get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, { redirect: 'manual', headers: { cookie: this.cookie, ...headers } });
  }

  async html(path: string): Promise<string> {
    const res = await this.get(path);
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
    return res.text();
  }

  /**
   * A form post as a browser on the page sends it: the page's `no-referrer` policy makes the
   * browser send `Origin: null`, with `Sec-Fetch-Site: same-origin`. `headers` override these;
   * an empty value leaves a header out.
   */
  post(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    const all: Record<string, string> = { cookie: this.cookie, 'content-type': 'application/x-www-form-urlencoded', origin: 'null', 'sec-fetch-site': 'same-origin', ...headers };
    for (const [k, v] of Object.entries(all)) if (v === '') delete all[k];
    return fetch(`${this.baseUrl}${path}`, { method: 'POST', redirect: 'manual', headers: all, body: new URLSearchParams(form).toString() });
  }

  /**
   * Opens the page's event stream, runs `during`, and returns what the stream sent until it
   * contained `until()` (checked as text arrives).
   */
  async events(during: () => Promise<void>, until: () => string): Promise<string> {
    const res = await this.get('/approvals/stream', { accept: 'text/event-stream' });
    if (res.status !== 200 || !res.headers.get('content-type')?.startsWith('text/event-stream')) throw new Error(`stream answered ${res.status}`);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    await during();
    while (!text.includes(until())) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    await reader.cancel();
    return text;
  }

  /** The CSRF token from the hidden field of a page. */
  async csrf(path = '/approvals'): Promise<string> {
    const m = /name="csrf" value="([^"]+)"/.exec(await this.html(path));
    if (!m) throw new Error(`no csrf field on ${path}`);
    return m[1]!;
  }
}

function cookiePair(res: Response, name: RegExp): string {
  const line = res.headers.getSetCookie().find((c) => name.test(c));
  if (line === undefined) throw new Error(`no cookie ${name}`);
  return line.split(';')[0] ?? '';
}

/** The headers every page response must carry. */
export function expectSecurityHeaders(res: Response): void {
  const csp = res.headers.get('content-security-policy') ?? '';
  for (const d of ["default-src 'none'", "img-src 'self' data:", "connect-src 'self'", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'"]) {
    expect(csp).toContain(d);
  }
  expect(csp).not.toContain('unsafe-inline');
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('cache-control')).toBe('no-store');
}
