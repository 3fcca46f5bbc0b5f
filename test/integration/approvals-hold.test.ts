/**
 * Contract: a statement an `approve` rule holds waits inside the live session. The client gets
 * a NoticeResponse at once naming the approval; a reviewer decides through the HTTP API;
 * approved, exactly that statement runs in order and the client gets its result; denied or
 * expired, it gets 42501 naming why. The impact is measured by a dry run that leaves the
 * database unchanged and holds no locks while the statement waits. Nobody approves their own
 * request; a quorum needs distinct reviewers; a decided request cannot be decided again.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startTestBroker, type TestBroker } from '../support/broker-harness.js';
import { adminClient, sendCancel } from '../support/admin-client.js';

const RULES = `
  - name: review-deletes
    match: { kinds: [delete], tablesWritten: [apv_items] }
    action: approve
  - name: big-updates
    match: { kinds: [update], tablesWritten: [apv_items] }
    action: approve
    approval: { rowsChangedAbove: 5 }
  - name: two-reviewers
    match: { kinds: [insert], tablesWritten: [apv_items] }
    action: approve
    approval: { quorum: 2 }
  - name: quick-expiry
    match: { kinds: [delete], tablesWritten: [apv_children] }
    action: approve
    approval: { expiresInSeconds: 2 }
`;

let b: TestBroker;
let admin: pg.Client;

beforeAll(async () => {
  b = await startTestBroker({
    rules: RULES,
    extraUsers: '      - { name: carol, email: carol@example.com, groups: [dba] }\n      - { name: erin, email: erin@example.com, groups: [developers, dba] }',
  });
  admin = await adminClient();
});
afterAll(async () => {
  await admin.end();
  await b[Symbol.asyncDispose]();
});
beforeEach(async () => {
  await admin.query(`
    DROP TABLE IF EXISTS apv_children, apv_items;
    CREATE TABLE apv_items (id int PRIMARY KEY, v text);
    CREATE TABLE apv_children (id serial PRIMARY KEY, item int REFERENCES apv_items ON DELETE CASCADE);
    INSERT INTO apv_items SELECT g, 'v' || g FROM generate_series(1, 20) g;
    INSERT INTO apv_children (item) SELECT g FROM generate_series(1, 20) g, generate_series(1, 2);
  `);
});

/** Sends `run(client)` and resolves with the approval id from the first Airlock notice. */
/** The fields of a NoticeResponse as node-postgres reports them. */
interface Notice {
  readonly message?: string;
  readonly detail?: string;
  readonly hint?: string;
}

async function held<T>(c: pg.Client, run: (c: pg.Client) => Promise<T>): Promise<{ id: string; notice: Notice; result: Promise<T> }> {
  const notice = new Promise<Notice>((resolve) => c.on('notice', (n: Notice) => n.message?.includes('waiting for approval') && resolve(n)));
  const result = run(c);
  result.catch(() => {});
  const n = await notice;
  const id = /approval (apr_[A-Za-z0-9_-]+)/.exec(n.message ?? '')?.[1];
  if (!id) throw new Error(`no approval id in ${n.message}`);
  return { id, notice: n, result };
}

async function decide(user: string, groups: string[], id: string, verdict: 'approve' | 'deny', comment = ''): Promise<Response> {
  const token = await b.token(user, groups);
  return fetch(`${b.broker.httpUrl}/v1/approvals/${id}/decision`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ verdict, comment }),
  });
}

async function count(table: string): Promise<number> {
  return (await admin.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
}

describe('a held statement', () => {
  it('waits with a notice, is measured without changing anything, and runs once approved', async () => {
    const c = await b.client('alice', ['developers']);
    const h = await held(c, (x) => x.query('DELETE FROM apv_items WHERE id <= 3'));
    expect(h.notice.detail).toMatch(/9 rows changed/);
    expect(h.notice.hint).toContain(`/approvals/${h.id}`);
    // The dry run rolled back and holds no locks while the statement waits.
    expect(await count('apv_items')).toBe(20);
    expect(await count('apv_children')).toBe(40);
    const locks = await admin.query(`SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'apv_items'::regclass`);
    expect(locks.rows[0].n).toBe(0);
    const req = b.broker.approvals.get(h.id)!;
    expect(req.state).toBe('pending');
    expect(req.impact).toMatchObject({ method: 'measured', rowsReported: 3, rowsChanged: 9 });
    expect(req.impact.tables).toEqual([
      { table: 'public.apv_children', inserted: 0, updated: 0, deleted: 6 },
      { table: 'public.apv_items', inserted: 0, updated: 0, deleted: 3 },
    ]);
    expect((await decide('bob', ['dba'], h.id, 'approve', 'ok')).status).toBe(200);
    const r = (await h.result) as pg.QueryResult;
    expect(r.rowCount).toBe(3);
    expect(await count('apv_items')).toBe(17);
    // The session goes on, in order.
    expect((await c.query('SELECT count(*)::int AS n FROM apv_items')).rows[0].n).toBe(17);
    const recorded = b.store.records.filter((x) => x.type === 'statement' && String((x as { text?: string }).text).startsWith('DELETE FROM apv_items'));
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ action: 'approve', rule: 'review-deletes' });
    expect(String((recorded[0] as { explanation?: string }).explanation)).toContain('approved by bob');
  });

  it('holds extended-protocol statements with their parameters, and messages sent after them wait in order', async () => {
    const c = await b.client('alice', ['developers']);
    const h = await held(c, (x) => x.query('DELETE FROM apv_items WHERE id = $1', [7]));
    const after = c.query('SELECT count(*)::int AS n FROM apv_items');
    expect(b.broker.approvals.get(h.id)!.statement).toMatchObject({ protocol: 'extended', parameterCount: 1 });
    expect(b.broker.approvals.get(h.id)!.impact.rowsChanged).toBe(3);
    await decide('bob', ['dba'], h.id, 'approve');
    expect(((await h.result) as pg.QueryResult).rowCount).toBe(1);
    expect((await after).rows[0]!.n).toBe(19);
  });

  it('answers a denial with 42501 naming the reviewer and comment; the session stays usable', async () => {
    const c = await b.client('alice', ['developers']);
    const h = await held(c, (x) => x.query('DELETE FROM apv_items'));
    await decide('bob', ['dba'], h.id, 'deny', 'not the whole table');
    const e = await h.result.then(() => undefined, (x: pg.DatabaseError) => x);
    expect(e?.code).toBe('42501');
    expect(e?.message).toContain('denied by bob');
    expect(e?.message).toContain('not the whole table');
    expect(await count('apv_items')).toBe(20);
    expect((await c.query('SELECT 1 AS one')).rows[0].one).toBe(1);
  });

  it('expires with 42501 and a hint when nobody decides in time', async () => {
    const c = await b.client('alice', ['developers']);
    const h = await held(c, (x) => x.query('DELETE FROM apv_children WHERE id = 1'));
    const e = await h.result.then(() => undefined, (x: pg.DatabaseError) => x);
    expect(e?.code).toBe('42501');
    expect(e?.message).toMatch(/expired/);
    expect(e?.hint).toMatch(/again/);
    expect(b.broker.approvals.get(h.id)!.state).toBe('expired');
    expect((await decide('bob', ['dba'], h.id, 'approve')).status).toBe(409);
    expect(await count('apv_children')).toBe(40);
  });

  it('inside a transaction: approved, it runs in the transaction; denied, the transaction is failed', async () => {
    const c = await b.client('alice', ['developers']);
    await c.query('BEGIN');
    await c.query("UPDATE apv_items SET v = 'x' WHERE id = 1");
    const h = await held(c, (x) => x.query('DELETE FROM apv_items WHERE id = 2'));
    expect(b.broker.approvals.get(h.id)!.impact.rowsChanged).toBe(3);
    await decide('bob', ['dba'], h.id, 'deny');
    await h.result.catch(() => {});
    const e = await c.query('SELECT 1').then(() => undefined, (x: pg.DatabaseError) => x);
    expect(e?.code).toBe('25P02');
    await c.query('ROLLBACK');
    expect((await admin.query("SELECT v FROM apv_items WHERE id = 1")).rows[0].v).toBe('v1');
  });
});

describe('impact conditions', () => {
  it('runs an update at or below the threshold without asking, and holds one above it', async () => {
    const c = await b.client('alice', ['developers']);
    const small = await c.query("UPDATE apv_items SET v = 'small' WHERE id <= 5");
    expect(small.rowCount).toBe(5);
    const h = await held(c, (x) => x.query("UPDATE apv_items SET v = 'big' WHERE id <= 6"));
    const req = b.broker.approvals.get(h.id)!;
    expect(req.requirements[0]).toMatchObject({ rule: 'big-updates', rowsChangedAbove: 5 });
    expect(req.requirements[0]!.impactReason).toContain('6 rows changed > 5');
    await decide('bob', ['dba'], h.id, 'approve');
    expect(((await h.result) as pg.QueryResult).rowCount).toBe(6);
  });
});

describe('who may approve', () => {
  it('refuses self-approval and service accounts, and needs a reviewer group', async () => {
    const c = await b.client('erin', ['developers', 'dba']);
    const h = await held(c, (x) => x.query('DELETE FROM apv_items WHERE id = 9'));
    const own = await decide('erin', ['developers', 'dba'], h.id, 'approve');
    expect(own.status).toBe(403);
    expect(((await own.json()) as { message: string }).message).toMatch(/own request/);
    const notReviewer = await decide('alice', ['developers'], h.id, 'approve');
    expect(notReviewer.status).toBe(404);
    expect(b.broker.approvals.get(h.id)!.state).toBe('pending');
    await decide('bob', ['dba'], h.id, 'approve');
    await h.result;
  });

  it('needs two distinct reviewers for a quorum of two', async () => {
    const c = await b.client('alice', ['developers']);
    const h = await held(c, (x) => x.query("INSERT INTO apv_items VALUES (100, 'new')"));
    expect((await decide('bob', ['dba'], h.id, 'approve')).status).toBe(200);
    expect(b.broker.approvals.get(h.id)!.state).toBe('pending');
    expect((await decide('bob', ['dba'], h.id, 'approve')).status).toBe(403);
    expect((await decide('carol', ['dba'], h.id, 'approve')).status).toBe(200);
    expect(((await h.result) as pg.QueryResult).rowCount).toBe(1);
  });

  it('does not let an approval be replayed for another statement', async () => {
    const c = await b.client('alice', ['developers']);
    const first = await held(c, (x) => x.query('DELETE FROM apv_items WHERE id = 11'));
    await decide('bob', ['dba'], first.id, 'approve');
    await first.result;
    const second = await held(c, (x) => x.query('DELETE FROM apv_items WHERE id = 12'));
    expect(second.id).not.toBe(first.id);
    expect((await decide('bob', ['dba'], first.id, 'approve')).status).toBe(409);
    expect(b.broker.approvals.get(second.id)!.state).toBe('pending');
    expect((await admin.query('SELECT count(*)::int AS n FROM apv_items WHERE id = 12')).rows[0].n).toBe(1);
    await decide('bob', ['dba'], second.id, 'deny');
    await second.result.catch(() => {});
    expect((await admin.query('SELECT count(*)::int AS n FROM apv_items WHERE id = 12')).rows[0].n).toBe(1);
  });

  it('withdraws the request when the client cancels the statement (57014), and the session goes on', async () => {
    const c = await b.client('alice', ['developers']);
    const h = await held(c, (x) => x.query('DELETE FROM apv_items WHERE id = 14'));
    await sendCancel(b.port, c);
    const e = await h.result.then(() => undefined, (x: pg.DatabaseError) => x);
    expect(e?.code).toBe('57014');
    expect(b.broker.approvals.get(h.id)).toMatchObject({ state: 'cancelled', reason: 'the client cancelled the statement' });
    expect((await c.query('SELECT count(*)::int AS n FROM apv_items WHERE id = 14')).rows[0].n).toBe(1);
  });

  it('withdraws the request when the client disconnects', async () => {
    const c = await b.client('alice', ['developers']);
    const h = await held(c, (x) => x.query('DELETE FROM apv_items WHERE id = 13'));
    await c.end();
    await expect.poll(() => b.broker.approvals.get(h.id)!.state).toBe('cancelled');
    expect((await decide('bob', ['dba'], h.id, 'approve')).status).toBe(409);
    expect((await admin.query('SELECT count(*)::int AS n FROM apv_items WHERE id = 13')).rows[0].n).toBe(1);
  });
});
