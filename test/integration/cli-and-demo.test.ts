/**
 * Contract: the `airlock` command (as installed: bin/airlock.js over the built bundle) answers
 * --help, checks configs naming the broken key, refuses dev tokens when the broker has no dev
 * provider, verifies journals; and the demo starts a seeded database, the dev provider and the
 * broker with rules that hold.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { silentLogger } from '../../broker/log.js';
import { startDemo } from '../../broker/demo/demo.js';
import { runProcess } from '../support/run-process.js';
import { startTestBroker } from '../support/broker-harness.js';

const airlock = (args: string[], env: NodeJS.ProcessEnv = {}) => runProcess('node', ['bin/airlock.js', ...args], { env: { ...process.env, ...env } });

beforeAll(() => {
  execFileSync('node', ['scripts/build.mjs'], { stdio: 'ignore' });
});

describe('airlock CLI', () => {
  it('prints help, and exits 2 on an unknown command', async () => {
    const help = await airlock(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('airlock config check FILE');
    const bad = await airlock(['frobnicate']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown command "frobnicate"');
    const sub = await airlock(['token', '--help']);
    expect(sub.stdout).toContain('--groups');
  });

  it('config check accepts the example and names the broken key of a bad file', async () => {
    const ok = await airlock(['config', 'check', 'test/fixtures/config/minimal.yaml'], { AIRLOCK_TEST_DB_PASSWORD: 'x' });
    expect(ok.stderr + ok.stdout).not.toContain('x\n');
    const dir = mkdtempSync(join(tmpdir(), 'airlock-cli-'));
    writeFileSync(join(dir, 'bad.yaml'), 'connections:\n  shop:\n    upstream: { host: db, database: d, user: u, prot: 5432 }\n    allowGroups: [dev]\nidentity: { issuers: [] }\n');
    const bad = await airlock(['config', 'check', join(dir, 'bad.yaml')]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('connections.shop.upstream');
    expect(bad.stderr).toMatch(/did you mean "port"/);
  });

  it('mints a dev token from a running broker, and is refused when there is none', async () => {
    const b = await startTestBroker();
    try {
      const r = await airlock(['token', '--dev', '--user', 'alice', '--groups', 'developers', '--broker', b.broker.httpUrl]);
      expect(r.status).toBe(0);
      const principal = await b.broker.verifier.verify(r.stdout.trim());
      expect(principal.groups).toEqual(['developers']);
    } finally {
      await b[Symbol.asyncDispose]();
    }
    const none = await airlock(['token', '--dev', '--user', 'alice', '--broker', 'http://127.0.0.1:1']);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/no broker answers/);
    const notDev = await airlock(['token', '--user', 'alice']);
    expect(notDev.status).toBe(2);
  });

  it('audit verify reports a missing journal as a failure', async () => {
    const r = await airlock(['audit', 'verify', '--dir', mkdtempSync(join(tmpdir(), 'airlock-none-'))]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('no journal');
  });
});

describe('demo', () => {
  it('starts a seeded shop behind the broker with rules that hold', async () => {
    const home = mkdtempSync(join(tmpdir(), 'airlock-demo-'));
    const demo = await startDemo(silentLogger, { postgres: 0, http: 0, idp: 0 }, home);
    try {
      const token = await demo.broker.devProvider!.mintToken('alice');
      const c = new pg.Client({ host: '127.0.0.1', port: demo.broker.postgres.port, user: 'alice', database: 'shop', password: token });
      await c.connect();
      const r = await c.query('SELECT current_user AS u, count(*)::int AS n FROM customers');
      expect(r.rows[0]).toEqual({ u: 'airlock_agent', n: 200 });
      await expect(c.query('DROP TABLE payments')).rejects.toMatchObject({ code: '42501' });
      await expect(c.query('DELETE FROM orders')).rejects.toThrow(/no-unbounded-writes/);
      // The README's walkthrough, statement by statement.
      await expect(c.query('DROP TABLE payments')).rejects.toThrow(/no-ddl-for-agents/);
      await expect(c.query('SET ROLE postgres')).rejects.toThrow(/airlock:role-lock/);
      await expect(c.query("SELECT pg_read_file('/etc/passwd')")).rejects.toThrow(/airlock:role-lock/);
      const people = await c.query('SELECT name, email, ssn FROM customers ORDER BY id LIMIT 3');
      expect(people.rowCount).toBe(3);
      // alice is an agent: personal data comes back masked.
      expect(people.rows[0].email).toMatch(/^h:[0-9a-f]{16}$/);
      expect(people.rows[0].ssn).toMatch(/^\*\*\*-\*\*-\d{4}$/);
      await expect(c.query('SELECT md5(ssn) FROM customers LIMIT 1')).resolves.toMatchObject({ rows: [{ md5: '[masked]' }] });
      await c.end();
      const bob = new pg.Client({ host: '127.0.0.1', port: demo.broker.postgres.port, user: 'bob', database: 'shop', password: await demo.broker.devProvider!.mintToken('bob') });
      await bob.connect();
      await expect(bob.query("SELECT pg_read_file('/etc/passwd')")).rejects.toThrow(/no-server-file-access/);
      expect((await bob.query('SELECT current_user AS u')).rows[0].u).toBe('postgres');
      await bob.end();
    } finally {
      await demo.broker.close();
      await demo.stop();
    }
  }, 60_000);
});
