/**
 * Adversarial robustness: cancel requests with wrong keys, floods of messages without reading,
 * clients that vanish in the middle of COPY or a large result, start-up parameter tricks, and
 * rules bypassed by code the analyser cannot see. The broker must keep serving other clients
 * and leave no work running on the database. Every loop is bounded in count and time.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import * as fw from '../../broker/protocol/postgres/frontend-writer.js';
import { startTestBroker, type TestBroker } from '../support/broker-harness.js';
import { adminClient } from '../support/admin-client.js';
import { bytes, frame } from '../support/pg-bytes.js';

let b: TestBroker;
let admin: pg.Client;

beforeAll(async () => {
  b = await startTestBroker({ postgresListen: '    maxMessageBytes: 1048576' });
  admin = await adminClient();
});
afterAll(async () => {
  await admin.end();
  await b[Symbol.asyncDispose]();
});

async function brokerStillServes(): Promise<void> {
  const c = await b.client('bob', ['dba']);
  expect((await c.query('SELECT 41 + 1 AS x')).rows[0].x).toBe(42);
  await c.end();
}

/** Backends of the test database running `marker` in their query, other than ours. */
async function running(marker: string): Promise<number> {
  const r = await admin.query(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid()",
    [marker],
  );
  return r.rows[0].n;
}

async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

/** A raw authenticated socket, ready for queries (ReadyForQuery seen). */
async function rawReady(user = 'bob', groups = ['dba']): Promise<Socket> {
  const token = await b.token(user, groups);
  const s = connect({ host: '127.0.0.1', port: b.port });
  s.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let authed = false;
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      if (!authed && buf.includes(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]))) {
        authed = true;
        buf = Buffer.alloc(0);
        s.write(fw.passwordMessage(token));
      } else if (authed && buf.includes(Buffer.from([0x5a, 0, 0, 0, 5]))) {
        s.off('data', onData);
        resolve();
      }
    };
    s.on('data', onData);
    s.once('error', reject);
    setTimeout(() => reject(new Error('start-up timed out')), 5000).unref();
    s.write(fw.startupMessage({ user, database: 'testdb' }));
  });
  return s;
}

function sendCancel(pid: number, key: Buffer): Promise<void> {
  return new Promise<void>((resolve) => {
    const s = connect({ host: '127.0.0.1', port: b.port }, () => s.end(fw.cancelRequest(pid, key)));
    s.on('error', () => resolve());
    s.on('close', () => resolve());
  });
}

describe('cancel requests', () => {
  it('wrong keys, wrong pids, truncated and oversized cancel packets cancel nothing', async () => {
    const c = await b.client('bob', ['dba']);
    const k = c as unknown as { processID: number; secretKey: number };
    const running_ = c.query('SELECT pg_sleep(1.5) AS done');
    const right = Buffer.alloc(4);
    right.writeInt32BE(k.secretKey);
    const wrong = Buffer.from(right);
    wrong[3] = wrong[3]! ^ 1;
    const attempts: Promise<void>[] = [];
    for (let i = 0; i < 30; i++) attempts.push(sendCancel(k.processID, Buffer.from([i, i, i, i])));
    attempts.push(sendCancel(k.processID, wrong));
    attempts.push(sendCancel(k.processID + 1, right));
    attempts.push(sendCancel(0, right));
    attempts.push(sendCancel(-1, Buffer.from([0xff, 0xff, 0xff, 0xff])));
    // the broker's key with the database's real backend pid (which the client never sees)
    const backendPid = (await admin.query("SELECT pid FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(1.5)%'")).rows[0]?.pid as number | undefined;
    if (backendPid) attempts.push(sendCancel(backendPid, right));
    // a cancel packet with a 256-byte key (protocol 3.2 allows long keys) and a truncated one
    attempts.push(new Promise<void>((resolve) => {
      const body = Buffer.concat([Buffer.from([0x04, 0xd2, 0x16, 0x2e]), Buffer.alloc(4), Buffer.alloc(256, 7)]);
      body.writeInt32BE(k.processID, 4);
      const len = Buffer.alloc(4);
      len.writeInt32BE(body.length + 4);
      const s = connect({ host: '127.0.0.1', port: b.port }, () => s.end(Buffer.concat([len, body])));
      s.on('error', () => resolve());
      s.on('close', () => resolve());
    }));
    attempts.push(new Promise<void>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: b.port }, () => s.end(Buffer.from([0, 0, 0, 16, 0x04, 0xd2, 0x16, 0x2e, 0, 0])));
      s.on('error', () => resolve());
      s.on('close', () => resolve());
    }));
    await Promise.all(attempts);
    expect((await running_).rows[0].done).toBe('');
    await brokerStillServes();
  });
});

describe('floods and vanishing clients', () => {
  it('a client that floods queries without reading is bounded and does not stop others', async () => {
    const s = await rawReady();
    const chunk = Buffer.concat(Array.from({ length: 1000 }, () => fw.query("SELECT repeat('f', 2000)")));
    const until = Date.now() + 2000;
    let sent = 0;
    // never read; write until the socket pushes back or 2 s or 200 chunks
    s.pause();
    while (Date.now() < until && sent < 200) {
      const ok = s.write(chunk);
      sent++;
      if (!ok) await Promise.race([new Promise((r) => s.once('drain', r)), new Promise((r) => setTimeout(r, 200))]);
    }
    await brokerStillServes();
    s.destroy();
    await brokerStillServes();
    expect(await eventually(async () => (await running("repeat('f', 2000)")) === 0)).toBe(true);
  });

  it('a client that disconnects in the middle of a large result leaves nothing running', async () => {
    const s = await rawReady();
    let got = 0;
    s.on('data', (d: Buffer) => {
      got += d.length;
    });
    s.write(fw.query("SELECT g, repeat('L', 1000) AS big_result_marker FROM generate_series(1, 2000000) g"));
    await eventually(async () => got > 1_000_000, 5000);
    s.destroy();
    await brokerStillServes();
    expect(await eventually(async () => (await running('big_result_marker')) === 0)).toBe(true);
  });

  it('a client that disconnects in the middle of COPY FROM STDIN leaves nothing behind', async () => {
    await admin.query('DROP TABLE IF EXISTS adv_copy_cut; CREATE TABLE adv_copy_cut (id int, note text); GRANT ALL ON adv_copy_cut TO PUBLIC');
    const s = await rawReady();
    s.write(fw.query('COPY adv_copy_cut FROM STDIN'));
    await new Promise((r) => setTimeout(r, 200));
    for (let i = 0; i < 100; i++) s.write(frame('d', `${i}\tcut\n`));
    // half a CopyData frame, then gone
    s.write(bytes([0x64, 0, 0, 0, 100], 'partial'));
    await new Promise((r) => setTimeout(r, 100));
    s.destroy();
    await brokerStillServes();
    expect(await eventually(async () => (await running('COPY adv_copy_cut')) === 0)).toBe(true);
    expect((await admin.query('SELECT count(*)::int AS n FROM adv_copy_cut')).rows[0].n).toBe(0);
  });

  it('a COPY FROM STDIN of messages much larger than maxMessageBytes is streamed, and CopyFail aborts it', async () => {
    await admin.query('DROP TABLE IF EXISTS adv_copy_big; CREATE TABLE adv_copy_big (note text); GRANT ALL ON adv_copy_big TO PUBLIC');
    const c = await b.client('bob', ['dba']);
    const s = await rawReady();
    const answer: Buffer[] = [];
    s.on('data', (d: Buffer) => answer.push(d));
    s.write(fw.query('COPY adv_copy_big FROM STDIN'));
    await new Promise((r) => setTimeout(r, 200));
    s.write(frame('d', `${'B'.repeat(3 * 1024 * 1024)}\n`));
    s.write(frame('f', 'client gave up', [0]));
    await eventually(async () => Buffer.concat(answer).includes(Buffer.from([0x5a, 0, 0, 0, 5])), 5000);
    expect(Buffer.concat(answer).toString('latin1')).toContain('client gave up');
    s.destroy();
    expect((await c.query('SELECT count(*)::int AS n FROM adv_copy_big')).rows[0].n).toBe(0);
  });

  it('many short-lived sessions opened and dropped at once do not exhaust the broker', async () => {
    const socks = await Promise.all(Array.from({ length: 40 }, () => rawReady()));
    for (const s of socks) s.destroy();
    // half-open start-ups: connect and send nothing
    const idle = Array.from({ length: 20 }, () => connect({ host: '127.0.0.1', port: b.port }).on('error', () => {}));
    await brokerStillServes();
    for (const s of idle) s.destroy();
    expect(await eventually(async () => b.broker.postgres !== undefined)).toBe(true);
  });
});

describe('start-up parameters', () => {
  async function startupRefused(params: Record<string, string>): Promise<string> {
    const token = await b.token('carol', ['readonly']);
    return new Promise((resolve) => {
      const s = connect({ host: '127.0.0.1', port: b.port });
      const chunks: Buffer[] = [];
      s.on('data', (d: Buffer) => {
        chunks.push(d);
        if (Buffer.concat(chunks).includes(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]))) s.write(fw.passwordMessage(token));
      });
      s.on('error', () => {});
      s.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
      setTimeout(() => s.destroy(), 5000).unref();
      s.write(fw.startupMessage({ user: 'carol', database: 'testdb', ...params }));
    });
  }

  it('role changes hidden in start-up parameters are refused', async () => {
    const cases: Record<string, string>[] = [
      { role: 'postgres' },
      { ROLE: 'postgres' },
      { Session_Authorization: 'postgres' },
      { options: '-c role=postgres' },
      { options: '-crole=postgres' },
      { options: '--role=postgres' },
      { options: '-c ROLE=postgres' },
      { options: '-c search_path=public -c role=postgres' },
      { options: '-c\\ role=postgres' },
      { options: '-c session-authorization=postgres' },
      { options: '-c session_replication_role=replica' },
      { options: '-c client_encoding=SJIS' },
      { client_encoding: 'WIN932' },
      { options: '-D /tmp' },
      { replication: 'database' },
    ];
    for (const p of cases) {
      const answer = await startupRefused(p);
      expect(answer, JSON.stringify(p)).toMatch(/Airlock/);
      expect(answer, JSON.stringify(p)).not.toContain('Z\0\0\0\x05');
    }
    await brokerStillServes();
  });
});

describe('rules against code the analyser cannot see', () => {
  // FINDING (policy scope): function rules (no-file-access: pg_read_file, pg_ls_dir) look at
  // function calls in the statement text. query_to_xml() (and cursor_to_xml, ts_stat,
  // xpath-free SPI entry points, DO, SQL/PL functions) run SQL given as a string literal, so the
  // call is invisible: developers read server files with no DDL at all. query_to_xml is not in
  // the read-only allow-list (functions.ts), but nothing refuses unproven functions by default.
  it('no-file-access cannot be bypassed through query_to_xml', async () => {
    const c = await b.client('alice', ['developers']);
    const r = await c.query("SELECT query_to_xml('SELECT pg_read_file(''/etc/hostname'') AS f', true, false, '')::text AS x")
      .then((q) => q.rows[0].x as string, () => null);
    expect(r).toBeNull();
  });
});
