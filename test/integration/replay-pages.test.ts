/**
 * The replay pages (`/audit/sessions`) and the sessions API over real HTTP against a real
 * broker: real psql-protocol sessions recorded in the journal (a refusal, an approval given by
 * bob, an error), plus records written straight into the journal for shapes a session here does
 * not produce (recorded result rows, masking notices, hostile text). Auditors (carol) see every
 * session, everyone else only their own; someone else's session is "not found".
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../broker/http/build-app.js';
import type { NewRecord } from '../../broker/recording/records.js';
import { startTestBroker, type TestBroker } from '../support/broker-harness.js';
import { expectSecurityHeaders, PageClient } from '../support/approval-page-client.js';
import { AUDITOR_USER, closeSession, nextEvent, openSession, recordScenario, type OpenedSession, type ReplayScenario } from '../support/replay-sessions.js';

let b: TestBroker;
let base: string;
let app: FastifyInstance;
let carol: PageClient;
let alice: PageClient;
let bob: PageClient;
let run: ReplayScenario;
/** A session written straight into the journal: dave's, with result rows and a masking notice. */
let dave: string;
let issuer: string;

beforeAll(async () => {
  b = await startTestBroker({ extraUsers: AUDITOR_USER });
  base = b.broker.httpUrl;
  issuer = b.broker.devProvider!.issuer;
  const { config, verifier, store, sessions, approvals, access, events, devProvider } = b.broker;
  app = await buildApp({ config, verifier, store, sessions, approvals, access, events, devProvider, version: 'test' });
  [carol, alice, bob] = await Promise.all(['carol', 'alice', 'bob'].map(async (u) => (await PageClient.signIn(base, u)).page)) as [PageClient, PageClient, PageClient];
  run = await recordScenario(b);
  dave = writeSession(b, {
    subject: 'dave',
    email: 'dave@example.com',
    statements: [
      {
        text: 'SELECT name, email, ssn FROM customers ORDER BY name LIMIT 3',
        result: { columns: ['name', 'email', 'ssn'], rows: [['Ada', '[masked]', '***-**-1234'], ['<img src=x onerror=alert(1)>', '[masked]', null]], truncated: true },
        rows: 3,
        masked: { columns: ['email', 'ssn'], rules: ['pii-email', 'pii-ssn'], values: 4 },
      },
      { text: "SELECT '<script>alert(1)</script>' AS x", action: 'block', rule: '<b>evil</b>', explanation: '"><svg onload=alert(1)>' },
    ],
    broker: 'broker-b',
  });
});
afterAll(async () => {
  await app?.close();
  await b?.[Symbol.asyncDispose]();
});

interface WrittenStatement {
  readonly text: string;
  readonly action?: 'allow' | 'block' | 'approve';
  readonly rule?: string;
  readonly explanation?: string;
  readonly rows?: number;
  readonly result?: { columns: string[]; rows: (string | null)[][]; truncated?: boolean };
  readonly masked?: { columns: string[]; rules: string[]; values: number };
}

/** Records as the proxy writes them, for shapes the sessions in this test cannot produce. */
function writeSession(t: TestBroker, s: { subject: string; email: string; statements: WrittenStatement[]; broker?: string }): string {
  const id = randomUUID();
  const append = (r: NewRecord, extra: Record<string, unknown> = {}): void => {
    t.store.append({ ...r, ...extra } as NewRecord);
  };
  append(
    { type: 'session.start', sessionId: id, connection: 'testdb', subject: s.subject, issuer, email: s.email, groups: ['analysts'], principalKind: 'human', clientAddress: '10.0.0.7', applicationName: 'DBeaver', tls: true, via: 'tunnel' },
    s.broker ? { broker: s.broker } : {},
  );
  s.statements.forEach((st, i) => {
    const statementId = i + 1;
    append({ type: 'statement', sessionId: id, statementId, protocol: 'extended', text: st.text, kinds: ['select'], action: st.action ?? 'allow', rule: st.rule ?? '(default)', explanation: st.explanation ?? 'connection default: allow', parameters: ['42', null] });
    if (st.action === 'block') return;
    append({ type: 'statement.end', sessionId: id, statementId, durationMs: 1.25, rows: st.rows ?? 0, ...(st.result ? { result: st.result } : {}) });
    if (st.masked) append({ type: 'result.masked', sessionId: id, statementId, ...st.masked });
  });
  append({ type: 'session.end', sessionId: id, reason: 'client terminated the session', statements: s.statements.length });
  return id;
}

/** The `data:` lines of the event stream until `until` is among them (or the time is up). */
async function streamEvents(page: PageClient, during: () => Promise<void>, until: (ids: string[]) => boolean): Promise<string[]> {
  const res = await page.get('/audit/stream', { accept: 'text/event-stream' });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const ids = (): string[] => text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => (JSON.parse(l.slice(6)) as { id: string }).id);
  await during();
  const deadline = Date.now() + 5000;
  while (!until(ids()) && Date.now() < deadline) {
    const next = await Promise.race([reader.read(), new Promise<undefined>((r) => setTimeout(() => r(undefined), 300))]);
    if (next === undefined) continue;
    if (next.done) break;
    text += decoder.decode(next.value, { stream: true });
  }
  await reader.cancel();
  return ids();
}

describe('replay pages: sign-in and visibility', () => {
  it('sends a signed-out visitor to sign in and back to the same search', async () => {
    const path = '/audit/sessions?outcome=blocked';
    const res = await fetch(`${base}${path}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`/auth/login?returnTo=${encodeURIComponent(path)}`);
    expectSecurityHeaders(res);
    const { location } = await PageClient.signIn(base, 'carol', path);
    expect(location).toBe(path);
    expect((await fetch(`${base}/audit/fragments/sessions`)).status).toBe(401);
    expect((await fetch(`${base}/audit/stream`)).status).toBe(401);
  });

  it('an auditor sees every session, with the security headers and a nonce on the only script', async () => {
    const res = await carol.get('/audit/sessions');
    expect(res.status).toBe(200);
    expectSecurityHeaders(res);
    const page = await res.text();
    for (const id of [run.alice, run.bob, dave]) expect(page).toContain(`href="/audit/sessions/${id}"`);
    expect(page).toContain('You are an auditor');
    expect(page).toContain('name="person"');
    expect(page).toContain('href="/audit/sessions" class="on">Sessions</a>');
    const nonce = /'nonce-([^']+)'/.exec(res.headers.get('content-security-policy') ?? '')?.[1];
    expect(page.match(/<script/g)).toEqual(['<script']);
    expect(page).toContain(`<script nonce="${nonce}">`);
  });

  it('everyone else sees only their own sessions, and can not search for others', async () => {
    const page = await alice.html('/audit/sessions');
    expect(page).toContain(`href="/audit/sessions/${run.alice}"`);
    expect(page).not.toContain(run.bob);
    expect(page).not.toContain(dave);
    expect(page).not.toContain('name="person"');
    expect(page).toContain('You see your own sessions');
    // A person in the query is ignored, not obeyed.
    const forced = await alice.html('/audit/sessions?person=bob');
    expect(forced).not.toContain(run.bob);
    expect(forced).toContain(run.alice);
    expect(await bob.html('/audit/sessions')).not.toContain(run.alice);
  });

  it("someone else's session is not found (404), never forbidden, on the page and the fragment", async () => {
    for (const path of [`/audit/sessions/${run.bob}`, `/audit/sessions/${dave}`, '/audit/sessions/not-a-session', '/audit/sessions/%3Cscript%3E']) {
      const res = await alice.get(path);
      expect(res.status).toBe(404);
      expectSecurityHeaders(res);
      expect(await res.text()).toContain('There is no session with this id that you can see.');
    }
    expect((await alice.get(`/audit/fragments/sessions/${run.bob}`)).status).toBe(404);
    expect((await alice.get(`/audit/sessions/${run.alice}`)).status).toBe(200);
    expect((await carol.get(`/audit/sessions/${run.bob}`)).status).toBe(200);
  });
});

describe('replay pages: search', () => {
  const ids = async (query: string): Promise<string[]> => {
    const page = await carol.html(`/audit/sessions?${query}`);
    return [...page.matchAll(/<li id="s-([^"]+)"/g)].map((m) => m[1]!);
  };

  it('filters by person: subject or email, any case of the email', async () => {
    expect(await ids('person=alice')).toEqual([run.alice]);
    expect(await ids('person=ALICE%40example.com')).toEqual([run.alice]);
    expect(await ids('person=dave%40example.com')).toEqual([dave]);
    expect(await ids('person=nobody')).toEqual([]);
  });

  it('filters by connection and time range (sessions open during it)', async () => {
    expect(await ids('connection=testdb')).toEqual(expect.arrayContaining([run.alice, run.bob, dave]));
    expect(await ids('connection=other')).toEqual([]);
    const future = new Date(Date.now() + 3_600_000).toISOString().slice(0, 16);
    const past = new Date(Date.now() - 3_600_000).toISOString().slice(0, 16);
    expect(await ids(`since=${future}`)).toEqual([]);
    expect(await ids(`until=${past}`)).toEqual([]);
    expect(await ids(`since=${past}&until=${future}&person=bob`)).toEqual([run.bob]);
    const page = await carol.html(`/audit/sessions?since=${past}`);
    expect(page).toContain(`value="${past}"`);
  });

  it('filters by outcome: blocked, approvals, errors, masked', async () => {
    const blocked = await ids('outcome=blocked');
    expect(blocked).toEqual(expect.arrayContaining([run.alice, dave]));
    expect(blocked).not.toContain(run.bob);
    expect(await ids('outcome=approvals&person=alice')).toEqual([run.alice]);
    expect(await ids('outcome=approvals&person=bob')).toEqual([]);
    expect(await ids('outcome=errors&person=alice')).toEqual([run.alice]);
    expect(await ids('outcome=masked')).toEqual([dave]);
    expect(await ids('outcome=active&person=alice')).toEqual([]);
  });

  it('shows counts on each row and newest first', async () => {
    const page = await carol.html('/audit/sessions');
    expect(page.indexOf(`s-${dave}`)).toBeLessThan(page.indexOf(`s-${run.bob}`));
    expect(page.indexOf(`s-${run.bob}`)).toBeLessThan(page.indexOf(`s-${run.alice}`));
    const row = page.slice(page.indexOf(`<li id="s-${run.alice}"`), page.indexOf('</li>', page.indexOf(`<li id="s-${run.alice}"`)));
    expect(row).toContain('4 statements');
    expect(row).toContain('1 blocked');
    expect(row).toContain('1 approval');
    expect(row).toContain('1 error');
    expect(row).toContain('claude-code');
    expect(row).toContain('alice@example.com');
  });

  it('says what is wrong with a time it cannot read, and still answers', async () => {
    const res = await carol.get('/audit/sessions?since=yesterday&outcome=%3Cscript%3E');
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('is not a time');
    expect(page).not.toContain('<script>');
  });
});

describe('replay pages: a session as a timeline', () => {
  it('shows the start, every statement with its decision and rule, the approval and who gave it, the error and the end', async () => {
    const page = await carol.html(`/audit/sessions/${run.alice}`);
    // Who, from where, how.
    for (const fact of ['alice@example.com', 'developers, agents', 'claude-code', 'PostgreSQL protocol', run.alice]) expect(page).toContain(fact);
    expect(page).toContain('Session started');
    expect(page).toContain('Session ended');
    // In order, with highlighted SQL.
    const order = ['id="st-1"', 'id="st-2"', 'id="st-3"', 'id="st-4"'].map((s) => page.indexOf(s));
    expect(order.every((i, k) => i > 0 && (k === 0 || i > order[k - 1]!))).toBe(true);
    expect(page).toContain('<span class="k">SELECT</span>');
    // The refusal and its rule.
    const refused = page.slice(order[1], order[2]);
    expect(refused).toContain('<span class="badge block">blocked</span>');
    expect(refused).toContain('no-unbounded-writes');
    // The approval: requested, closed approved by bob with his comment, then the statement ran.
    const approved = page.slice(order[2], order[3]);
    expect(approved).toContain('<span class="badge approve">held for approval</span>');
    expect(approved).toContain('review-audit-deletes');
    expect(approved).toContain('Approval requested');
    expect(approved).toContain(run.approvalId);
    expect(approved).toContain('<span class="badge approved">approved</span>');
    expect(approved).toMatch(/Approved by <strong>bob<\/strong> \(bob@example\.com\)/);
    expect(approved).toContain('Only the rows of the replay test. Go ahead.');
    expect(approved).toContain('Dry run');
    // carol is no reviewer of it: the request id is not a link she could not follow.
    expect(approved).not.toContain(`href="/approvals/${run.approvalId}"`);
    // The error, with timing and row counts on the others.
    const failed = page.slice(order[3]);
    expect(failed).toContain('22012');
    expect(failed).toContain('division by zero');
    // The first statement's result, as the client got it (recording.resultRows).
    const first = page.slice(order[0], order[1]);
    expect(first).toContain('3 rows');
    expect(first).toContain('<th class="">name</th>');
    expect(first).toContain('<td class="">item 1</td>');
    expect(page).toMatch(/\d+(\.\d+)? ms/);
  });

  it('links the approval request for a viewer who may open it (here its requester)', async () => {
    const own = await alice.html(`/audit/sessions/${run.alice}`);
    expect(own).toContain(`href="/approvals/${run.approvalId}"`);
  });

  it('shows recorded result rows as the client got them, with the masking notice, the broker and parameters', async () => {
    const page = await carol.html(`/audit/sessions/${dave}`);
    expect(page).toContain('<th class="masked">email</th>');
    expect(page).toContain('<td class="masked">***-**-1234</td>');
    expect(page).toContain('<td class="">Ada</td>');
    expect(page).toContain('<span class="null">NULL</span>');
    expect(page).toContain('The first 2 rows of 3');
    expect(page).toContain('<strong>Masked:</strong> 4 values in email, ssn (rule pii-email, pii-ssn)');
    expect(page).toContain('broker-b');
    expect(page).toContain('Airlock tunnel (WebSocket)');
    expect(page).toMatch(/<span class="mono">\$1<\/span> = <code>42<\/code>/);
  });

  it('renders statement text, rules and result values from attackers as text', async () => {
    const page = await carol.html(`/audit/sessions/${dave}`);
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('&lt;b&gt;evil&lt;/b&gt;');
    expect(page).toContain('&quot;&gt;&lt;svg onload=alert(1)&gt;');
    expect(page).not.toContain('<img src=x');
    expect(page).not.toContain('<svg onload');
    expect(page).not.toContain('<b>evil</b>');
    expect(page.match(/<script/g)).toHaveLength(1);
  });

  it('pages through a long session', async () => {
    const long = writeSession(b, { subject: 'dave', email: 'dave@example.com', statements: Array.from({ length: 205 }, (_, i) => ({ text: `SELECT ${i + 1}` })) });
    const first = await carol.html(`/audit/sessions/${long}`);
    expect(first).toContain('id="st-200"');
    expect(first).not.toContain('id="st-201"');
    expect(first).toContain(`href="/audit/sessions/${long}?from=201"`);
    expect(first).toContain('5 later statements');
    const second = await carol.html(`/audit/sessions/${long}?from=201`);
    expect(second).toContain('id="st-205"');
    expect(second).not.toContain('id="st-200"');
    expect(second).toContain('200 earlier statements');
    expect(second).toContain('Session ended');
  });
});

describe('replay pages: live', () => {
  it('the stream names the sessions the viewer may see as they change; an open session refreshes', async () => {
    let opened: OpenedSession | undefined;
    let bobSession = '';
    const seen = await streamEvents(
      carol,
      async () => {
        opened = await openSession(b, 'alice', ['developers', 'agents']);
        await opened.client.query('DROP TABLE items').catch(() => undefined);
      },
      (ids) => ids.filter((i) => i === opened?.id).length >= 2,
    );
    const aliceSession = opened!;
    // Started, then refused (statement.blocked).
    expect(seen.filter((i) => i === aliceSession.id).length).toBeGreaterThanOrEqual(2);

    // Open now: in the list's live region, as active, and its timeline says it is still open.
    const list = await (await carol.get('/audit/fragments/sessions?outcome=active')).text();
    expect(list).toContain(`id="open-${aliceSession.id}"`);
    expect(list).toContain(`<li id="s-${aliceSession.id}"`);
    expect(list).toContain('<span class="badge active">active</span>');
    const page = await carol.html(`/audit/sessions/${aliceSession.id}`);
    expect(page).toContain('data-live="session"');
    expect(page).toContain(`data-fragment="/audit/fragments/sessions/${aliceSession.id}"`);
    expect(page).toContain('Still open');

    // An allowed statement is no event: the fragment the script polls has it.
    await aliceSession.client.query("SELECT 'fresh statement'");
    const frag = await carol.get(`/audit/fragments/sessions/${aliceSession.id}`);
    expect(frag.status).toBe(200);
    expectSecurityHeaders(frag);
    const body = await frag.text();
    expect(body).toContain('fresh statement');
    expect(body).toContain('data-active="1"');
    expect(body).not.toContain('<script');

    // alice's own stream hears of her session, not of bob's.
    const mine = await streamEvents(
      alice,
      async () => {
        const o = await openSession(b, 'bob', ['dba']);
        bobSession = o.id;
        const ended = nextEvent(b, (e) => e.type === 'session.ended' && e.session.sessionId === aliceSession.id);
        await closeSession(b, o);
        await aliceSession.client.end();
        await ended;
      },
      (ids) => ids.includes(aliceSession.id),
    );
    expect(mine).toContain(aliceSession.id);
    expect(mine).not.toContain(bobSession);
    await expect.poll(async () => (await carol.get(`/audit/fragments/sessions/${aliceSession.id}`)).text()).toContain('data-active="0"');
  });
});

describe('sessions API: visibility', () => {
  const auth = async (user: string, groups: string[]): Promise<{ authorization: string }> => ({ authorization: `Bearer ${await b.token(user, groups)}` });
  const list = async (user: string, groups: string[], query = ''): Promise<string[]> => {
    const res = await app.inject({ method: 'GET', url: `/v1/sessions${query}`, headers: await auth(user, groups) });
    expect(res.statusCode).toBe(200);
    return (res.json().sessions as { id: string }[]).map((s) => s.id);
  };

  it('lists the caller\'s own sessions by default, auditors everyone\'s when they ask', async () => {
    expect(await list('carol', ['auditors'])).toEqual([]);
    const all = await list('carol', ['auditors'], '?scope=all');
    expect(all).toEqual(expect.arrayContaining([run.alice, run.bob, dave]));
    expect(await list('carol', ['auditors'], '?subject=bob')).toEqual(expect.arrayContaining([run.bob]));
    expect(await list('carol', ['auditors'], '?subject=bob')).not.toContain(run.alice);
    expect(await list('carol', ['auditors'], '?person=dave%40example.com&outcome=masked')).toEqual([dave]);
    expect(await list('carol', ['auditors'], '?scope=all&outcome=approvals')).toContain(run.alice);
    expect(await list('carol', ['auditors'], '?scope=all&outcome=approvals')).not.toContain(run.bob);
  });

  it('a non-auditor gets only their own sessions, whatever they ask for', async () => {
    const mine = await list('alice', ['developers']);
    expect(mine).toContain(run.alice);
    for (const q of ['?scope=all', '?subject=bob', '?person=bob']) {
      const ids = await list('alice', ['developers'], q);
      expect(ids).not.toContain(run.bob);
      expect(ids).not.toContain(dave);
    }
    expect(await list('alice', ['developers'], '?outcome=errors')).toContain(run.alice);
  });

  it("one session: an auditor reads anyone's with its approval events; someone else's is 404", async () => {
    const one = await app.inject({ method: 'GET', url: `/v1/sessions/${run.alice}`, headers: await auth('carol', ['auditors']) });
    expect(one.statusCode).toBe(200);
    const detail = one.json() as { session: { subject: string; approvals: number }; statements: { action: string; approval?: { type: string }[] }[]; active: boolean };
    expect(detail.session).toMatchObject({ subject: 'alice', approvals: 1 });
    expect(detail.active).toBe(false);
    expect(detail.statements.map((s) => s.action)).toEqual(['allow', 'block', 'approve', 'allow']);
    expect(detail.statements[2]?.approval?.map((e) => e.type)).toEqual(['approval.dry-run', 'approval.requested', 'approval.closed']);
    const other = await app.inject({ method: 'GET', url: `/v1/sessions/${run.alice}`, headers: await auth('bob', ['dba']) });
    expect(other.statusCode).toBe(404);
    expect(other.json().code).toBe('BRK_ERR_NOT_FOUND');
    const own = await app.inject({ method: 'GET', url: `/v1/sessions/${run.alice}`, headers: await auth('alice', ['developers']) });
    expect(own.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/v1/sessions?outcome=bogus', headers: await auth('alice', []) })).statusCode).toBe(400);
  });
});
