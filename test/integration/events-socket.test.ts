/**
 * Contract: `/v1/events` is a WebSocket with bearer auth that streams approval, blocked-
 * statement and session events to those allowed to see them: a user sees their own, a
 * reviewer the requests they may review, nobody else anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestBroker, type TestBroker } from '../support/broker-harness.js';

let b: TestBroker;
beforeAll(async () => {
  b = await startTestBroker({ extraUsers: '      - { name: carol, email: carol@example.com, groups: [auditors] }' });
});
afterAll(async () => {
  await b[Symbol.asyncDispose]();
});

interface Stream {
  readonly events: { type: string; [k: string]: unknown }[];
  next(type: string, where?: (e: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  close(): void;
}

async function open(user: string, groups: string[]): Promise<Stream> {
  const url = b.broker.httpUrl.replace(/^http/, 'ws') + '/v1/events';
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${await b.token(user, groups)}` } });
  const events: Stream['events'] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (data) => {
    events.push(JSON.parse(String(data)) as Stream['events'][number]);
    for (const w of waiters.splice(0)) w();
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return {
    events,
    async next(type, where = () => true) {
      for (;;) {
        const e = events.find((x) => x.type === type && where(x));
        if (e) return e;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    close: () => ws.close(),
  };
}

describe('/v1/events', () => {
  it('refuses an upgrade without a valid token', async () => {
    const url = b.broker.httpUrl.replace(/^http/, 'ws') + '/v1/events';
    for (const headers of [{}, { authorization: 'Bearer not-a-jwt' }]) {
      const status = await new Promise<number>((resolve) => {
        const ws = new WebSocket(url, { headers });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => resolve(101));
        ws.on('error', () => {});
      });
      expect(status).toBe(401);
    }
  });

  it('streams each event only to those who may see it', async () => {
    const alice = await open('alice', ['developers']);
    const bob = await open('bob', ['dba']);
    const carol = await open('carol', ['auditors']);
    expect(alice.events[0]).toMatchObject({ type: 'hello', subject: 'alice' });

    const c = await b.client('alice', ['developers']);
    await alice.next('session.started');
    await c.query('DELETE FROM items').catch(() => undefined);
    const blocked = await alice.next('statement.blocked');
    expect(blocked.statement).toMatchObject({ rule: 'no-unbounded-writes', sql: 'DELETE FROM items' });

    const heldNotice = new Promise<string>((resolve) => c.on('notice', (n) => resolve(String(n.message))));
    const pending = c.query('DELETE FROM audit_me WHERE id = -1').catch(() => undefined);
    const id = /approval (apr_\S+)/.exec(await heldNotice)![1]!;
    const requested = await bob.next('approval.requested', (e) => (e.approval as { id: string }).id === id);
    expect(requested.approval).toMatchObject({ id, state: 'pending', requester: { subject: 'alice' } });
    await alice.next('approval.requested', (e) => (e.approval as { id: string }).id === id);

    const reviewer = await b.broker.verifier.verify(await b.token('bob', ['dba']));
    await b.broker.approvals.decide(id, reviewer, 'approve', 'fine');
    await pending;
    const decided = await alice.next('approval.decided', (e) => (e.approval as { id: string }).id === id);
    expect(decided.approval).toMatchObject({ state: 'approved' });
    await bob.next('approval.decided', (e) => (e.approval as { id: string }).id === id);

    await c.end();
    await alice.next('session.ended');
    // Neither the blocked statement, nor the session, nor the request was carol's to see.
    expect(carol.events.map((e) => e.type)).toEqual(['hello']);
    expect(bob.events.some((e) => e.type === 'statement.blocked' || e.type.startsWith('session.'))).toBe(false);
    for (const s of [alice, bob, carol]) s.close();
  });
});
