/**
 * Contract: a write that reaches a protected table indirectly — through a trigger, a cascade,
 * a function or a view — is treated as a write to that table: in a session whose approve rules
 * name tables, writes are measured by a rolled-back dry run before they run, and held for
 * approval when the measured tables meet such a rule. Writes that reach nothing protected run
 * without a request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startTestBroker, type TestBroker } from '../support/broker-harness.js';
import { adminClient } from '../support/admin-client.js';

let b: TestBroker;
let admin: pg.Client;

beforeAll(async () => {
  b = await startTestBroker({
    rules: `
  - name: protect-ledger
    match: { tablesWritten: [public.ind_ledger] }
    action: approve
  - name: big-order-changes
    match: { kinds: [update, delete], tablesWritten: [ind_orders] }
    action: approve
    approval: { rowsChangedAbove: 100 }
`,
  });
  admin = await adminClient();
  await admin.query(`
    DROP VIEW IF EXISTS ind_ledger_v;
    DROP TABLE IF EXISTS ind_orders, ind_ledger, ind_other;
    CREATE TABLE ind_ledger (id serial PRIMARY KEY, note text);
    CREATE TABLE ind_orders (id serial PRIMARY KEY, amount int);
    CREATE TABLE ind_other (id int);
    CREATE VIEW ind_ledger_v AS SELECT * FROM ind_ledger;
    CREATE OR REPLACE FUNCTION ind_log() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN INSERT INTO ind_ledger (note) VALUES ('order ' || NEW.id); RETURN NEW; END $$;
    CREATE TRIGGER ind_orders_log AFTER INSERT ON ind_orders FOR EACH ROW EXECUTE FUNCTION ind_log();
    CREATE OR REPLACE FUNCTION ind_write(n text) RETURNS void LANGUAGE sql AS $$ INSERT INTO ind_ledger (note) VALUES (n) $$;
    INSERT INTO ind_ledger (note) VALUES ('seed');
  `);
});
afterAll(async () => {
  await admin.end();
  await b[Symbol.asyncDispose]();
});

async function ledger(): Promise<number> {
  return (await admin.query('SELECT count(*)::int AS n FROM ind_ledger')).rows[0].n;
}

/** Runs `sql`; if a notice says it waits for approval, approves it as bob. Returns the approval id, if any. */
async function runApproving(c: pg.Client, sql: string): Promise<{ id?: string; rows: number | null }> {
  let id: string | undefined;
  const onNotice = (n: { message?: string }): void => {
    const m = /approval (apr_\S+)/.exec(n.message ?? '');
    if (!m) return;
    id = m[1]!;
    void (async () => {
      expect(await ledger()).toBe(before);
      const bob = await b.broker.verifier.verify(await b.token('bob', ['dba']));
      await b.broker.approvals.decide(m[1]!, bob, 'approve', 'seen');
    })();
  };
  const before = await ledger();
  c.on('notice', onNotice);
  try {
    const r = await c.query(sql);
    return { ...(id ? { id } : {}), rows: r.rowCount };
  } finally {
    c.off('notice', onNotice);
  }
}

describe('indirect writes to a protected table', () => {
  it('holds an insert whose trigger writes the protected table, and names the measured tables', async () => {
    const c = await b.client('alice', ['developers']);
    const before = await ledger();
    const r = await runApproving(c, 'INSERT INTO ind_orders (amount) VALUES (5)');
    expect(r.id).toBeDefined();
    const req = b.broker.approvals.get(r.id!)!;
    expect(req.requirements[0]).toMatchObject({ rule: 'protect-ledger' });
    expect(req.requirements[0]!.explanation).toContain('public.ind_ledger');
    expect(req.impact.tables.map((t) => t.table)).toEqual(['public.ind_ledger', 'public.ind_orders']);
    expect(await ledger()).toBe(before + 1);
  });

  it('holds writes through a view and through a function', async () => {
    const c = await b.client('alice', ['developers']);
    const viaView = await runApproving(c, "UPDATE ind_ledger_v SET note = note WHERE note = 'seed'");
    expect(viaView.id).toBeDefined();
    expect(viaView.rows).toBe(1);
    const viaFunction = await runApproving(c, "SELECT ind_write('from a function')");
    expect(viaFunction.id).toBeDefined();
    expect(b.broker.approvals.get(viaFunction.id!)!.impact.tables).toEqual([{ table: 'public.ind_ledger', inserted: 1, updated: 0, deleted: 0 }]);
  });

  it('holds a small delete an impact condition lets through when its cascade reaches the protected table', async () => {
    await admin.query('ALTER TABLE ind_ledger ADD COLUMN IF NOT EXISTS order_id int REFERENCES ind_orders ON DELETE CASCADE');
    const o = await admin.query('INSERT INTO ind_orders (amount) VALUES (7) RETURNING id');
    const id = o.rows[0].id as number;
    await admin.query('INSERT INTO ind_ledger (note, order_id) VALUES ($1, $2)', ['cascade', id]);
    const c = await b.client('alice', ['developers']);
    const r = await runApproving(c, `DELETE FROM ind_orders WHERE id = ${id}`);
    expect(r.id).toBeDefined();
    const req = b.broker.approvals.get(r.id!)!;
    expect(req.requirements.map((x) => x.rule)).toEqual(['protect-ledger']);
    expect(req.impact.tables.map((t) => t.table)).toEqual(['public.ind_ledger', 'public.ind_orders']);
  });

  it('runs writes that reach nothing protected without a request, and reads without a dry run', async () => {
    const c = await b.client('alice', ['developers']);
    const pendingBefore = b.broker.approvals.list().length;
    const r = await runApproving(c, 'INSERT INTO ind_other VALUES (1), (2)');
    expect(r).toEqual({ rows: 2 });
    expect((await c.query('SELECT count(*)::int AS n FROM ind_ledger')).rows[0].n).toBeGreaterThan(0);
    expect(b.broker.approvals.list().length).toBe(pendingBefore);
    const dryRuns = b.store.records.filter((x) => x.type === 'approval.dry-run' && String((x as { text?: string }).text).startsWith('SELECT count'));
    expect(dryRuns).toHaveLength(0);
  });
});
