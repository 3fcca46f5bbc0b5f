/**
 * Contract: a pg client reaches the real PostgreSQL through the broker with an OIDC token as
 * the password; allowed statements run (simple and extended protocol), refused ones answer
 * 42501 naming the rule with a hint, the session stays usable, and inside a transaction the
 * transaction is left failed exactly as PostgreSQL leaves it after an error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { startTestBroker, type TestBroker } from '../support/broker-harness.js';

let b: TestBroker;
beforeAll(async () => {
  b = await startTestBroker();
});
afterAll(async () => {
  await b[Symbol.asyncDispose]();
});

async function pgError(p: Promise<unknown>): Promise<pg.DatabaseError> {
  try {
    await p;
  } catch (e) {
    return e as pg.DatabaseError;
  }
  throw new Error('expected the statement to fail');
}

describe('allowed statements', () => {
  it('runs simple-protocol queries and reports the database session user', async () => {
    const c = await b.client('alice', ['developers']);
    const r = await c.query('SELECT count(*)::int AS n, current_user AS u FROM items');
    expect(r.rows[0]).toEqual({ n: 100, u: 'postgres' });
  });

  it('runs extended-protocol queries with parameters, named and unnamed', async () => {
    const c = await b.client('alice', ['developers']);
    const r = await c.query('SELECT name FROM items WHERE id = $1', [7]);
    expect(r.rows).toEqual([{ name: 'item 7' }]);
    for (let i = 1; i <= 3; i++) {
      const n = await c.query({ name: 'by-id', text: 'SELECT qty FROM items WHERE id = $1', values: [i] });
      expect(n.rows[0].qty).toBe(i);
    }
  });

  it('streams a large result and a large single value through', async () => {
    const c = await b.client('alice', ['developers']);
    const many = await c.query('SELECT g, md5(g::text) FROM generate_series(1, 100000) g');
    expect(many.rowCount).toBe(100000);
    const big = await c.query("SELECT repeat('x', 5 * 1024 * 1024) AS v");
    expect(big.rows[0].v.length).toBe(5 * 1024 * 1024);
  });

  it('passes LISTEN/NOTIFY between sessions', async () => {
    const listener = await b.client('alice', ['developers']);
    const sender = await b.client('bob', ['dba']);
    await listener.query('LISTEN airlock_test_channel');
    const got = new Promise<string | undefined>((resolve) => listener.once('notification', (n) => resolve(n.payload)));
    await sender.query("NOTIFY airlock_test_channel, 'hello'");
    expect(await got).toBe('hello');
  });

  it('records the session and each statement with its decision before the result', async () => {
    const c = await b.client('alice', ['developers']);
    await c.query('SELECT 42 AS answer');
    const start = b.store.records.filter((r) => r.type === 'session.start').at(-1)!;
    expect(start).toMatchObject({ subject: 'alice', connection: 'testdb', groups: ['developers'] });
    const stmt = b.store.records.find((r) => r.type === 'statement' && r.sessionId === start.sessionId && r.text === 'SELECT 42 AS answer');
    expect(stmt).toMatchObject({ action: 'allow', rule: 'default:testdb' });
    const end = b.store.records.find((r) => r.type === 'statement.end' && r.sessionId === start.sessionId);
    expect(end).toMatchObject({ rows: 1 });
  });
});

describe('refused statements', () => {
  it('answers 42501 naming the rule, with a hint, and the session stays usable', async () => {
    const c = await b.client('alice', ['developers']);
    const e = await pgError(c.query('DELETE FROM items'));
    expect(e.code).toBe('42501');
    expect(e.message).toContain('no-unbounded-writes');
    expect(e.hint).toBe('Add a WHERE clause.');
    const r = await c.query('SELECT count(*)::int AS n FROM items');
    expect(r.rows[0].n).toBe(100);
  });

  it('leaves an explicit transaction failed, as PostgreSQL would', async () => {
    const c = await b.client('alice', ['developers']);
    await c.query('BEGIN');
    await c.query("INSERT INTO audit_me (note) VALUES ('inside')");
    const e = await pgError(c.query('UPDATE items SET qty = 0'));
    expect(e.code).toBe('42501');
    const after = await pgError(c.query('SELECT 1'));
    expect(after.code).toBe('25P02'); // in_failed_sql_transaction
    await c.query('COMMIT'); // PostgreSQL answers ROLLBACK to COMMIT of a failed transaction
    const r = await c.query("SELECT count(*)::int AS n FROM audit_me WHERE note = 'inside'");
    expect(r.rows[0].n).toBe(0);
  });

  it('refuses in the extended protocol and recovers at the next Sync', async () => {
    const c = await b.client('alice', ['developers']);
    const e = await pgError(c.query('UPDATE items SET qty = $1', [0]));
    expect(e.code).toBe('42501');
    expect(e.message).toContain('no-unbounded-writes');
    const r = await c.query('SELECT qty FROM items WHERE id = $1', [5]);
    expect(r.rows[0].qty).toBe(5);
  });

  it('refuses a whole multi-statement string when one statement is refused', async () => {
    const c = await b.client('alice', ['agents']);
    const e = await pgError(c.query("INSERT INTO audit_me (note) VALUES ('multi'); DROP TABLE audit_me"));
    expect(e.code).toBe('42501');
    expect(e.message).toContain('no-ddl-for-agents');
    const r = await c.query("SELECT count(*)::int AS n FROM audit_me WHERE note = 'multi'");
    expect(r.rows[0].n).toBe(0);
  });

  it('sees a write hidden in a WITH clause or a COPY query', async () => {
    const c = await b.client('alice', ['developers']);
    const cte = await pgError(c.query('WITH d AS (DELETE FROM items RETURNING id) SELECT count(*) FROM d'));
    expect(cte.message).toContain('no-unbounded-writes');
    const copy = await pgError(c.query('COPY (DELETE FROM items RETURNING id) TO STDOUT'));
    expect(copy.message).toContain('no-unbounded-writes');
    expect((await c.query('SELECT count(*)::int AS n FROM items')).rows[0].n).toBe(100);
  });

  it('refuses what it cannot parse, saying why', async () => {
    const c = await b.client('alice', ['developers']);
    const e = await pgError(c.query('SELEC * FROM items'));
    expect(e.code).toBe('42501');
    expect(e.message).toContain('airlock:unparsable');
    expect(e.message).toContain('syntax error');
  });

  it('does not silently allow statements that need approval: they wait, and a denial refuses them', async () => {
    const c = await b.client('alice', ['developers']);
    const notice = new Promise<string>((resolve) => c.on('notice', (n) => resolve(String(n.message))));
    const pending = pgError(c.query('DELETE FROM audit_me WHERE id = 1'));
    const message = await notice;
    expect(message).toContain('review-audit-deletes');
    const id = /approval (apr_\S+)/.exec(message)![1]!;
    const bob = await b.broker.verifier.verify(await b.token('bob', ['dba']));
    await b.broker.approvals.decide(id, bob, 'deny', 'no');
    const e = await pending;
    expect(e.code).toBe('42501');
    expect(e.message).toContain('denied by bob');
  });

  it('judges PREPARE by what it prepares, and EXECUTE by what was prepared', async () => {
    const c = await b.client('alice', ['developers']);
    const prep = await pgError(c.query('PREPARE wipe AS DELETE FROM items'));
    expect(prep.message).toContain('no-unbounded-writes');
    const e = await pgError(c.query('EXECUTE wipe'));
    expect(e.code).toBe('42501');
    expect(e.message).toContain('airlock:unknown-prepared');
    await c.query('PREPARE one_item (int) AS SELECT name FROM items WHERE id = $1');
    expect((await c.query('EXECUTE one_item(3)')).rows).toEqual([{ name: 'item 3' }]);
  });

  it('refuses the fastpath-free forms of reading server files', async () => {
    const c = await b.client('alice', ['developers']);
    const e = await pgError(c.query("SELECT pg_read_file('/etc/passwd')"));
    expect(e.message).toContain('no-file-access');
    const copy = await pgError(c.query("COPY items TO PROGRAM 'cat > /tmp/x'"));
    expect(copy.message).toContain('airlock:server-side-copy');
  });

  it('records refused statements with the rule that refused them', async () => {
    const c = await b.client('alice', ['developers']);
    await pgError(c.query('DELETE FROM items'));
    const rec = b.store.records.filter((r) => r.type === 'statement' && r.text === 'DELETE FROM items').at(-1);
    expect(rec).toMatchObject({ action: 'block', rule: 'no-unbounded-writes' });
  });
});
