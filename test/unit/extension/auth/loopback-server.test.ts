/**
 * Contract: the loopback listener binds 127.0.0.1 on an ephemeral port, accepts exactly one
 * GET /callback (resolving with the full URL), answers it with a static escaped page without
 * scripts, 404s anything else, refuses a foreign `state`, and rejects on timeout or abort.
 */
import { describe, expect, it } from 'vitest';
import { isAuthError } from '../../../../extension/auth/auth-error.js';
import { startLoopback } from '../../../../extension/auth/loopback-server.js';

describe('startLoopback', () => {
  it('listens on 127.0.0.1 with an ephemeral port and resolves with the full callback URL', async () => {
    const lb = await startLoopback({ timeoutMs: 5000 });
    expect(lb.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const res = await fetch(`${lb.redirectUri}?code=abc&state=s1`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Signed in to Airlock');
    expect(html).toContain('You can close this tab');
    expect(html).not.toMatch(/<script/i);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const url = await lb.result;
    expect(url.searchParams.get('code')).toBe('abc');
    expect(url.href).toBe(`${lb.redirectUri}?code=abc&state=s1`);
  });

  it('answers other paths with 404 and keeps waiting', async () => {
    const lb = await startLoopback({ timeoutMs: 5000 });
    const base = new URL(lb.redirectUri);
    expect((await fetch(new URL('/favicon.ico', base))).status).toBe(404);
    expect((await fetch(lb.redirectUri, { method: 'POST' })).status).toBe(404);
    await fetch(`${lb.redirectUri}?code=x`);
    await expect(lb.result).resolves.toBeInstanceOf(URL);
  });

  it('closes after one callback', async () => {
    const lb = await startLoopback({ timeoutMs: 5000 });
    await fetch(`${lb.redirectUri}?code=1`);
    await lb.result;
    await lb.close();
    await expect(fetch(`${lb.redirectUri}?code=2`)).rejects.toThrow();
  });

  it('shows a failure page for an error response and still resolves with it', async () => {
    const lb = await startLoopback({ timeoutMs: 5000 });
    const res = await fetch(`${lb.redirectUri}?error=access_denied&error_description=%3Cscript%3Ex%3C%2Fscript%3E`);
    const html = await res.text();
    expect(html).toContain('Sign-in failed');
    expect(html).not.toMatch(/<script/i);
    expect((await lb.result).searchParams.get('error')).toBe('access_denied');
  });

  it('refuses a callback with a foreign state', async () => {
    const lb = await startLoopback({ timeoutMs: 5000, expectedState: 'mine' });
    const res = await fetch(`${lb.redirectUri}?code=c&state=theirs`);
    expect(res.status).toBe(400);
    await expect(lb.result).rejects.toSatisfy((e) => isAuthError(e, 'AUTH_STATE_MISMATCH'));
  });

  it('rejects on timeout', async () => {
    const lb = await startLoopback({ timeoutMs: 50 });
    await expect(lb.result).rejects.toSatisfy((e) => isAuthError(e, 'AUTH_TIMEOUT'));
    await expect(fetch(lb.redirectUri)).rejects.toThrow();
  });

  it('rejects when aborted, and refuses to start when already aborted', async () => {
    const ac = new AbortController();
    const lb = await startLoopback({ timeoutMs: 5000, signal: ac.signal });
    ac.abort();
    await expect(lb.result).rejects.toSatisfy((e) => isAuthError(e, 'AUTH_CANCELLED'));
    await expect(startLoopback({ timeoutMs: 5000, signal: ac.signal })).rejects.toSatisfy((e) => isAuthError(e, 'AUTH_CANCELLED'));
  });
});
