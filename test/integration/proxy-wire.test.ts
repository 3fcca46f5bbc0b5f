/**
 * Contract: real clients (psql, node-postgres) work through the broker for COPY both ways and
 * cancellation; malformed, oversized and undecodable input gets a clear error, never a crash
 * or a hang, and the broker keeps serving other sessions.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fw from '../../broker/protocol/postgres/frontend-writer.js';
import { startTestBroker, type TestBroker } from '../support/broker-harness.js';
import { sendCancel } from '../support/admin-client.js';
import { psql } from '../support/run-process.js';
import { rawSession as rawBrokerSession } from '../support/raw-session.js';

let b: TestBroker;
beforeAll(async () => {
  b = await startTestBroker({ postgresListen: '    maxMessageBytes: 65536' });
});
afterAll(async () => {
  await b[Symbol.asyncDispose]();
});

const rawSession = (token: string, payload: Buffer): Promise<Buffer> => rawBrokerSession(b.port, 'bob', token, payload);

describe('real clients', () => {
  it('psql runs a script with COPY FROM STDIN and COPY TO STDOUT', async () => {
    const token = await b.token('bob', ['dba']);
    const r = await psql(b.port, 'bob', token, ['-f', '-'], `
CREATE TABLE IF NOT EXISTS copy_target (id int, note text);
COPY copy_target FROM STDIN WITH (FORMAT csv);
1,one
2,two
\\.
SELECT count(*) FROM copy_target;
COPY (SELECT id, note FROM copy_target ORDER BY id) TO STDOUT WITH (FORMAT csv);
`);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('1,one\n2,two');
  });

  it('streams a COPY FROM larger than the maximum message size', async () => {
    const token = await b.token('bob', ['dba']);
    const rows = Array.from({ length: 20000 }, (_, i) => `${i},${'y'.repeat(40)}`).join('\n');
    const r = await psql(b.port, 'bob', token, ['-c', 'CREATE TABLE IF NOT EXISTS copy_big (id int, note text)', '-c', 'COPY copy_big FROM STDIN WITH (FORMAT csv)', '-c', 'SELECT count(*) FROM copy_big'], rows + '\n\\.\n');
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('20000');
  });

  it('cancels a running statement through the broker', async () => {
    const c = await b.client('bob', ['dba']);
    const running = c.query('SELECT pg_sleep(20)');
    await new Promise((r) => setTimeout(r, 300));
    await sendCancel(b.port, c);
    await expect(running).rejects.toMatchObject({ code: '57014' });
    expect((await c.query('SELECT 1 AS x')).rows[0].x).toBe(1);
  });

  it('a wrong cancel key cancels nothing', async () => {
    const c = await b.client('bob', ['dba']);
    const k = c as unknown as { processID: number };
    const running = c.query('SELECT pg_sleep(1) AS done');
    await new Promise<void>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: b.port }, () => s.end(fw.cancelRequest(k.processID, Buffer.from([1, 2, 3, 4]))));
      s.on('close', () => resolve());
    });
    expect((await running).rowCount).toBe(1);
  });
});

describe('bad input', () => {
  it('ends a session whose message exceeds the maximum size with 54000, and keeps serving', async () => {
    const token = await b.token('bob', ['dba']);
    const answer = await rawSession(token, fw.query(`SELECT '${'z'.repeat(70000)}'`));
    expect(answer.toString('latin1')).toContain('54000');
    const c = await b.client('bob', ['dba']);
    expect((await c.query('SELECT 2 AS x')).rows[0].x).toBe(2);
  });

  it('refuses invalid UTF-8 in a query with a clear error, session usable', async () => {
    const token = await b.token('bob', ['dba']);
    const bad = Buffer.concat([Buffer.from([0x51, 0, 0, 0, 4 + 11]), Buffer.from("SELECT '"), Buffer.from([0xc3, 0x28]), Buffer.from([0])]);
    const answer = await rawSession(token, Buffer.concat([bad, fw.query('SELECT 1'), fw.terminate()]));
    const text = answer.toString('latin1');
    expect(text).toContain('22021');
    expect(text).toMatch(/C1\0|DataRow|\x44/); // the following SELECT 1 produced a row
  });

  it('ends a session that sends garbage framing', async () => {
    const token = await b.token('bob', ['dba']);
    const answer = await rawSession(token, Buffer.from([0x51, 0, 0, 0, 2]));
    expect(answer.toString('latin1')).toContain('08P01');
  });

  it('refuses the fastpath function-call protocol', async () => {
    const token = await b.token('bob', ['dba']);
    // FunctionCall 'F': oid 1 (garbage is fine, it must never reach the server), 0 formats, 0 args, result format 0
    const body = Buffer.from([0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    const msg = Buffer.concat([Buffer.from([0x46]), Buffer.from([0, 0, 0, 4 + body.length]), body]);
    const answer = await rawSession(token, Buffer.concat([msg, fw.terminate()]));
    expect(answer.toString('latin1')).toContain('fastpath');
  });

  it('survives a client that disconnects mid-startup', async () => {
    await new Promise<void>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: b.port }, () => {
        s.end(Buffer.from([0, 0, 0, 50, 0, 3]));
      });
      s.on('close', () => resolve());
    });
    const c = await b.client('bob', ['dba']);
    expect((await c.query('SELECT 3 AS x')).rows[0].x).toBe(3);
  });

  it('psql shows the rule and hint for a refused statement', async () => {
    const token = await b.token('alice', ['agents']);
    const r = await psql(b.port, 'alice', token, ['-c', 'DROP TABLE items']);
    expect(r.stderr).toContain('no-ddl-for-agents');
    expect(r.stderr).toContain('HINT:  Ask a DBA');
  });
});
