/**
 * Contract: a user asks for extra groups on a connection for a while; a reviewer (never the
 * requester) approves; the grant applies to the user's new sessions and to the rules of the
 * open ones at once, and ends when revoked or when its time is up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { AccessService } from '../../broker/approvals/access-service.js';
import { openApprovalsDb } from '../../broker/approvals/approvals-store.js';
import { localState } from '../../broker/store/local-state.js';
import { EventBus } from '../../broker/approvals/event-bus.js';
import { startTestBroker, type TestBroker } from '../support/broker-harness.js';

let b: TestBroker;

beforeAll(async () => {
  const db = (await import('vitest')).inject('pg');
  b = await startTestBroker({
    extraUsers: '      - { name: dave, email: dave@example.com, groups: [developers, dba] }',
    extraConnections: `
  accdb:
    upstream: { host: ${db.host}, port: ${db.port}, database: ${db.database}, user: ${db.superuser}, password: { env: TEST_UPSTREAM_PASSWORD }, tls: { mode: disable } }
    allowGroups: [developers, writers]
    defaultAction: block`,
    rules: `
  - name: reads
    match: { connections: [accdb], kinds: [select] }
    action: allow
  - name: writers-write
    match: { connections: [accdb], groups: [writers], kinds: [insert, update, delete] }
    action: allow
`,
  });
});
afterAll(async () => {
  await b[Symbol.asyncDispose]();
});

async function api(user: string, groups: string[], method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${b.broker.httpUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${await b.token(user, groups)}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function accClient(user: string, groups: string[]): Promise<pg.Client> {
  return b.client(user, groups, { database: 'accdb' });
}

/** A harmless write to the shared test table `items`: 'ran' or the SQLSTATE that refused it. */
const write = (c: pg.Client): Promise<string> =>
  c.query('UPDATE items SET qty = qty WHERE id = 1').then(() => 'ran', (e: pg.DatabaseError) => e.code ?? 'error');

describe('access requests', () => {
  it('grants groups for a while: new and open sessions follow, and revocation ends it', async () => {
    const open = await accClient('alice', ['developers']);
    expect(await write(open)).not.toBe('ran');

    const asked = await api('alice', ['developers'], 'POST', '/v1/access-requests', { connection: 'accdb', groups: ['writers'], durationSeconds: 3600, reason: 'fix order 1234' });
    expect(asked.status).toBe(201);
    const id = asked.json.id as string;
    expect(asked.json).toMatchObject({ state: 'pending', groups: ['writers'], url: expect.stringContaining(`/access/${id}`) });

    const own = await api('dave', ['developers', 'dba'], 'POST', `/v1/access-requests/${id}/decision`, { verdict: 'approve' });
    expect(own.status).toBe(200); // dave is a reviewer and not the requester
    expect(own.json).toMatchObject({ state: 'active' });
    expect(Date.parse(own.json.activeUntil as string) - Date.parse(own.json.activeFrom as string)).toBe(3_600_000);

    // The open session's rules follow at once; a new session gets the group too.
    expect(await write(open)).toBe('ran');
    const fresh = await accClient('alice', ['developers']);
    expect(await write(fresh)).toBe('ran');
    expect((await api('alice', ['developers'], 'GET', `/v1/access-requests/${id}`)).json.state).toBe('active');

    const revoked = await api('bob', ['dba'], 'POST', `/v1/access-requests/${id}/revoke`);
    expect(revoked.json).toMatchObject({ state: 'revoked', revokedBy: { subject: 'bob' } });
    expect(await write(open)).toBe('42501');
    expect(await write(fresh)).toBe('42501');
  });

  it('refuses self-approval, unknown groups, too long grants, and strangers', async () => {
    const bad = await api('alice', ['developers'], 'POST', '/v1/access-requests', { connection: 'accdb', groups: ['root'], durationSeconds: 600, reason: 'please' });
    expect(bad.status).toBe(400);
    expect(String(bad.json.message)).toContain('not used by connection accdb');
    const long = await api('alice', ['developers'], 'POST', '/v1/access-requests', { connection: 'accdb', groups: ['writers'], durationSeconds: 10 ** 7, reason: 'please' });
    expect(long.status).toBe(400);
    const asked = await api('dave', ['developers', 'dba'], 'POST', '/v1/access-requests', { connection: 'accdb', groups: ['writers'], durationSeconds: 600, reason: 'migration' });
    const id = asked.json.id as string;
    const self = await api('dave', ['developers', 'dba'], 'POST', `/v1/access-requests/${id}/decision`, { verdict: 'approve' });
    expect(self.status).toBe(403);
    const stranger = await api('alice', ['developers'], 'GET', `/v1/access-requests/${id}`);
    expect(stranger.status).toBe(404);
    const denied = await api('bob', ['dba'], 'POST', `/v1/access-requests/${id}/decision`, { verdict: 'deny', comment: 'use the migration pipeline' });
    expect(denied.json).toMatchObject({ state: 'denied' });
    expect(await write(await accClient('dave', ['developers', 'dba']))).not.toBe('ran');
  });

  it('ends a grant by itself when its time is up', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const svc = new AccessService(localState(await openApprovalsDb('memory', '')).access, new EventBus(), b.broker.config.approvals.access, b.broker.config.connections, 'http://x', () => now);
    const alice = await b.broker.verifier.verify(await b.token('alice', ['developers']));
    const bob = await b.broker.verifier.verify(await b.token('bob', ['dba']));
    const r = await svc.request(alice, { connection: 'accdb', groups: ['writers'], durationSeconds: 120, reason: 'short' });
    await svc.decide(r.id, bob, 'approve', '');
    expect(svc.grantedGroups(alice, 'accdb')).toEqual(['writers']);
    expect(svc.grantedGroups(alice, 'testdb')).toEqual([]);
    now += 121_000;
    expect(svc.grantedGroups(alice, 'accdb')).toEqual([]);
    svc.stop();
  });
});
