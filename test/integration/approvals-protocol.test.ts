/**
 * Contract: holding a statement for approval keeps the protocol exact for any client, not only
 * the well-behaved ones: pipelined messages wait in order behind it; every execution of a
 * prepared statement needs its own approval; a batch ended by Flush is held like one ended by
 * Sync; a statement in the middle of a multi-statement query holds the whole query; a client
 * that terminates while waiting withdraws its request; and an approved statement that fails
 * reports the database's own error.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type pg from 'pg';
import type { ApprovalRequest } from '../../broker/approvals/types.js';
import { adminClient } from '../support/admin-client.js';
import { startTestBroker, type TestBroker } from '../support/broker-harness.js';
import { bytes } from '../support/pg-bytes.js';
import { bind, errors, execute, parse, query, Raw, sync } from '../support/raw-protocol.js';

let b: TestBroker;
let admin: pg.Client;

beforeAll(async () => {
  b = await startTestBroker({
    rules: `
  - name: review-deletes
    match: { kinds: [delete], tablesWritten: [app_items] }
    action: approve
`,
  });
  admin = await adminClient();
});
afterAll(async () => {
  await admin.end();
  await b[Symbol.asyncDispose]();
});
beforeEach(async () => {
  await admin.query('DROP TABLE IF EXISTS app_items; CREATE TABLE app_items (id int PRIMARY KEY); INSERT INTO app_items SELECT generate_series(1, 10)');
});

async function ids(): Promise<number[]> {
  return (await admin.query('SELECT id FROM app_items ORDER BY id')).rows.map((r: { id: number }) => r.id);
}

/** Resolves with the next request made, after `trigger` runs. */
async function nextRequest(trigger: () => void): Promise<ApprovalRequest> {
  const got = new Promise<ApprovalRequest>((resolve) => {
    const off = b.broker.events.subscribe((e) => {
      if (e.type === 'approval.requested') {
        off();
        resolve(e.approval);
      }
    });
  });
  trigger();
  return got;
}

async function decide(id: string, verdict: 'approve' | 'deny'): Promise<void> {
  const bob = await b.broker.verifier.verify(await b.token('bob', ['dba']));
  await b.broker.approvals.decide(id, bob, verdict, '');
}

const codes = (ms: readonly { code: string }[]): string => ms.map((m) => m.code).join('');

describe('holding keeps the protocol exact', () => {
  it('pipelined queries wait behind a held one and run in order after it', async () => {
    const r = await Raw.open(b, 'alice', ['developers']);
    const start = r.msgs.length;
    const req = await nextRequest(() => r.s.write(bytes(query('DELETE FROM app_items WHERE id = 1'), query('SELECT count(*) FROM app_items'), query('DELETE FROM app_items WHERE id = 2'))));
    await r.until(() => r.msgs.slice(start).some((m) => m.code === 'N'));
    expect(r.msgs.slice(start).filter((m) => m.code === 'Z')).toHaveLength(0);
    await decide(req.id, 'deny');
    // The count ran after the denied DELETE; the second DELETE is held next, with a new request.
    const second = await nextRequest(() => undefined);
    expect(second.statement.sql).toBe('DELETE FROM app_items WHERE id = 2');
    await decide(second.id, 'approve');
    await r.until(() => r.msgs.slice(start).filter((m) => m.code === 'Z').length >= 3);
    const got = r.msgs.slice(start);
    expect(errors(got).map((e) => e.code)).toEqual(['42501']);
    const count = got.find((m) => m.code === 'D')!;
    expect(count.body.subarray(6).toString()).toBe('10');
    expect(await ids()).toEqual([1, 3, 4, 5, 6, 7, 8, 9, 10]);
    r.end();
  });

  it('every execution of a prepared statement needs its own approval, bound to its parameters', async () => {
    const r = await Raw.open(b, 'alice', ['developers']);
    let start = r.msgs.length;
    const first = await nextRequest(() => r.s.write(bytes(parse('del', 'DELETE FROM app_items WHERE id = $1'), bind('', 'del', ['3']), execute(''), sync())));
    expect(first.statement.parameterCount).toBe(1);
    await decide(first.id, 'approve');
    await r.until(() => r.msgs.slice(start).some((m) => m.code === 'Z'));
    expect(errors(r.msgs.slice(start))).toEqual([]);
    start = r.msgs.length;
    const second = await nextRequest(() => r.s.write(bytes(bind('', 'del', ['4']), execute(''), sync())));
    expect(second.id).not.toBe(first.id);
    expect(second.statement.binding).not.toBe(first.statement.binding);
    expect(await ids()).toContain(4);
    await decide(second.id, 'deny');
    await r.until(() => r.msgs.slice(start).some((m) => m.code === 'Z'));
    expect(errors(r.msgs.slice(start)).map((e) => e.code)).toEqual(['42501']);
    expect(await ids()).toEqual([1, 2, 4, 5, 6, 7, 8, 9, 10]);
    r.end();
  });

  it('holds a batch ended by Flush, and answers it once approved', async () => {
    const r = await Raw.open(b, 'alice', ['developers']);
    const start = r.msgs.length;
    const flush = Buffer.from([0x48, 0, 0, 0, 4]);
    const req = await nextRequest(() => r.s.write(bytes(parse('', 'DELETE FROM app_items WHERE id = 5'), bind('', ''), execute(''), flush)));
    await decide(req.id, 'approve');
    await r.until(() => r.msgs.slice(start).some((m) => m.code === 'C'));
    expect(codes(r.msgs.slice(start).filter((m) => m.code !== 'N'))).toBe('12C');
    await r.send(sync());
    expect(await ids()).not.toContain(5);
    r.end();
  });

  it('holds a whole multi-statement query for the statement inside it', async () => {
    const c = await b.client('alice', ['developers']);
    const req = await nextRequest(() => void c.query('SELECT 1; DELETE FROM app_items WHERE id = 6; SELECT 2').catch(() => undefined));
    expect(req.statement.sql).toBe('SELECT 1; DELETE FROM app_items WHERE id = 6; SELECT 2');
    expect(req.impact.rowsChanged).toBe(1);
    await decide(req.id, 'approve');
    await expect.poll(ids).not.toContain(6);
  });

  it('withdraws the request when the client terminates while waiting', async () => {
    const r = await Raw.open(b, 'alice', ['developers']);
    const req = await nextRequest(() => r.s.write(query('DELETE FROM app_items WHERE id = 7')));
    r.s.write(Buffer.from([0x58, 0, 0, 0, 4]));
    await expect.poll(() => b.broker.approvals.get(req.id)!.state).toBe('cancelled');
    expect(await ids()).toContain(7);
    r.end();
  });

  it('reports the database\'s own error for an approved statement that fails', async () => {
    await admin.query('CREATE TABLE IF NOT EXISTS app_refs (id int REFERENCES app_items); DELETE FROM app_refs; INSERT INTO app_refs VALUES (8)');
    const c = await b.client('alice', ['developers']);
    const result = c.query('DELETE FROM app_items WHERE id = 8').then(() => undefined, (e: pg.DatabaseError) => e);
    const req = await nextRequest(() => undefined);
    expect(req.impact.error?.code).toBe('23503'); // the dry run already met the foreign key
    await decide(req.id, 'approve');
    expect((await result)?.code).toBe('23503');
    await admin.query('DROP TABLE app_refs');
  });
});
