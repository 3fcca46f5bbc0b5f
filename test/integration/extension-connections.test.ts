/**
 * Contract: the extension's connection manager and broker client (vscode-free) work against a
 * real broker: the broker lists the connections a token may open; opening one starts a local
 * forwarder that a real client uses without a password, under the signed-in identity; closing
 * it stops the forwarder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { BrokerClient, BrokerError } from '../../extension/broker-client/broker-client.js';
import { ConnectionManager } from '../../extension/connections/connection-manager.js';
import { terminalVariables } from '../../extension/terminal/terminal-environment.js';
import { startTestBroker, type TestBroker } from '../support/broker-harness.js';

let b: TestBroker;
beforeAll(async () => {
  b = await startTestBroker();
});
afterAll(async () => {
  await b[Symbol.asyncDispose]();
});

describe('extension against a real broker', () => {
  it('lists connections, opens one, and a client uses it through the terminal environment', async () => {
    const token = () => b.token('alice', ['developers']);
    const client = new BrokerClient(b.broker.httpUrl, token);
    expect((await client.info()).signIn?.issuer).toBe(b.broker.devProvider!.issuer);
    expect((await client.connections()).map((c) => c.name)).toContain('testdb');
    await expect(new BrokerClient(b.broker.httpUrl, async () => undefined).connections()).rejects.toBeInstanceOf(BrokerError);

    const manager = new ConnectionManager(() => b.broker.httpUrl, token, () => 'alice@example.com');
    let changes = 0;
    manager.onDidChange(() => changes++);
    const open = await manager.connect('testdb');
    expect(manager.latest()?.name).toBe('testdb');
    const env = terminalVariables(open);
    const c = new pg.Client({ host: env.PGHOST, port: Number(env.PGPORT), database: env.PGDATABASE, user: env.PGUSER });
    await c.connect();
    expect((await c.query('SELECT count(*)::int AS n FROM items')).rows[0].n).toBe(100);
    await c.end();
    const start = b.store.records.filter((r) => r.type === 'session.start').at(-1) as { subject?: string; via?: string };
    expect(start).toMatchObject({ subject: 'alice', via: 'tunnel' });
    const sessions = await client.sessions();
    expect(sessions[0]).toMatchObject({ connection: 'testdb', subject: 'alice' });
    await manager.disconnect('testdb');
    expect(manager.list()).toEqual([]);
    expect(changes).toBe(2);
    const closed = new pg.Client({ host: '127.0.0.1', port: open.port, user: 'x', database: 'x', connectionTimeoutMillis: 2000 });
    await expect(closed.connect()).rejects.toThrow();
  });
});

describe('extension events and terminal audit', () => {
  it('follows /v1/events with the signed-in token and sees its own blocked statement', async () => {
    const { EventsClient, eventsUrl } = await import('../../extension/events/events-client.js');
    const seen: string[] = [];
    const events = new EventsClient({ url: () => eventsUrl(b.broker.httpUrl), token: () => b.token('alice', ['developers']), onMessage: (m) => seen.push(m.type) });
    events.start();
    await expect.poll(() => seen).toContain('hello');
    const c = await b.client('alice', ['developers']);
    await c.query('DELETE FROM items').catch(() => undefined);
    await expect.poll(() => seen).toContain('statement.blocked');
    events.stop();
  });

  it('records a terminal command that went around the broker, with passwords cut', async () => {
    const client = new BrokerClient(b.broker.httpUrl, () => b.token('alice', ['developers']));
    const list = await client.connections();
    expect(list.find((c) => c.name === 'testdb')?.upstream?.port).toBeGreaterThan(0);
    await client.auditTerminal('testdb', 'PGPASSWORD=hunter2 psql postgres://app:s3cret@db:5432/x', 'bash');
    const rec = b.store.records.find((r) => r.type === 'terminal.direct-access') as { command?: string; subject?: string } | undefined;
    expect(rec).toMatchObject({ subject: 'alice' });
    expect(rec!.command).not.toMatch(/hunter2|s3cret/);
  });
});
