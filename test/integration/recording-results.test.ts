/**
 * Contract: the record keeps the first rows of each result exactly as the client received them —
 * masked where masking applied — with row counts and timings; `recording.resultRows: 0` keeps none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { adminClient } from '../support/admin-client.js';
import { startTestBroker, type TestBroker } from '../support/broker-harness.js';
import type { AuditRecord, StatementEndRecord, StatementRecord } from '../../broker/recording/records.js';

let admin: pg.Client;
let b: TestBroker;

beforeAll(async () => {
  admin = await adminClient();
  await admin.query(`
    DROP TABLE IF EXISTS rr_people;
    CREATE TABLE rr_people (id int PRIMARY KEY, name text, ssn text, photo bytea);
    INSERT INTO rr_people SELECT g, 'person ' || g, '123-45-' || lpad(g::text, 4, '0'), '\\x00ff'::bytea FROM generate_series(1, 5) g;
  `);
  b = await startTestBroker({
    recording: 'resultRows: 3, resultValueChars: 20',
    masking: `
  rules:
    - name: ssn-for-agents
      groups: [agents]
      columns: [{ column: rr_people.ssn, strategy: redact }]
`,
  });
});
afterAll(async () => {
  await admin.end();
  await b?.[Symbol.asyncDispose]();
});

/** The end record of the session's statement whose text contains `text` (waits for the lazy flush). */
async function endOf(text: string): Promise<StatementEndRecord> {
  for (let i = 0; i < 50; i++) {
    const st = b.store.records.find((r): r is StatementRecord => r.type === 'statement' && r.text.includes(text));
    const end = st && b.store.records.find((r): r is StatementEndRecord => r.type === 'statement.end' && r.sessionId === st.sessionId && r.statementId === st.statementId);
    if (end) return end;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no statement.end for ${text}`);
}

describe('results in the record', () => {
  it('keeps the first N rows with column names, NULLs, cut long values and the full row count', async () => {
    const c = await b.client('bob', ['dba']);
    await c.query(`SELECT id, name, NULL::text AS nothing, repeat('x', 50) AS long FROM rr_people ORDER BY id /* t1 */`);
    const end = await endOf('/* t1 */');
    expect(end.rows).toBe(5);
    expect(end.durationMs).toBeGreaterThan(0);
    expect(end.result).toEqual({
      columns: ['id', 'name', 'nothing', 'long'],
      rows: [
        ['1', 'person 1', null, `${'x'.repeat(20)}…`],
        ['2', 'person 2', null, `${'x'.repeat(20)}…`],
        ['3', 'person 3', null, `${'x'.repeat(20)}…`],
      ],
      truncated: true,
    });
  });

  it('keeps binary-format values as hex, and bytea text as the client saw it', async () => {
    const c = await b.client('bob', ['dba']);
    await c.query({ text: 'SELECT id, photo FROM rr_people WHERE id = $1 /* t2 */', values: [2], binary: true } as pg.QueryConfig);
    const bin = await endOf('/* t2 */');
    expect(bin.rows).toBe(1);
    // int4 2 in binary is 00000002; bytea in binary is its raw bytes.
    expect(bin.result?.rows).toEqual([['\\x00000002', '\\x00ff']]);
    await c.query('SELECT photo FROM rr_people WHERE id = 1 /* t3 */');
    expect((await endOf('/* t3 */')).result?.rows).toEqual([['\\x00ff']]);
  });

  it('keeps masked values masked, and records the masking notice against its statement', async () => {
    const agent = await b.client('alice', ['agents']);
    await agent.query('SELECT id, ssn FROM rr_people WHERE id <= 2 ORDER BY id /* t4 */');
    const end = await endOf('/* t4 */');
    const cells = JSON.stringify(end.result);
    expect(cells).not.toContain('123-45');
    expect(end.result?.rows).toHaveLength(2);
    expect(end.result?.rows[0]?.[0]).toBe('1');
    const notice = b.store.records.find((r): r is Extract<AuditRecord, { type: 'result.masked' }> => r.type === 'result.masked' && r.sessionId === end.sessionId);
    expect(notice).toMatchObject({ statementId: end.statementId, columns: ['ssn'], rules: ['ssn-for-agents'], values: 2 });
  });

  it('records errors as the client saw them, without a sample', async () => {
    const c = await b.client('bob', ['dba']);
    await expect(c.query('SELECT 1/0 /* t5 */')).rejects.toThrow(/division by zero/);
    const end = await endOf('/* t5 */');
    expect(end.error).toMatchObject({ code: '22012' });
    expect(end.result?.rows ?? []).toEqual([]);
  });
});

describe('session ends in the record', () => {
  it('says the client ended a session it closed properly (Terminate), not the database', async () => {
    const c = await b.client('bob', ['dba']);
    await c.query('SELECT 1 /* t7 */');
    const id = (await endOf('/* t7 */')).sessionId;
    await c.end();
    for (let i = 0; i < 50 && !b.store.records.some((r) => r.type === 'session.end' && r.sessionId === id); i++) await new Promise((r) => setTimeout(r, 20));
    expect(b.store.records.find((r) => r.type === 'session.end' && r.sessionId === id)).toMatchObject({ reason: 'client ended the session' });
  });
});

describe('results kept off', () => {
  it('keeps row counts and timings but no rows with resultRows: 0', async () => {
    await using off = await startTestBroker({ recording: 'resultRows: 0' });
    const c = await off.client('bob', ['dba']);
    await c.query('SELECT id FROM rr_people /* t6 */');
    await c.end();
    await new Promise((r) => setTimeout(r, 60));
    const end = off.store.records.find((r): r is StatementEndRecord => r.type === 'statement.end');
    expect(end).toMatchObject({ rows: 5 });
    expect(end?.result).toBeUndefined();
  });
});
