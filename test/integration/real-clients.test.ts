/**
 * Contract: the drivers people and agents actually use work through the broker, each with its
 * own way of speaking the protocol — psycopg2 (simple protocol, client-side quoting), psycopg 3
 * (server-side parameters, prepared statements, pipeline mode, binary), asyncpg (binary for
 * everything, named statements, type introspection, cancel on timeout) and pgjdbc (server
 * prepares after two uses, batches, fetch size with portal suspension, metadata queries).
 * For each: results are right, a blocked statement answers 42501 naming the rule and the session
 * goes on, inside a transaction the transaction fails as PostgreSQL's would, masked columns come
 * back masked in text and binary format, COPY and cursors work, and a cancel reaches the
 * database. (The cancelled statement counts 10^10 rows: pg_sleep() is refused to a masked
 * identity, since what it does cannot be traced, and generate_series() is not.) The drivers come from Debian's packages (python3-psycopg2, python3-psycopg,
 * python3-asyncpg, libpostgresql-jdbc-java with a JRE); a missing one is skipped unless
 * AIRLOCK_REQUIRE_CLIENTS is set, as in CI.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import postgres from 'postgres';
import { adminClient } from '../support/admin-client.js';
import { startTestBroker, type TestBroker } from '../support/broker-harness.js';
import { runProcess } from '../support/run-process.js';

const dir = fileURLToPath(new URL('../fixtures/clients/', import.meta.url));
// Debian's interpreter, where the apt packages install; a pyenv or venv python3 would not see them.
const PYTHON = '/usr/bin/python3';
const JDBC_JAR = '/usr/share/java/postgresql.jar';

function works(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

interface Client {
  readonly name: string;
  readonly available: () => boolean;
  readonly install: string;
  readonly command: (port: number) => [string, string[]];
}

const clients: Client[] = [
  { name: 'psycopg2', available: () => works(PYTHON, ['-c', 'import psycopg2']), install: 'python3-psycopg2', command: (port) => [PYTHON, [`${dir}psycopg2_client.py`, String(port), 'testdb', 'alice']] },
  { name: 'psycopg 3', available: () => works(PYTHON, ['-c', 'import psycopg']), install: 'python3-psycopg', command: (port) => [PYTHON, [`${dir}psycopg3_client.py`, String(port), 'testdb', 'alice']] },
  { name: 'asyncpg', available: () => works(PYTHON, ['-c', 'import asyncpg']), install: 'python3-asyncpg', command: (port) => [PYTHON, [`${dir}asyncpg_client.py`, String(port), 'testdb', 'alice']] },
  {
    name: 'pgjdbc',
    available: () => existsSync(JDBC_JAR) && works('java', ['-version']),
    install: 'default-jre-headless libpostgresql-jdbc-java',
    command: (port) => ['java', ['-cp', JDBC_JAR, `${dir}JdbcClient.java`, String(port), 'testdb', 'alice']],
  },
];

const RAW = { email: 'ada@example.com', ssn: '123-45-6789' };
let b: TestBroker;
let admin: pg.Client;

beforeAll(async () => {
  admin = await adminClient();
  await admin.query(`DROP TABLE IF EXISTS rc_customers;
    CREATE TABLE rc_customers (id int PRIMARY KEY, email text, ssn text);
    INSERT INTO rc_customers VALUES (1, '${RAW.email}', '${RAW.ssn}'), (2, 'bo@example.com', '987-65-4321'), (3, 'cy@example.com', '555-12-3456')`);
  b = await startTestBroker({
    masking: `
  salt: { env: MASK_SALT }
  rules:
    - name: pii
      groups: [agents]
      columns:
        - { column: rc_customers.email, strategy: hash }
        - { column: rc_customers.ssn, strategy: partial }
`,
    env: { MASK_SALT: 'real-clients' },
  });
});
afterAll(async () => {
  await b?.[Symbol.asyncDispose]();
  await admin?.query('DROP TABLE IF EXISTS rc_customers');
  await admin?.end();
});

type Outcome = Record<string, unknown> & { blocked?: { sqlstate: string; message: string } | null };

async function run(client: Client): Promise<Outcome> {
  const [cmd, args] = client.command(b.port);
  const r = await runProcess(cmd, args, { env: { ...process.env, PGPASSWORD: await b.token('alice', ['developers', 'agents']) }, timeoutMs: 90_000 });
  expect(r.status, `${client.name} failed:\n${r.stderr}\n${r.stdout}`).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Outcome;
}

const MASKED_EMAIL = /^h:[0-9a-f]{16}$/;
const MASKED_SSN = '***-**-6789';

describe.each(clients)('$name through the broker', (client) => {
  const available = client.available();
  if (!available && process.env.AIRLOCK_REQUIRE_CLIENTS) throw new Error(`${client.name} is not installed and AIRLOCK_REQUIRE_CLIENTS is set (apt-get install -y ${client.install})`);

  it.skipIf(!available)('gets its results, is refused with 42501 and goes on, sees masked values, cancels', async () => {
    const out = await run(client);
    expect(out.param).toEqual(client.name === 'psycopg2' ? [42, "it's a back\\slash"] : [42, 'héllo']);
    expect(out.prepared).toEqual(client.name === 'psycopg2' ? [1, 2, 3] : [1, 2, 3, 1, 2, 3]);
    expect(out.blocked?.sqlstate).toBe('42501');
    expect(out.blocked?.message).toMatch(/rule "no-ddl-for-agents"/);
    expect(out.afterBlocked).toBe('still usable');
    for (const key of ['masked', 'maskedBinary']) {
      const m = out[key] as { email: string; ssn: string } | undefined;
      if (m === undefined) continue;
      expect(m.email, key).toMatch(MASKED_EMAIL);
      expect(m.ssn, key).toBe(MASKED_SSN);
    }
    expect(out.masked ?? out.maskedBinary).toBeDefined();
    // An UPDATE without WHERE inside a transaction: refused, and the transaction is failed.
    if ('txBlocked' in out) expect(out.txBlocked).toBe('42501');
    if ('txAfterBlocked' in out) expect(out.txAfterBlocked).toBe('25P02');
    if ('copy' in out) expect(out.copy).toEqual([1, 2, 3]);
    if ('cursor' in out) expect(out.cursor).toEqual([1, 2, 3]);
    if ('fetched' in out) expect(out.fetched).toBe(1000);
    if ('batch' in out) expect(out.batch).toBe('ok');
    if ('metadataColumns' in out) expect(out.metadataColumns).toBe(3);
    // asyncpg cancels on its own timeout and reports the timeout rather than 57014.
    expect(out.cancelled).toBe(client.name === 'asyncpg' ? 'timeout' : '57014');
    expect(out.afterCancel).toBe('after cancel');

    // Nothing got through: the table was not created and no email was overwritten.
    expect((await admin.query("SELECT to_regclass('rc_should_fail') AS t")).rows[0].t).toBeNull();
    expect((await admin.query('SELECT email FROM rc_customers WHERE id = 1')).rows[0].email).toBe(RAW.email);
    // And the refusal is in the record, with its rule.
    const refused = b.store.records.filter((r) => r.type === 'statement' && r.text.includes('rc_should_fail'));
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.at(-1)).toMatchObject({ action: 'block', rule: 'no-ddl-for-agents' });
  }, 120_000);
});

describe('Postgres.js through the broker', () => {
  it('pipelines, is refused with 42501 and goes on, sees masked values, uses cursors, cancels', async () => {
    const sql = postgres({ host: '127.0.0.1', port: b.port, database: 'testdb', username: 'alice', password: await b.token('alice', ['developers', 'agents']), ssl: false, max: 1, onnotice: () => {} });
    try {
      expect(await sql`select ${41}::int + 1 as a, ${'héllo'}::text as b`).toEqual([{ a: 42, b: 'héllo' }]);
      // One connection: these go out back to back before any answer (Parse/Bind/Execute/Sync each).
      const ids = await Promise.all([1, 2, 3, 1, 2, 3].map((i) => sql`select id from rc_customers where id = ${i}`));
      expect(ids.map((r) => r[0]?.id)).toEqual([1, 2, 3, 1, 2, 3]);
      const refused = await sql`create table rc_should_fail (x int)`.then(() => undefined, (e: postgres.PostgresError) => e);
      expect(refused?.code).toBe('42501');
      expect(refused?.message).toMatch(/rule "no-ddl-for-agents"/);
      expect(await sql`select 'still usable' as x`).toEqual([{ x: 'still usable' }]);
      const [row] = await sql`select email, ssn from rc_customers where id = ${1}`;
      expect(row?.email).toMatch(MASKED_EMAIL);
      expect(row?.ssn).toBe(MASKED_SSN);
      const tx = await sql.begin(async (t) => {
        await t`select 1`;
        await t`update rc_customers set email = 'x'`;
      }).then(() => undefined, (e: postgres.PostgresError) => e.code);
      expect(tx).toBe('42501');
      const multi = await sql.unsafe('select 1 as a; select 2 as b');
      expect(multi.map((r) => r[0])).toEqual([{ a: 1 }, { b: 2 }]);
      let seen = 0;
      await sql`select generate_series(1, 100) as n`.cursor(10, (rows) => {
        seen += rows.length;
      });
      expect(seen).toBe(100);
      const long = sql`select count(*) from generate_series(1, 100000) a cross join generate_series(1, 100000) b`;
      setTimeout(() => void long.cancel(), 500);
      expect(await long.then(() => undefined, (e: postgres.PostgresError) => e.code)).toBe('57014');
      expect(await sql`select 'after cancel' as x`).toEqual([{ x: 'after cancel' }]);
      expect((await admin.query('SELECT email FROM rc_customers WHERE id = 1')).rows[0].email).toBe(RAW.email);
    } finally {
      await sql.end({ timeout: 5 });
    }
  }, 60_000);
});

describe('pg_dump', () => {
  // What pg_dump (15.8+, 16.4+, 17) sends before it reads the catalogs, in its order. Debian's
  // pg_dump is older than the test server, which it refuses to dump, so the statements are sent
  // here as pg_dump sends them (simple protocol, one at a time).
  const OPENING = [
    "SELECT pg_catalog.set_config('search_path', '', false);",
    'SELECT pg_catalog.pg_is_in_recovery()',
    'SET DATESTYLE = ISO',
    'SET INTERVALSTYLE = POSTGRES',
    'SET extra_float_digits TO 3',
    'SET synchronize_seqscans TO off',
    'SET statement_timeout = 0',
    'SET lock_timeout = 0',
    'SET idle_in_transaction_session_timeout = 0',
    'SET row_security = off',
    "SELECT set_config(name, 'view, foreign-table', false) FROM pg_settings WHERE name = 'restrict_nonsystem_relation_kind'",
    'BEGIN',
    'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY',
    'SELECT oid, rolname FROM pg_catalog.pg_roles ORDER BY 1',
    'LOCK TABLE public.rc_customers IN ACCESS SHARE MODE',
    'COMMIT',
  ];

  it('gets through the broker: the setting its set_config over pg_settings changes is pinned by the WHERE', async () => {
    const c = await b.client('bob', ['dba']);
    for (const sql of OPENING) await expect(c.query(sql), sql).resolves.toBeDefined();
    expect((await c.query('SHOW restrict_nonsystem_relation_kind')).rows[0].restrict_nonsystem_relation_kind).toBe('view, foreign-table');
    const decisions = b.store.records.filter((r) => r.type === 'statement' && r.text.startsWith('SELECT set_config(name'));
    expect(decisions.at(-1)).toMatchObject({ action: 'allow' });
    // The same shape with the name left open is still refused.
    await expect(c.query("SELECT set_config(name, 'x', false) FROM pg_settings WHERE name = 'work_mem' OR true")).rejects.toMatchObject({ code: '42501', message: expect.stringContaining('airlock:guard-settings') });
  });
});
