/**
 * Contract: no sensitive value reaches a masked identity, in any form, while what does not
 * derive from a sensitive column comes back clear. Real PostgreSQL, real clients; every cell
 * returned to the masked identity is checked for the raw sensitive values (also with dashes and
 * spaces stripped).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { adminClient } from '../support/admin-client.js';
import { startTestBroker, type TestBroker } from '../support/broker-harness.js';
import { psql } from '../support/run-process.js';

const SSN = '123-45-6789';
const EMAIL = 'alice.secret@example.com';
const CARD = '4111111111111111';
const RAW = [SSN, EMAIL, CARD, 'bob.hidden@example.com', '987-65-4321', '5500000000000004'];

let b: TestBroker;
let admin: pg.Client;
let agent: pg.Client;

beforeAll(async () => {
  admin = await adminClient();
  await admin.query(`
    DROP VIEW IF EXISTS m_customer_v CASCADE;
    DROP TABLE IF EXISTS m_payments, m_customers CASCADE;
    CREATE TABLE m_customers (id int PRIMARY KEY, name text, email text UNIQUE, ssn text, city text);
    CREATE TABLE m_payments (id int PRIMARY KEY, customer_id int REFERENCES m_customers, card_number text, amount int);
    INSERT INTO m_customers VALUES (1, 'Alice', '${EMAIL}', '${SSN}', 'Paris'), (2, 'Bob', 'bob.hidden@example.com', '987-65-4321', 'Oslo');
    INSERT INTO m_payments VALUES (1, 1, '${CARD}', 100), (2, 2, '5500000000000004', 250);
    CREATE VIEW m_customer_v AS SELECT id, upper(email) AS contact, city FROM m_customers;
  `);
  b = await startTestBroker({
    masking: `
  salt: { env: MASK_SALT }
  rules:
    - name: pii
      groups: [agents]
      exemptGroups: [dba]
      columns:
        - { column: public.m_customers.email, strategy: hash }
        - { column: m_customers.ssn, strategy: partial }
        - { column: "*.card_number", strategy: partial }
`,
    env: { MASK_SALT: 'test-salt' },
  });
  agent = await b.client('alice', ['agents']);
});
afterAll(async () => {
  await admin.end();
  await b[Symbol.asyncDispose]();
});

function leaks(rows: readonly Record<string, unknown>[]): string[] {
  const found: string[] = [];
  for (const row of rows) {
    for (const v of Object.values(row)) {
      const text = typeof v === 'string' ? v : JSON.stringify(v) ?? '';
      const flat = text.replace(/[-\s]/g, '');
      for (const raw of RAW) if (text.includes(raw) || flat.includes(raw.replace(/[-\s]/g, ''))) found.push(raw);
    }
  }
  return found;
}

async function masked(sql: string, values?: unknown[]): Promise<pg.QueryResult> {
  const r = await agent.query(sql, values);
  expect(leaks(r.rows), sql).toEqual([]);
  return r;
}

async function refused(sql: string): Promise<string> {
  const e = await agent.query(sql).then(() => undefined, (x: pg.DatabaseError) => x);
  expect(e?.code, sql).toBe('42501');
  return e!.message;
}

describe('masking for a masked identity', () => {
  it('masks direct columns with their strategies and keeps the rest clear', async () => {
    const r = await masked('SELECT id, name, email, ssn, city FROM m_customers ORDER BY id');
    expect(r.rows[0]).toMatchObject({ id: 1, name: 'Alice', city: 'Paris', ssn: '***-**-6789' });
    expect(r.rows[0].email).toMatch(/^h:[0-9a-f]{16}$/);
    expect(r.rows[0].email).not.toBe(r.rows[1].email);
  });

  it.each([
    'SELECT * FROM m_customers',
    'SELECT c.* FROM m_customers c',
    'SELECT c FROM m_customers c',
    'SELECT row_to_json(c) FROM m_customers c',
    'SELECT md5(email), reverse(ssn), upper(email) FROM m_customers',
    'SELECT email || \'\' AS e, ssn::varchar AS s FROM m_customers',
    'SELECT encode(convert_to(ssn, \'UTF8\'), \'base64\') FROM m_customers',
    'SELECT substr(ssn, 1, 3), substr(ssn, 5) FROM m_customers',
    'SELECT CASE WHEN ssn LIKE \'1%\' THEN ssn ELSE email END FROM m_customers',
    'SELECT x FROM (SELECT email AS x FROM m_customers) s',
    'WITH e AS (SELECT ssn FROM m_customers) SELECT * FROM e',
    'SELECT name FROM m_customers UNION ALL SELECT email FROM m_customers',
    'SELECT (SELECT email FROM m_customers WHERE id = 1)',
    'SELECT string_agg(ssn, \',\') FROM m_customers',
    'SELECT array_agg(email) FROM m_customers',
    'SELECT contact FROM m_customer_v',
    'SELECT * FROM m_customer_v',
    'SELECT p.card_number, c.name FROM m_payments p JOIN m_customers c ON c.id = p.customer_id',
    'SELECT t.x FROM m_customers c, LATERAL (SELECT c.ssn AS x) t',
    'SELECT max(email) OVER () FROM m_customers',
    'SELECT coalesce(NULL, ssn) FROM m_customers',
    'SELECT length(ssn)::text || ssn FROM m_customers',
    'SELECT lower(email) AS e FROM m_customers ORDER BY 1',
    'SELECT json_build_object(\'s\', ssn) FROM m_customers',
    'SELECT ARRAY[email, ssn] FROM m_customers',
  ])('returns nothing sensitive: %s', async (sql) => {
    await masked(sql);
  });

  it('masks through the extended protocol with parameters, and in binary-capable clients', async () => {
    await masked('SELECT email, ssn FROM m_customers WHERE id = $1', [1]);
    await masked('SELECT card_number FROM m_payments WHERE amount > $1', [0]);
  });

  it('masks binary-format results', async () => {
    // node-postgres asks for binary results with `binary: true` (not in its QueryConfig type).
    const r = await agent.query({ text: 'SELECT email, ssn, id FROM m_customers WHERE id = $1', values: [1], binary: true } as pg.QueryConfig);
    expect(leaks(r.rows.map((row: Record<string, unknown>) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('utf8') : v]))))).toEqual([]);
  });

  it('masks COPY TO STDOUT, refuses other COPY formats, and tells the client what it masked', async () => {
    const token = await b.token('alice', ['agents']);
    const out = await psql(b.port, 'alice', token, ['-c', 'COPY m_customers TO STDOUT', '-c', 'COPY (SELECT upper(ssn) FROM m_customers) TO STDOUT', '-c', 'SELECT ssn FROM m_customers']);
    expect(out.status).toBe(0);
    for (const raw of RAW) expect(out.stdout.replace(/[-\s]/g, '')).not.toContain(raw.replace(/[-\s]/g, ''));
    expect(out.stdout).toContain('Paris');
    expect(out.stderr).toMatch(/NOTICE:  Airlock masked \d+ value\(s\) in column\(s\) ssn/);
    expect(await refused('COPY m_customers TO STDOUT WITH (FORMAT csv)')).toMatch(/format/);
  });

  it('masks PREPARE/EXECUTE and cursors', async () => {
    await agent.query('PREPARE p AS SELECT ssn FROM m_customers');
    await masked('EXECUTE p');
    await agent.query('BEGIN');
    await agent.query('DECLARE cur CURSOR FOR SELECT email FROM m_customers');
    await masked('FETCH ALL FROM cur');
    await agent.query('COMMIT');
  });

  it('returns clear data when sensitive columns are only filtered on or counted', async () => {
    const r = await masked(`SELECT count(email) AS n, count(DISTINCT ssn) AS d FROM m_customers WHERE ssn = '${SSN}' OR email LIKE '%bob%'`);
    expect(r.rows[0]).toEqual({ n: '2', d: '2' });
    const names = await masked(`SELECT name FROM m_customers WHERE ssn = '${SSN}'`);
    expect(names.rows).toEqual([{ name: 'Alice' }]);
    const ex = await masked('SELECT name FROM m_customers c WHERE EXISTS (SELECT 1 FROM m_payments p WHERE p.customer_id = c.id AND p.card_number LIKE \'4%\')');
    expect(ex.rows).toEqual([{ name: 'Alice' }]);
    const sums = await masked('SELECT sum(amount)::int AS s FROM m_payments');
    expect(sums.rows[0].s).toBe(350);
  });

  it('refuses what it cannot trace, and writes that would copy masked values', async () => {
    expect(await refused('SELECT * FROM pg_stats')).toMatch(/pg_stats/);
    expect(await refused('SELECT some_udf(email) FROM m_customers')).toMatch(/some_udf/);
    expect(await refused('SELECT set_config(\'x.y\', ssn, false) FROM m_customers')).toMatch(/set_config/);
    expect(await refused('CREATE TEMP TABLE leak AS SELECT email FROM m_customers')).toMatch(/copy masked values|no-ddl-for-agents/);
    expect(await refused('UPDATE m_customers SET name = ssn WHERE id = 1')).toMatch(/not be masked/);
    expect(await refused('EXPLAIN VERBOSE SELECT ssn FROM m_customers')).toMatch(/EXPLAIN VERBOSE/);
    expect(await refused('DO $$ BEGIN RAISE NOTICE \'%\', (SELECT ssn FROM m_customers LIMIT 1); END $$')).toBeTruthy();
    expect((await admin.query('SELECT name FROM m_customers WHERE id = 1')).rows[0].name).toBe('Alice');
  });

  it('withholds values from error details', async () => {
    const e = await agent.query(`INSERT INTO m_customers (id, name, email) VALUES (3, 'Eve', '${EMAIL}')`).then(() => undefined, (x: pg.DatabaseError) => x);
    expect(e?.code).toBe('23505');
    expect(JSON.stringify({ m: e?.message, d: e?.detail })).not.toContain(EMAIL);
    const cast = await agent.query('SELECT ssn::int FROM m_customers').then(() => undefined, (x: pg.DatabaseError) => x);
    expect(cast?.message).not.toContain(SSN);
    // The journal keeps the error as the client saw it (statement texts are the client's own).
    expect(JSON.stringify(b.store.records.filter((r) => r.type === 'statement.end'))).not.toContain(SSN);
  });

  it('leaves exempt identities unmasked', async () => {
    const dba = await b.client('bob', ['dba', 'agents']);
    const r = await dba.query('SELECT ssn FROM m_customers WHERE id = 1');
    expect(r.rows[0].ssn).toBe(SSN);
  });
});
