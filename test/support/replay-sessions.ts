/**
 * Real sessions through a test broker for the replay pages: statements that run, one refused by
 * a rule, one held for approval and approved (or denied) by bob, one that fails in the
 * database. Returns the session ids the journal recorded them under.
 */
import type pg from 'pg';
import type { AirlockEvent } from '../../broker/approvals/types.js';
import type { TestBroker } from './broker-harness.js';

/** carol, an auditor (the demo's), as `startTestBroker({ extraUsers })` takes her. */
export const AUDITOR_USER = '      - { name: carol, email: carol@example.com, groups: [auditors] }';

export interface OpenedSession {
  readonly client: pg.Client;
  readonly id: string;
}

/** The next event on the broker's bus that `match` accepts. */
export function nextEvent<T extends AirlockEvent>(b: TestBroker, match: (e: AirlockEvent) => e is T): Promise<T>;
export function nextEvent(b: TestBroker, match: (e: AirlockEvent) => boolean): Promise<AirlockEvent>;
export function nextEvent(b: TestBroker, match: (e: AirlockEvent) => boolean): Promise<AirlockEvent> {
  return new Promise((resolve) => {
    const off = b.broker.events.subscribe((e) => {
      if (!match(e)) return;
      off();
      resolve(e);
    });
  });
}

/** A pg client through the broker, with the id of the session it opened. */
export async function openSession(b: TestBroker, user: string, groups: string[], extra: Partial<pg.ClientConfig> = {}): Promise<OpenedSession> {
  const started = nextEvent(b, (e) => e.type === 'session.started' && e.session.requester.subject === user);
  const client = await b.client(user, groups, extra);
  const e = await started;
  if (e.type !== 'session.started') throw new Error('unreachable');
  return { client, id: e.session.sessionId };
}

/** Ends the client and waits until the journal has the session's end. */
export async function closeSession(b: TestBroker, s: OpenedSession): Promise<void> {
  await s.client.end();
  const deadline = Date.now() + 5000;
  while (!b.store.records.some((r) => r.type === 'session.end' && r.sessionId === s.id)) {
    if (Date.now() > deadline) throw new Error(`no session.end for ${s.id}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Sends `sql`, waits until it is held for approval, lets bob decide, and returns the outcome. */
export async function heldAndDecided(
  b: TestBroker,
  s: OpenedSession,
  sql: string,
  verdict: 'approve' | 'deny',
  comment: string,
): Promise<{ approvalId: string; result: pg.QueryResult | Error }> {
  const requested = nextEvent(b, (e) => e.type === 'approval.requested' && e.approval.sessionId === s.id);
  const query = s.client.query(sql).then(
    (r) => r,
    (e: Error) => e,
  );
  const e = await requested;
  if (e.type !== 'approval.requested') throw new Error('unreachable');
  const bob = await b.broker.verifier.verify(await b.token('bob', ['dba']));
  await b.broker.approvals.decide(e.approval.id, bob, verdict, comment);
  return { approvalId: e.approval.id, result: await query };
}

export interface ReplayScenario {
  /** alice: a SELECT, a refused DELETE, an approved DELETE, a division by zero; ended. */
  readonly alice: string;
  readonly approvalId: string;
  /** bob: one SELECT; ended. */
  readonly bob: string;
}

export async function recordScenario(b: TestBroker, note = 'replay'): Promise<ReplayScenario> {
  const a = await openSession(b, 'alice', ['developers', 'agents'], { application_name: 'claude-code' });
  await a.client.query('SELECT id, name, qty FROM items WHERE id <= 3 ORDER BY id');
  await a.client.query('DELETE FROM items').catch(() => undefined);
  const held = await heldAndDecided(b, a, `DELETE FROM audit_me WHERE note = '${note}'`, 'approve', 'Only the rows of the replay test. Go ahead.');
  if (held.result instanceof Error) throw held.result;
  await a.client.query('SELECT 1 / 0').catch(() => undefined);
  await closeSession(b, a);

  const o = await openSession(b, 'bob', ['dba'], { application_name: 'psql' });
  await o.client.query('SELECT count(*) FROM items');
  await closeSession(b, o);
  return { alice: a.id, approvalId: held.approvalId, bob: o.id };
}
