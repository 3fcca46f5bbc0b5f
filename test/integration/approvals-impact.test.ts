/**
 * Contract: the impact shown to reviewers is measured, bounded and honest. With dry runs off,
 * the planner's estimate is shown and labelled as one; a statement that cannot be dry-run says
 * why; a dry run that would wait on another session's lock gives up after lock_timeout instead
 * of queueing, and leaves nothing behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startTestBroker, type TestBroker } from '../support/broker-harness.js';
import { adminClient } from '../support/admin-client.js';

const RULES = `
  - name: review-writes
    match: { kinds: [update, delete, insert, truncate] }
    action: approve
`;

let admin: pg.Client;
beforeAll(async () => {
  admin = await adminClient();
  await admin.query('DROP TABLE IF EXISTS imp_items; CREATE TABLE imp_items (id serial PRIMARY KEY, v int); INSERT INTO imp_items (v) SELECT g FROM generate_series(1, 200) g; ANALYZE imp_items');
});
afterAll(async () => {
  await admin.end();
});

async function heldImpact(b: TestBroker, sql: string, values?: unknown[]): Promise<{ id: string; c: pg.Client; done: Promise<unknown> }> {
  const c = await b.client('alice', ['developers']);
  const notice = new Promise<string>((resolve) => c.on('notice', (n) => resolve(String(n.message))));
  const done = c.query(sql, values).catch((e: unknown) => e);
  const id = /approval (apr_\S+)/.exec(await notice)![1]!;
  return { id, c, done };
}

async function deny(b: TestBroker, id: string): Promise<void> {
  const bob = await b.broker.verifier.verify(await b.token('bob', ['dba']));
  await b.broker.approvals.decide(id, bob, 'deny', '');
}

describe('with dry runs', () => {
  let b: TestBroker;
  beforeAll(async () => {
    b = await startTestBroker({ rules: RULES });
  });
  afterAll(async () => {
    await b[Symbol.asyncDispose]();
  });

  it('gives up on a lock held by another session after lock_timeout, holding nothing', async () => {
    const locker = await adminClient();
    await locker.query('BEGIN; LOCK TABLE imp_items IN ACCESS EXCLUSIVE MODE');
    const started = Date.now();
    const h = await heldImpact(b, 'DELETE FROM imp_items WHERE id = 1');
    expect(Date.now() - started).toBeLessThan(2500);
    const req = b.broker.approvals.get(h.id)!;
    expect(req.impact.method).toBe('unavailable');
    expect(req.impact.error?.code).toBe('55P03'); // lock_not_available
    await locker.query('ROLLBACK');
    await locker.end();
    const locks = await admin.query("SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'imp_items'::regclass");
    expect(locks.rows[0].n).toBe(0);
    await deny(b, h.id);
    await h.done;
  });

  it('says why a statement cannot be dry-run, and notes what a rollback cannot undo', async () => {
    const t = await heldImpact(b, 'BEGIN; DELETE FROM imp_items WHERE id = 2; COMMIT');
    expect(b.broker.approvals.get(t.id)!.impact.notes[0]).toMatch(/no dry run: it contains transaction control/);
    await deny(b, t.id);
    await t.done;
    const ins = await heldImpact(b, 'INSERT INTO imp_items (v) VALUES (1), (2)');
    const impact = b.broker.approvals.get(ins.id)!.impact;
    expect(impact).toMatchObject({ method: 'measured', rowsChanged: 2 });
    expect(impact.notes.join(' ')).toMatch(/sequence values/);
    await deny(b, ins.id);
    await ins.done;
    expect((await admin.query('SELECT count(*)::int AS n FROM imp_items')).rows[0].n).toBe(200);
  });
});

describe('with dry runs turned off', () => {
  let b: TestBroker;
  beforeAll(async () => {
    b = await startTestBroker({ rules: RULES, approvals: '  reviewers: { groups: [dba] }\n  dryRun: { enabled: false }' });
  });
  afterAll(async () => {
    await b[Symbol.asyncDispose]();
  });

  it('shows the planner\'s estimate, labelled as one, with the statement\'s own parameters', async () => {
    const h = await heldImpact(b, 'UPDATE imp_items SET v = v + 1 WHERE id <= $1', [50]);
    const impact = b.broker.approvals.get(h.id)!.impact;
    expect(impact.method).toBe('estimated');
    expect(impact.rowsChanged).toBeGreaterThan(10);
    expect(impact.rowsChanged).toBeLessThan(200);
    expect(impact.notes.join(' ')).toMatch(/dry runs are turned off[\s\S]*estimate, not a measurement/);
    expect(b.store.records.some((r) => r.type === 'approval.dry-run')).toBe(false);
    await deny(b, h.id);
    await h.done;
  });
});
