/**
 * Contract: `/v1/tunnel/<connection>` carries a PostgreSQL session in a WebSocket with the
 * caller's bearer token as the identity; the local forwarder (what `airlock connect` runs)
 * lets psql and node-postgres connect on 127.0.0.1 without a password. Sessions through the
 * tunnel get the same rules, recording and cancellation as direct ones; a refused tunnel (bad
 * token, unknown connection, no broker) reaches the client as a clear FATAL error.
 */
import { execFileSync, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import WebSocket from 'ws';
import { startForwarder, type Forwarder } from '../../broker/tunnel/local-forwarder.js';
import { sendCancel } from '../support/admin-client.js';
import { startTestBroker, type TestBroker } from '../support/broker-harness.js';
import { runProcess } from '../support/run-process.js';

let b: TestBroker;
let f: Forwarder;
const events: string[] = [];

beforeAll(async () => {
  b = await startTestBroker();
  f = await startForwarder({
    brokerUrl: b.broker.httpUrl,
    connection: 'testdb',
    token: () => b.token('alice', ['developers']),
    onEvent: (e) => events.push(e.type),
  });
});
afterAll(async () => {
  await f.close();
  await b[Symbol.asyncDispose]();
});

const local = (extra: Partial<pg.ClientConfig> = {}): pg.Client =>
  new pg.Client({ host: '127.0.0.1', port: f.port, user: 'whoever', database: 'ignored', password: 'not-a-token', ...extra });

describe('tunnel', () => {
  it('runs psql through the forwarder without a password, under the token\'s identity and rules', async () => {
    const r = await runProcess('psql', ['-X', `host=127.0.0.1 port=${f.port} dbname=testdb user=me sslmode=prefer`, '-At', '-c', 'SELECT count(*) FROM items', '-c', 'DELETE FROM items'], {
      env: { ...process.env, PGPASSWORD: '' },
    });
    expect(r.stdout.trim()).toBe('100');
    expect(r.stderr).toContain('no-unbounded-writes');
    const start = b.store.records.filter((x) => x.type === 'session.start').at(-1) as { via?: string; subject?: string };
    expect(start).toMatchObject({ via: 'tunnel', subject: 'alice' });
  });

  it('carries the extended protocol, large results and cancellation', async () => {
    const c = local();
    await c.connect();
    const big = await c.query('SELECT g, repeat($1::text, 2000) AS pad FROM generate_series(1, 2000) g', ['x']);
    expect(big.rowCount).toBe(2000);
    const running = c.query('SELECT pg_sleep(10)');
    await new Promise((r) => setTimeout(r, 500));
    await sendCancel(f.port, c);
    await expect(running).rejects.toMatchObject({ code: '57014' });
    expect((await c.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    await c.end();
    expect(events).toContain('opened');
  });

  it('refuses a bad token and an unknown connection with a clear FATAL error', async () => {
    const bad = await startForwarder({ brokerUrl: b.broker.httpUrl, connection: 'testdb', token: async () => 'not-a-jwt' });
    const c = new pg.Client({ host: '127.0.0.1', port: bad.port, user: 'x', database: 'x' });
    await expect(c.connect()).rejects.toThrow(/Airlock: the token is not a well-formed JWT/);
    await bad.close();
    const unknown = await startForwarder({ brokerUrl: b.broker.httpUrl, connection: 'nope', token: () => b.token('alice', ['developers']) });
    const u = new pg.Client({ host: '127.0.0.1', port: unknown.port, user: 'x', database: 'x' });
    await expect(u.connect()).rejects.toThrow(/no such connection/);
    await unknown.close();
    const down = await startForwarder({ brokerUrl: 'http://127.0.0.1:9', connection: 'testdb', token: async () => 'x' });
    const d = new pg.Client({ host: '127.0.0.1', port: down.port, user: 'x', database: 'x' });
    await expect(d.connect()).rejects.toThrow(/could not be reached/);
    await down.close();
  });

  it('answers an upgrade without a token with 401 and refuses tunnels to forbidden connections', async () => {
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${b.broker.httpUrl.replace('http', 'ws')}/v1/tunnel/testdb`);
      ws.on('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => {});
    });
    expect(status).toBe(401);
    const outsider = await startForwarder({ brokerUrl: b.broker.httpUrl, connection: 'testdb', token: () => b.token('mallory', ['strangers']) });
    const c = new pg.Client({ host: '127.0.0.1', port: outsider.port, user: 'x', database: 'x' });
    await expect(c.connect()).rejects.toThrow(/may not open this connection/);
    await outsider.close();
  });
});

describe('airlock connect', () => {
  beforeAll(() => {
    execFileSync('node', ['scripts/build.mjs'], { stdio: 'ignore' });
  });

  it('prints a ready psql line, forwards, and stops on SIGINT', { timeout: 30_000 }, async () => {
    const child = spawn('node', ['bin/airlock.js', 'connect', 'testdb', '--broker', b.broker.httpUrl, '--dev', '--user', 'alice', '--groups', 'developers'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    await expect.poll(() => /port=(\d+)/.exec(out)?.[1], { timeout: 15_000 }).toBeDefined();
    const port = Number(/port=(\d+)/.exec(out)![1]);
    expect(out).toContain(`Forwarding 127.0.0.1:${port} → testdb`);
    const r = await runProcess('psql', ['-X', '-At', `host=127.0.0.1 port=${port} dbname=testdb user=me sslmode=disable`, '-c', 'SELECT current_database()'], { env: { ...process.env, PGPASSWORD: '' } });
    expect(r.status).toBe(0);
    expect(err).toContain('connection 1 opened');
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('refuses to send a token in cleartext to a broker on another machine', async () => {
    const r = await runProcess('node', ['bin/airlock.js', 'connect', 'testdb', '--broker', 'http://db.example.com:8484'], { env: { ...process.env, AIRLOCK_TOKEN: 'x' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('use an https:// broker URL');
  });

  it('explains a missing token and exits 2', async () => {
    const r = await runProcess('node', ['bin/airlock.js', 'connect', 'testdb'], { env: { ...process.env, AIRLOCK_TOKEN: '' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('set AIRLOCK_TOKEN');
  });
});
