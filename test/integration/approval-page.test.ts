/**
 * The reviewers' approval page over real HTTP against a real broker and its development
 * identity provider: sign-in, security headers, CSRF, escaping of attacker-controlled text,
 * segregation of duties, redirects, live events.
 */
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml } from '../../broker/http/pages/html.js';
import { approvalPages } from '../../broker/http/pages/index.js';
import { highlightSql, highlightSqlExact } from '../../broker/http/pages/sql-highlight.js';
import { tokenizeSql } from '../../broker/http/pages/sql-tokenizer.js';
import { startTestBroker, type TestBroker } from '../support/broker-harness.js';
import { expectSecurityHeaders, PageClient } from '../support/approval-page-client.js';
import { createPendingRequest, type CreatePendingRequest } from '../support/pending-approval.js';

const createRequest: CreatePendingRequest = createPendingRequest;

let b: TestBroker;
let base: string;
let bob: PageClient;
let alice: PageClient;

beforeAll(async () => {
  b = await startTestBroker();
  base = b.broker.httpUrl;
  bob = (await PageClient.signIn(base, 'bob')).page;
  alice = (await PageClient.signIn(base, 'alice')).page;
});
afterAll(async () => {
  await b?.[Symbol.asyncDispose]();
});

describe('approval page: signed out', () => {
  it('sends every page to sign-in, keeping where to come back to', async () => {
    for (const path of ['/approvals', '/approvals/history', '/approvals/apr_AAAAAAAAAAAAAAAA']) {
      const res = await fetch(`${base}${path}`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(`/auth/login?returnTo=${encodeURIComponent(path)}`);
      expectSecurityHeaders(res);
    }
  });

  it('refuses the event stream and decisions', async () => {
    const stream = await fetch(`${base}/approvals/stream`);
    expect(stream.status).toBe(401);
    const post = await fetch(`${base}/approvals/apr_AAAAAAAAAAAAAAAA/decision`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'verdict=approve' });
    expect(post.status).toBe(302);
    expect(post.headers.get('location')).toMatch(/^\/auth\/login\?/);
  });

  it('starts sign-in at the dev provider with PKCE S256, state, nonce and the broker as resource', async () => {
    const res = await fetch(`${base}/auth/login?returnTo=%2Fapprovals`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const target = new URL(res.headers.get('location') ?? '');
    expect(target.origin).toBe(new URL(b.broker.devProvider!.issuer).origin);
    expect(Object.fromEntries(target.searchParams)).toMatchObject({
      client_id: 'airlock-approval-page',
      redirect_uri: `${base}/auth/callback`,
      code_challenge_method: 'S256',
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      state: expect.stringMatching(/.{20}/),
      nonce: expect.stringMatching(/.{20}/),
      resource: 'urn:airlock:audience:airlock',
    });
    expect(res.headers.getSetCookie().find((c) => c.startsWith('airlock_login='))).toMatch(/; HttpOnly; SameSite=Lax; Max-Age=600$/);
  });
});

describe('approval page: sign-in', () => {
  it('opens a server-side session in an HttpOnly, SameSite=Lax cookie and shows who is signed in', async () => {
    const { page, location, sessionCookie } = await PageClient.signIn(base, 'bob', '/approvals/history');
    expect(location).toBe('/approvals/history');
    expect(sessionCookie).toMatch(/^airlock_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
    const res = await page.get('/approvals');
    expect(res.status).toBe(200);
    expectSecurityHeaders(res);
    const html = await res.text();
    expect(html).toContain('Airlock approvals');
    expect(html).toContain('bob@example.com');
    // No token of any kind reaches the page.
    expect(html).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
  });

  it('the CSP nonce is fresh per response and used by the inline style and script', async () => {
    const a = await bob.get('/approvals');
    const c = await bob.get('/approvals');
    const nonce = /'nonce-([^']+)'/.exec(a.headers.get('content-security-policy') ?? '')?.[1];
    expect(nonce).toBeTruthy();
    expect(/'nonce-([^']+)'/.exec(c.headers.get('content-security-policy') ?? '')?.[1]).not.toBe(nonce);
    const html = await a.text();
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(html).toContain(`<style nonce="${nonce}">`);
  });

  it('refuses an open redirect in returnTo', async () => {
    for (const evil of ['https://evil.example/x', '//evil.example/x', '/\\evil.example', '/\r\nLocation: https://evil.example', '/\t/evil.example', 'javascript:alert(1)', 'approvals', '/auth/login?returnTo=/auth/login', '/v1/approvals']) {
      const { location } = await PageClient.signIn(base, 'bob', evil);
      expect(location).toBe('/approvals');
    }
  });

  it('a callback without its sign-in cookie is refused (login CSRF)', async () => {
    const res = await fetch(`${base}/auth/callback?code=abc&state=xyz`, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.getSetCookie().some((c) => /airlock_session=[^;]/.test(c))).toBe(false);
  });

  it('signs out only with the CSRF token, then the session is gone', async () => {
    const { page } = await PageClient.signIn(base, 'bob');
    expect((await page.post('/auth/logout', {})).status).toBe(403);
    const out = await page.post('/auth/logout', { csrf: await page.csrf() });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/auth/signed-out');
    expect((await page.get('/approvals')).status).toBe(302);
  });
});

describe('approval page: requests', () => {
  it('lists pending requests newest first and shows the detail', async () => {
    const first = await createRequest(b, { sql: 'DELETE FROM audit_me WHERE id = 1' });
    const second = await createRequest(b, { sql: 'DELETE FROM audit_me WHERE id = 2' });
    const inbox = await bob.html('/approvals');
    const i1 = inbox.indexOf(`row-${first.request.id}`);
    const i2 = inbox.indexOf(`row-${second.request.id}`);
    expect(i1).toBeGreaterThan(0);
    expect(i2).toBeGreaterThan(0);
    expect(i2).toBeLessThan(i1);
    expect(inbox).toContain('Needs your review');

    const detail = await bob.html(`/approvals/${second.request.id}`);
    expect(detail).toContain('<span class="k">DELETE</span>');
    expect(detail).toContain('test-rule');
    expect(detail).toContain('rule &quot;test-rule&quot; (approve): a delete statement');
    expect(detail).toContain('public.audit_me');
    expect(detail).toContain('alice@example.com');
    expect(detail).toContain('psql');
    expect(detail).toContain(second.request.sessionId);
    expect(detail).toContain(`data-expires="${second.request.expiresAt}"`);
    expect(detail).toContain('name="verdict" value="approve"');
  });

  it('approves through the form: 303 back with a flash, and the waiting statement is released', async () => {
    const { request, outcome } = await createRequest(b);
    const csrf = await bob.csrf(`/approvals/${request.id}`);
    const res = await bob.post(`/approvals/${request.id}/decision`, { csrf, verdict: 'approve', comment: 'ok, 3 rows' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/approvals/${request.id}`);
    const closed = await outcome;
    expect(closed.state).toBe('approved');
    expect(closed.decisions[0]?.comment).toBe('ok, 3 rows');
    const after = await bob.html(`/approvals/${request.id}`);
    expect(after).toContain('You approved this request');
    expect(after).toContain('This request is closed (approved)');
    expect(after).not.toContain('name="verdict"');
    // The flash is shown once.
    expect(await bob.html(`/approvals/${request.id}`)).not.toContain('You approved this request');
    expect(await bob.html('/approvals/history')).toContain(`row-${request.id}`);
  });

  it('refuses a decision without the CSRF token, with a wrong one, and from another site', async () => {
    const { request } = await createRequest(b);
    const path = `/approvals/${request.id}/decision`;
    const csrf = await bob.csrf(`/approvals/${request.id}`);
    const attempts: [Record<string, string>, Record<string, string>][] = [
      [{ verdict: 'approve' }, {}],
      [{ verdict: 'approve', csrf: 'x'.repeat(43) }, {}],
      [{ verdict: 'approve', csrf }, { origin: 'https://evil.example' }],
      [{ verdict: 'approve', csrf }, { origin: 'null', 'sec-fetch-site': 'cross-site' }],
      [{ verdict: 'approve', csrf }, { origin: 'null', 'sec-fetch-site': '' }],
      [{ verdict: 'approve', csrf }, { 'sec-fetch-site': 'cross-site' }],
      [{ verdict: 'approve', csrf }, { 'sec-fetch-site': 'same-site' }],
    ];
    for (const [form, headers] of attempts) {
      const res = await bob.post(path, form, headers);
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(await res.text()).toContain('Nothing was decided');
    }
    expect(b.broker.approvals.get(request.id)?.state).toBe('pending');
    expect(b.broker.approvals.get(request.id)?.decisions).toHaveLength(0);
    // The same post from this origin (as a browser with a referrer policy that sends it) is accepted.
    const ok = await bob.post(path, { verdict: 'deny', csrf, comment: 'no' }, { origin: base });
    expect(ok.status).toBe(303);
    expect(b.broker.approvals.get(request.id)?.state).toBe('denied');
  });

  it('renders SQL text and comments from attackers as text', async () => {
    const sql = "SELECT '<script>alert(1)</script>' /* </pre><img src=x onerror=alert(1)> */";
    const { request } = await createRequest(b, { sql, requirements: [{ rule: '<b>r</b>', explanation: '"><svg onload=alert(1)>', groups: ['dba'], mode: 'any', quorum: 2 }] });
    const csrf = await bob.csrf(`/approvals/${request.id}`);
    const comment = '<img src=x onerror=alert(2)></textarea><script>alert(3)</script>';
    expect((await bob.post(`/approvals/${request.id}/decision`, { csrf, verdict: 'approve', comment })).status).toBe(303);
    for (const html of [await bob.html(`/approvals/${request.id}`), await bob.html('/approvals')]) {
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html).not.toContain('<script>alert');
      expect(html).not.toContain('<img src=x');
      expect(html).not.toContain('<svg onload');
      expect(html).not.toContain('<b>r</b>');
      // Every <script> on the page is ours, with the nonce.
      expect(html.match(/<script/g)).toHaveLength(1);
    }
    const detail = await bob.html(`/approvals/${request.id}`);
    expect(detail).toContain('&lt;/pre&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(detail).toContain('&lt;img src=x onerror=alert(2)&gt;&lt;/textarea&gt;&lt;script&gt;alert(3)&lt;/script&gt;');
    expect(detail).toContain('&quot;&gt;&lt;svg onload=alert(1)&gt;');
  });

  it('shows direction-changing characters in SQL as visible markers', async () => {
    const { request } = await createRequest(b, { sql: "SELECT 'a\u202Eb'" });
    expect(await bob.html(`/approvals/${request.id}`)).toContain('U+202E');
  });

  it('a reviewer cannot decide their own request', async () => {
    const { request } = await createRequest(b, { requester: { user: 'bob', groups: ['dba'] } });
    const page = await bob.html(`/approvals/${request.id}`);
    expect(page).toContain('This is your own request');
    expect(page).not.toContain('name="verdict"');
    const csrf = await bob.csrf(`/approvals/${request.id}`);
    const res = await bob.post(`/approvals/${request.id}/decision`, { csrf, verdict: 'approve', comment: 'me' });
    expect(res.status).toBe(303);
    expect(await bob.html(`/approvals/${request.id}`)).toContain('nobody approves their own request');
    expect(b.broker.approvals.get(request.id)?.state).toBe('pending');
  });

  it('someone who is not a reviewer sees why, and cannot see requests of others', async () => {
    const own = await createRequest(b, { requester: { user: 'alice', groups: ['developers'] } });
    const others = await createRequest(b, { requester: { user: 'carol', groups: ['developers'] } });
    const page = await alice.html(`/approvals/${own.request.id}`);
    expect(page).toContain('This is your own request');
    expect((await alice.get(`/approvals/${others.request.id}`)).status).toBe(404);
    expect(await alice.html('/approvals')).not.toContain(others.request.id);
    expect((await alice.get('/approvals/not-an-id')).status).toBe(404);
  });

  it('answers a malformed form with a page, not JSON', async () => {
    const { request } = await createRequest(b);
    const csrf = await bob.csrf(`/approvals/${request.id}`);
    const res = await bob.post(`/approvals/${request.id}/decision`, { csrf, verdict: 'maybe' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expectSecurityHeaders(res);
  });
});

describe('approval page: live events', () => {
  it('streams requests the viewer may see, as they happen', async () => {
    let hidden = '';
    let seen = '';
    const text = await bob.events(
      async () => {
        hidden = (await createRequest(b, { requirements: [{ rule: 'r', explanation: 'x', groups: ['security'], mode: 'any', quorum: 1 }], requester: { user: 'carol', groups: [] } })).request.id;
        seen = (await createRequest(b, { sql: "DELETE FROM t WHERE note = '<script>'" })).request.id;
      },
      () => seen,
    );
    expect(text).toContain('event: approval');
    expect(text).not.toContain(hidden);
    const line = text.split('\n').find((l) => l.startsWith('data: ') && l.includes(seen)) ?? '';
    expect(line).not.toContain('<script>');
    const data = JSON.parse(line.slice(6)) as { type: string; state: string; row: string };
    expect(data.type).toBe('approval.requested');
    expect(data.state).toBe('pending');
    expect(data.row).toContain('&lt;script&gt;');
  });
});

describe('SQL highlighter', () => {
  it('keeps every character, and without its own spans the output is exactly the escaped input', () => {
    const nasty = [
      "SELECT '<script>alert(1)</script>' /* </pre><img src=x onerror=alert(1)> */",
      `SELECT $a$ </pre> $a$, E'\\'<x>', "<q>""" FROM t -- <c>\n;`,
      '/* nested /* <b> */ still comment */ SELECT 1', 'SELECT a<>b, c=-->d',
      '/* unterminated <b>', "'unterminated <i>",
    ];
    const strip = (h: string): string => h.replace(/<\/?span[^>]*>/g, '');
    for (const sql of nasty) {
      expect(tokenizeSql(sql).map((t) => t.text).join('')).toBe(sql);
      expect(strip(highlightSqlExact(sql).value)).toBe(escapeHtml(sql));
      // The laid-out form differs from the input only in whitespace outside tokens.
      expect(strip(highlightSql(sql).value).replace(/\s+/g, '')).toBe(escapeHtml(sql).replace(/\s+/g, ''));
    }
  });
});

describe('approval page: no issuer', () => {
  it('says sign-in is not configured', async () => {
    const { config, verifier, store, sessions, approvals, access, events } = b.broker;
    const app = Fastify();
    await app.register(approvalPages({ config, verifier, store, sessions, approvals, access, events, devProvider: undefined, version: 'test' }));
    for (const url of ['/approvals', '/auth/login']) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(503);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.body).toContain('Sign-in is not configured');
    }
    await app.close();
  });
});
