/**
 * Contract: pending requests and decisions live in the approvals file. When the broker stops
 * while a statement waits, the client gets a clear error, the request is marked abandoned and
 * the statement never runs; after a crash, the next start marks what was left pending as
 * abandoned, and nothing can approve it any more.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { ApprovalService } from '../../broker/approvals/approval-service.js';
import { openApprovalsDb } from '../../broker/approvals/approvals-store.js';
import { localState } from '../../broker/store/local-state.js';
import { EventBus } from '../../broker/approvals/event-bus.js';
import { startTestBroker } from '../support/broker-harness.js';
import { adminClient } from '../support/admin-client.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-approvals-'));
let admin: pg.Client;

beforeAll(async () => {
  admin = await adminClient();
  await admin.query('DROP TABLE IF EXISTS dur_items; CREATE TABLE dur_items (id int); INSERT INTO dur_items SELECT generate_series(1, 10)');
});
afterAll(async () => {
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
});

const RULES = `
  - name: review-deletes
    match: { kinds: [delete] }
    action: approve
`;

describe('approvals across a restart', () => {
  it('abandons a waiting statement when the broker stops, tells the client, and never runs it', async () => {
    const file = join(dir, 'stop.json');
    const b = await startTestBroker({ rules: RULES, approvalsFile: file });
    const c = await b.client('alice', ['developers']);
    const notice = new Promise<string>((resolve) => c.on('notice', (n) => resolve(String(n.message))));
    const result = c.query('DELETE FROM dur_items WHERE id = 1').then(() => undefined, (e: pg.DatabaseError) => e);
    const id = /approval (apr_\S+)/.exec(await notice)![1]!;
    await b.broker.close();
    const e = await result;
    expect(e?.code).toBe('57P01');
    expect(e?.message).toContain('not run');
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { approvals: { id: string; state: string }[] };
    expect(saved.approvals.find((a) => a.id === id)?.state).toBe('abandoned');

    const again = await startTestBroker({ rules: RULES, approvalsFile: file });
    expect(again.broker.approvals.get(id)?.state).toBe('abandoned');
    const bob = await again.broker.verifier.verify(await again.token('bob', ['dba']));
    await expect(again.broker.approvals.decide(id, bob, 'approve', '')).rejects.toMatchObject({ code: 'BRK_ERR_APPROVAL_CLOSED' });
    await again[Symbol.asyncDispose]();
    expect((await admin.query('SELECT count(*)::int AS n FROM dur_items')).rows[0].n).toBe(10);
  });

  it('marks requests a crashed broker left pending as abandoned at the next start', async () => {
    const file = join(dir, 'crash.json');
    const crashed = new ApprovalService(localState(await openApprovalsDb('file', file)).approvals, new EventBus(), 'http://127.0.0.1:1');
    const b = await startTestBroker({ rules: RULES });
    const alice = await b.broker.verifier.verify(await b.token('alice', ['developers']));
    const { request } = await crashed.request({
      requester: alice,
      connection: 'testdb',
      sessionId: '00000000-0000-4000-8000-000000000000',
      client: { address: '127.0.0.1' },
      statement: { sql: 'DELETE FROM dur_items', protocol: 'simple', parameterCount: 0, binding: 'x', kinds: ['delete'] },
      requirements: [{ rule: 'review-deletes', explanation: 'x', groups: ['dba'], mode: 'any', quorum: 1 }],
      impact: { method: 'unavailable', tables: [], notes: [] },
      expiresInSeconds: 600,
    });
    // The process "dies" here: no stop(), the file still says pending.
    expect((JSON.parse(readFileSync(file, 'utf8')) as { approvals: { state: string }[] }).approvals[0]!.state).toBe('pending');
    const restarted = new ApprovalService(localState(await openApprovalsDb('file', file)).approvals, new EventBus(), 'http://127.0.0.1:1');
    expect(await restarted.recover()).toBe(1);
    expect(restarted.get(request.id)).toMatchObject({ state: 'abandoned' });
    expect(restarted.get(request.id)!.reason).toMatch(/restarted/);
    const bob = await b.broker.verifier.verify(await b.token('bob', ['dba']));
    await expect(restarted.decide(request.id, bob, 'approve', '')).rejects.toMatchObject({ code: 'BRK_ERR_APPROVAL_CLOSED' });
    await b[Symbol.asyncDispose]();
    await crashed.stop();
  });

  it('refuses a file that is not an approvals file instead of overwriting it', async () => {
    const file = join(dir, 'other.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, JSON.stringify({ something: 'else' }));
    await expect(openApprovalsDb('file', file)).rejects.toThrow(/not an Airlock approvals file/);
    expect(readFileSync(file, 'utf8')).toContain('something');
  });
});
