/**
 * Contract: the HTTP API answers with bearer-token auth; a caller sees their own principal,
 * the connections they may open, and only their own sessions; errors carry registry codes and
 * never echo the token; dev tokens only while the dev provider runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../broker/http/build-app.js';
import { startTestBroker, type TestBroker } from '../support/broker-harness.js';

let b: TestBroker;
let app: FastifyInstance;
beforeAll(async () => {
  b = await startTestBroker();
  app = await buildApp({
    config: b.broker.config,
    verifier: b.broker.verifier,
    store: b.store,
    sessions: b.broker.sessions,
    approvals: b.broker.approvals,
    access: b.broker.access,
    events: b.broker.events,
    devProvider: b.broker.devProvider,
    version: 'test',
  });
});
afterAll(async () => {
  await app.close();
  await b[Symbol.asyncDispose]();
});

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

describe('HTTP API', () => {
  it('serves health and info without a token', async () => {
    const h = await app.inject({ method: 'GET', url: '/healthz' });
    expect(h.statusCode).toBe(200);
    expect(h.json()).toMatchObject({ status: 'ok' });
    const i = await app.inject({ method: 'GET', url: '/v1/info' });
    expect(i.json()).toMatchObject({ name: 'airlock', devProvider: true });
    expect(h.headers['cache-control']).toBe('no-store');
  });

  it('refuses missing and bad tokens with a registry code, without echoing the token', async () => {
    const none = await app.inject({ method: 'GET', url: '/v1/me' });
    expect(none.statusCode).toBe(401);
    expect(none.json().code).toBe('BRK_ERR_TOKEN_MISSING');
    expect(none.headers['www-authenticate']).toBe('Bearer');
    const bad = await app.inject({ method: 'GET', url: '/v1/me', headers: auth('abc.def.ghi-secret-looking') });
    expect(bad.statusCode).toBe(401);
    expect(bad.body).not.toContain('secret-looking');
  });

  it('returns the caller and the connections their groups open', async () => {
    const token = await b.token('alice', ['developers', 'readonly']);
    const me = await app.inject({ method: 'GET', url: '/v1/me', headers: auth(token) });
    expect(me.json()).toMatchObject({ subject: 'alice', groups: ['developers', 'readonly'], kind: 'human' });
    const conns = await app.inject({ method: 'GET', url: '/v1/connections', headers: auth(token) });
    expect(conns.json().connections).toEqual([
      expect.objectContaining({ name: 'testdb', databaseRole: 'airlock_ro', defaultAction: 'allow', url: expect.stringContaining('/testdb') }),
    ]);
    const outsider = await app.inject({ method: 'GET', url: '/v1/connections', headers: auth(await b.token('eve', ['sales'])) });
    expect(outsider.json().connections).toEqual([]);
  });

  it('lists only the caller\'s own sessions and shows one with its statements', async () => {
    const c = await b.client('alice', ['developers']);
    await c.query('SELECT 1 AS one');
    await c.query('DELETE FROM items').catch(() => {});
    const token = await b.token('alice', ['developers']);
    const list = await app.inject({ method: 'GET', url: '/v1/sessions', headers: auth(token) });
    const sessions = list.json().sessions as { id: string; active: boolean; blocked: number }[];
    expect(sessions.length).toBeGreaterThan(0);
    const mine = sessions.find((s) => s.active)!;
    expect(mine.blocked).toBe(1);
    const one = await app.inject({ method: 'GET', url: `/v1/sessions/${mine.id}`, headers: auth(token) });
    const texts = (one.json().statements as { text: string; action: string }[]).map((s) => `${s.action}:${s.text}`);
    expect(texts).toEqual(['allow:SELECT 1 AS one', 'block:DELETE FROM items']);
    const other = await app.inject({ method: 'GET', url: `/v1/sessions/${mine.id}`, headers: auth(await b.token('bob', ['dba'])) });
    expect(other.statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/v1/sessions?limit=0', headers: auth(token) })).statusCode).toBe(400);
  });

  it('mints dev tokens that the broker then accepts', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/dev/token', payload: { user: 'carol', groups: ['auditors'] }, remoteAddress: '127.0.0.1' });
    expect(res.statusCode).toBe(200);
    const { token } = res.json() as { token: string };
    const me = await app.inject({ method: 'GET', url: '/v1/me', headers: auth(token) });
    expect(me.json()).toMatchObject({ subject: 'carol', groups: ['auditors'] });
    const remote = await app.inject({ method: 'POST', url: '/v1/dev/token', payload: { user: 'carol' }, remoteAddress: '10.1.2.3' });
    expect(remote.statusCode).toBe(403);
    const badBody = await app.inject({ method: 'POST', url: '/v1/dev/token', payload: { user: 'x y', admin: true }, remoteAddress: '127.0.0.1' });
    expect(badBody.statusCode).toBe(400);
  });

  it('refuses dev tokens when the dev provider is not running', async () => {
    const noDev = await buildApp({ config: b.broker.config, verifier: b.broker.verifier, store: b.store, sessions: b.broker.sessions, approvals: b.broker.approvals,
    access: b.broker.access, events: b.broker.events, version: 'test' });
    const res = await noDev.inject({ method: 'POST', url: '/v1/dev/token', payload: { user: 'alice' }, remoteAddress: '127.0.0.1' });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('BRK_ERR_DEV_PROVIDER_OFF');
    await noDev.close();
  });
});
