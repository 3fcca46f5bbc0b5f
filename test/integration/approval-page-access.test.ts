/**
 * Time-boxed access requests on the approval page, over real HTTP against a real broker and its
 * development identity provider: the link in `AccessRequest.url`, the inbox section, the detail
 * with the reason escaped, deciding and revoking through the forms, segregation of duties, CSRF,
 * and live rows on the event stream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewAccessRequest } from '../../broker/approvals/access-service.js';
import type { AccessRequest } from '../../broker/approvals/types.js';
import { startTestBroker, type TestBroker } from '../support/broker-harness.js';
import { expectSecurityHeaders, PageClient } from '../support/approval-page-client.js';

const XSS = '<img src=x onerror=alert(1)>';

let b: TestBroker;
let base: string;
let bob: PageClient;
let alice: PageClient;

/** An access request by `user` (a token with `groups`) for `readonly` on testdb, one hour. */
async function askAccess(user = 'alice', groups = ['developers'], input: Partial<NewAccessRequest> = {}): Promise<AccessRequest> {
  const principal = await b.broker.verifier.verify(await b.token(user, groups));
  return b.broker.access.request(principal, { connection: 'testdb', groups: ['readonly'], durationSeconds: 3600, reason: 'check order 1234', ...input });
}

beforeAll(async () => {
  b = await startTestBroker();
  base = b.broker.httpUrl;
  bob = (await PageClient.signIn(base, 'bob')).page;
  alice = (await PageClient.signIn(base, 'alice')).page;
});
afterAll(async () => {
  await b?.[Symbol.asyncDispose]();
});

describe('access request page: the link', () => {
  it('AccessRequest.url is the page, and answers 200 for a reviewer', async () => {
    const a = await askAccess();
    const url = new URL(b.broker.access.get(a.id)!.url);
    expect(url.origin).toBe(new URL(base).origin);
    expect(url.pathname).toBe(`/access/${a.id}`);
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: bob.cookie } });
    expect(res.status).toBe(200);
    expectSecurityHeaders(res);
    expect(await res.text()).toContain(`Access to testdb`);
  });

  it('signed out, it sends to sign-in and comes back to the same page', async () => {
    const a = await askAccess();
    const res = await fetch(`${base}/access/${a.id}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`/auth/login?returnTo=${encodeURIComponent(`/access/${a.id}`)}`);
    const { location } = await PageClient.signIn(base, 'bob', `/access/${a.id}`);
    expect(location).toBe(`/access/${a.id}`);
  });

  it('is not found for someone who may not see it, and for malformed ids', async () => {
    const carols = await askAccess('carol', ['developers']);
    for (const path of [`/access/${carols.id}`, '/access/acc_AAAAAAAAAAAAAAAA', '/access/not-an-id']) {
      const res = await alice.get(path);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
    }
  });
});

describe('access request page: inbox and detail', () => {
  it('the inbox lists it for a reviewer, with its own section and label, and not for a stranger', async () => {
    const a = await askAccess('carol', ['developers']);
    const inbox = await bob.html('/approvals');
    expect(inbox).toContain('<h2>Access requests</h2>');
    expect(inbox).toMatch(new RegExp(`<li id="row-${a.id}"[^>]*><a class="row" href="/access/${a.id}">`));
    const row = inbox.slice(inbox.indexOf(`row-${a.id}`));
    expect(row).toContain('<span class="kind">Access</span><strong>readonly</strong> on <strong>testdb</strong> for 1 h');
    expect(row).toContain('Needs your review');
    expect(await alice.html('/approvals')).not.toContain(a.id);
    // The header count includes access requests.
    const count = Number(/id="pending-count"[^>]*>(\d+)</.exec(inbox)?.[1]);
    expect(count).toBe(b.broker.access.list(1000).filter((x) => x.state === 'pending').length);
  });

  it("the requester sees their own request as theirs, without a decision form but with Revoke", async () => {
    const a = await askAccess();
    expect(await alice.html('/approvals')).toContain(`row-${a.id}`);
    const page = await alice.html(`/access/${a.id}`);
    expect(page).toContain('This is your own request');
    expect(page).not.toContain('name="verdict"');
    expect(page).toContain(`action="/access/${a.id}/revoke"`);
  });

  it('renders the reason and the comments as text', async () => {
    const reason = `${XSS}</p><script>alert(2)</script> \u202Eevil`;
    const a = await askAccess('alice', ['developers'], { reason });
    const comment = `<svg onload=alert(3)></textarea>`;
    const csrf = await bob.csrf(`/access/${a.id}`);
    // Deny, so the comment is shown on a closed request too.
    expect((await bob.post(`/access/${a.id}/decision`, { csrf, verdict: 'deny', comment })).status).toBe(303);
    for (const html of [await bob.html(`/access/${a.id}`), await alice.html(`/access/${a.id}`), await bob.html('/approvals/history')]) {
      expect(html).not.toContain('<img src=x');
      expect(html).not.toContain('<script>alert');
      expect(html).not.toContain('<svg onload');
      expect(html.match(/<script/g)).toHaveLength(1);
    }
    const detail = await bob.html(`/access/${a.id}`);
    expect(detail).toContain('&lt;img src=x onerror=alert(1)&gt;&lt;/p&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(detail).toContain('&lt;svg onload=alert(3)&gt;&lt;/textarea&gt;');
    // A direction override cannot make the reason read differently.
    expect(detail).toContain('U+202E');
  });

  it('shows who asks, for what and how long, the reviewers needed, and the expiry', async () => {
    const a = await askAccess();
    const detail = await bob.html(`/access/${a.id}`);
    expect(detail).toContain('alice@example.com');
    expect(detail).toContain('<span class="chip">readonly</span>');
    expect(detail).toContain('<span class="big">1 h</span>');
    expect(detail).toContain('reviewers: dba');
    expect(detail).toContain('1 approval needed');
    expect(detail).toContain(`data-expires="${a.expiresAt}"`);
    expect(detail).toContain(a.id);
    expect(detail).toContain('name="verdict" value="approve"');
    expect(detail).toContain('data-view="detail"');
  });
});

describe('access request page: deciding and revoking', () => {
  it('bob approves through the form: active, with its window and a countdown to its end', async () => {
    const a = await askAccess();
    const csrf = await bob.csrf(`/access/${a.id}`);
    const res = await bob.post(`/access/${a.id}/decision`, { csrf, verdict: 'approve', comment: 'ok for an hour' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/access/${a.id}`);
    const after = b.broker.access.get(a.id)!;
    expect(after.state).toBe('active');
    expect(after.activeUntil).toBeDefined();
    expect(Date.parse(after.activeUntil!) - Date.parse(after.activeFrom!)).toBe(3600_000);
    expect(after.decisions[0]).toMatchObject({ verdict: 'approve', comment: 'ok for an hour', reviewer: { subject: 'bob' } });

    const page = await bob.html(`/access/${a.id}`);
    expect(page).toContain('You approved this request. The access is active until');
    expect(page).toContain('<span class="badge active">active</span>');
    expect(page).toContain(`data-expires="${after.activeUntil}" data-label="ends" data-done="ended"`);
    expect(page).toContain('ok for an hour');
    expect(page).not.toContain('name="verdict"');
    // The flash is shown once; the request is now in the history, not the inbox.
    expect(await bob.html(`/access/${a.id}`)).not.toContain('You approved this request');
    expect(await bob.html('/approvals')).not.toContain(`row-${a.id}`);
    expect(await bob.html('/approvals/history')).toContain(`row-${a.id}`);
  });

  it('revokes an active grant through the form', async () => {
    const a = await askAccess();
    const csrf = await bob.csrf(`/access/${a.id}`);
    await bob.post(`/access/${a.id}/decision`, { csrf, verdict: 'approve', comment: '' });
    expect(b.broker.access.get(a.id)?.state).toBe('active');
    const page = await alice.html(`/access/${a.id}`);
    expect(page).toContain('End this access');
    const res = await alice.post(`/access/${a.id}/revoke`, { csrf: await alice.csrf(`/access/${a.id}`) });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/access/${a.id}`);
    const after = b.broker.access.get(a.id)!;
    expect(after.state).toBe('revoked');
    expect(after.revokedBy?.subject).toBe('alice');
    const closed = await alice.html(`/access/${a.id}`);
    expect(closed).toContain('You revoked this access');
    expect(closed).not.toContain(`action="/access/${a.id}/revoke"`);
    expect(closed).toContain('Revoked by');
  });

  it('a reviewer withdraws a pending request with Revoke', async () => {
    const a = await askAccess();
    const res = await bob.post(`/access/${a.id}/revoke`, { csrf: await bob.csrf(`/access/${a.id}`) });
    expect(res.status).toBe(303);
    expect(b.broker.access.get(a.id)?.state).toBe('cancelled');
    expect(await bob.html(`/access/${a.id}`)).toContain('You withdrew this request');
  });

  it('the requester cannot approve their own request, even as a reviewer', async () => {
    const a = await askAccess('bob', ['dba']);
    const page = await bob.html(`/access/${a.id}`);
    expect(page).toContain('This is your own request');
    expect(page).not.toContain('name="verdict"');
    const res = await bob.post(`/access/${a.id}/decision`, { csrf: await bob.csrf(`/access/${a.id}`), verdict: 'approve', comment: 'me' });
    expect(res.status).toBe(303);
    expect(await bob.html(`/access/${a.id}`)).toContain('nobody approves their own request');
    expect(b.broker.access.get(a.id)?.state).toBe('pending');
  });

  it('refuses a decision or a revocation without the CSRF token, with a wrong one, and from another site', async () => {
    const a = await askAccess();
    const csrf = await bob.csrf(`/access/${a.id}`);
    const attempts: [Record<string, string>, Record<string, string>][] = [
      [{}, {}],
      [{ csrf: 'x'.repeat(43) }, {}],
      [{ csrf }, { origin: 'https://evil.example' }],
      [{ csrf }, { origin: 'null', 'sec-fetch-site': 'cross-site' }],
      [{ csrf }, { 'sec-fetch-site': 'same-site' }],
    ];
    for (const [form, headers] of attempts) {
      for (const [path, extra] of [[`/access/${a.id}/decision`, { verdict: 'approve' }], [`/access/${a.id}/revoke`, {}]] as const) {
        const res = await bob.post(path, { ...form, ...extra }, headers);
        expect(res.status).toBe(403);
        expect(res.headers.get('content-type')).toMatch(/text\/html/);
        expectSecurityHeaders(res);
        expect(await res.text()).toContain('Nothing was changed');
      }
    }
    expect(b.broker.access.get(a.id)).toMatchObject({ state: 'pending', decisions: [] });
    // The same post with the token, from this origin, is accepted.
    const ok = await bob.post(`/access/${a.id}/decision`, { verdict: 'deny', csrf, comment: 'no' }, { origin: base });
    expect(ok.status).toBe(303);
    expect(b.broker.access.get(a.id)?.state).toBe('denied');
  });

  it('answers a malformed decision and a stranger\'s post with a page, not JSON', async () => {
    const a = await askAccess();
    const bad = await bob.post(`/access/${a.id}/decision`, { csrf: await bob.csrf(`/access/${a.id}`), verdict: 'maybe' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/text\/html/);
    const carols = await askAccess('carol', ['developers']);
    const hidden = await alice.post(`/access/${carols.id}/revoke`, { csrf: await alice.csrf() });
    expect(hidden.status).toBe(404);
    expect(b.broker.access.get(carols.id)?.state).toBe('pending');
  });
});

describe('access request page: live events', () => {
  it('streams access.requested rows to reviewers, and only what the viewer may see', async () => {
    let seen = '';
    const text = await bob.events(
      async () => {
        seen = (await askAccess('alice', ['developers'], { reason: `live ${XSS}` })).id;
      },
      () => seen,
    );
    expect(text).toContain('event: access');
    const line = text.split('\n').find((l) => l.startsWith('data: ') && l.includes(seen)) ?? '';
    expect(line).not.toContain('<img');
    const data = JSON.parse(line.slice(6)) as { type: string; id: string; state: string; row: string };
    expect(data).toMatchObject({ type: 'access.requested', id: seen, state: 'pending' });
    expect(data.row).toContain(`href="/access/${seen}"`);
    expect(data.row).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(data.row).toContain('Needs your review');

    // Alice hears of her own request, not of carol's made just before it.
    let hidden = '';
    let own = '';
    const hers = await alice.events(
      async () => {
        hidden = (await askAccess('carol', ['developers'])).id;
        own = (await askAccess()).id;
      },
      () => own,
    );
    expect(hers).toContain(own);
    expect(hers).not.toContain(hidden);
  });

  it('streams access.decided so the row leaves the inbox', async () => {
    const a = await askAccess();
    const csrf = await bob.csrf(`/access/${a.id}`);
    const text = await bob.events(
      async () => {
        await bob.post(`/access/${a.id}/decision`, { csrf, verdict: 'approve', comment: '' });
      },
      () => '"type":"access.decided"',
    );
    const line = text.split('\n').find((l) => l.startsWith('data: ') && l.includes('access.decided')) ?? '';
    const data = JSON.parse(line.slice(6)) as { type: string; id: string; state: string; row?: string };
    expect(data).toMatchObject({ id: a.id, state: 'active' });
    expect(data.row).toBeUndefined();
  });
});
