/**
 * Contract: SQL PREPARE and protocol-level Parse share one namespace in PostgreSQL, so a
 * statement prepared in SQL can be bound by name through the extended protocol. The broker
 * judges such a Bind by what the statement was prepared as, refuses names it never saw
 * prepared, and refuses to PREPARE what it would refuse to run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fw from '../../broker/protocol/postgres/frontend-writer.js';
import { bytes, cstr, frame, int16, int32 } from '../support/pg-bytes.js';
import { rawSession } from '../support/raw-session.js';
import { startTestBroker, type TestBroker } from '../support/broker-harness.js';

let b: TestBroker;
beforeAll(async () => {
  b = await startTestBroker();
});
afterAll(async () => {
  await b[Symbol.asyncDispose]();
});

const bind = (statement: string) => frame('B', cstr(''), cstr(statement), int16(0), int16(0), int16(0));
const execute = () => frame('E', cstr(''), int32(0));

describe('prepared statements by name', () => {
  it('refuses to PREPARE a statement it would refuse to run', async () => {
    const c = await b.client('alice', ['developers']);
    await expect(c.query('PREPARE wipe_all AS DELETE FROM items')).rejects.toMatchObject({ code: '42501', message: expect.stringContaining('no-unbounded-writes') });
    await expect(c.query('EXECUTE wipe_all')).rejects.toMatchObject({ code: '42501' });
    expect((await c.query('SELECT count(*)::int AS n FROM items')).rows[0].n).toBe(100);
  });

  it('judges a protocol Bind of a SQL-prepared statement by what it was prepared as', async () => {
    const token = await b.token('alice', ['developers']);
    const answer = await rawSession(b.port, 'alice', token, bytes(
      fw.query('PREPARE answer_q AS SELECT 41 + 1 AS answer'),
      bind('answer_q'), execute(), fw.sync(),
      bind('never_prepared'), execute(), fw.sync(),
      fw.terminate(),
    ));
    const text = answer.toString('latin1');
    expect(text).toContain('42'); // the DataRow of answer_q
    expect(text).toContain('airlock:unknown-prepared');
    expect(text).toContain('never_prepared');
    const rec = b.store.records.filter((r) => r.type === 'statement' && r.text.startsWith('EXECUTE answer_q'));
    expect(rec).toHaveLength(1);
  });
});
