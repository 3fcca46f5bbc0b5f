/**
 * Contract: broker replicas share one PostgreSQL store. A statement held on broker A is approved
 * through broker B's API and the client on A gets its result; B shows A's session; events reach
 * B's subscribers; a CancelRequest that reaches B cancels A's statement (or withdraws its
 * approval request); a reviewer signed in to A's pages is served by B; a second broker with A's
 * name is refused; each broker's chain is copied to the store byte for byte and verifies there.
 */
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type pg from 'pg';
import WebSocket from 'ws';
import * as fw from '../../broker/protocol/postgres/frontend-writer.js';
import { adminClient, sendCancel } from '../support/admin-client.js';
import { until } from '../support/until.js';
import { PageClient } from '../support/approval-page-client.js';
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js';
import { runProcess } from '../support/run-process.js';

const schema = `airlock_t${Date.now().toString(36)}`;
const RULES = `
  - name: review-deletes
    match: { kinds: [delete], tablesWritten: [ss_items] }
    action: approve
`;
const storeYaml = (name: string): string => `store:\n  type: postgres\n  url: { env: AIRLOCK_STORE_URL }\n  schema: ${schema}\n  brokerName: ${name}\n`;

let admin: pg.Client;
let a: BrokerProcess;
let b: BrokerProcess;
let env: Record<string, string>;

beforeAll(async () => {
  execFileSync('node', ['scripts/build.mjs'], { stdio: 'ignore' });
  const db = inject('pg');
  env = {
    AIRLOCK_STORE_URL: `postgres://${encodeURIComponent(db.superuser)}:${encodeURIComponent(db.password)}@${db.host}:${db.port}/${db.database}`,
    // Look for requests of stopped brokers every second instead of every 30.
    AIRLOCK_ORPHAN_SWEEP_MS: '1000',
  };
  admin = await adminClient();
  await admin.query('DROP TABLE IF EXISTS ss_items; CREATE TABLE ss_items (id int PRIMARY KEY); INSERT INTO ss_items SELECT generate_series(1, 5)');
  [a, b] = await Promise.all([
    startBrokerProcess({ rules: RULES, extraYaml: storeYaml('broker-a'), env }),
    startBrokerProcess({ rules: RULES, extraYaml: storeYaml('broker-b'), env }),
  ]);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

async function api<T>(broker: BrokerProcess, token: string, path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const r = await fetch(`${broker.httpUrl}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } });
  return { status: r.status, body: (await r.json()) as T };
}

describe('two brokers on one PostgreSQL store', () => {
  it('holds a statement on A, approves it through B, and A\'s client gets its result', async () => {
    const bobOnB = await b.token('bob', ['dba']);
    // B's events stream, to see A's request arrive live.
    const ws = new WebSocket(`${b.httpUrl.replace('http', 'ws')}/v1/events`, { headers: { authorization: `Bearer ${bobOnB}` } });
    const seen: string[] = [];
    ws.on('message', (d) => seen.push((JSON.parse(d.toString()) as { type: string }).type));
    await new Promise((r, j) => ws.once('open', r).once('error', j));

    const alice = await a.client('alice', ['developers']);
    const held = alice.query('DELETE FROM ss_items WHERE id = 1');
    const pending = await until('the request on B', async () => {
      const r = await api<{ approvals: { id: string; state: string; sessionId: string; broker?: string; requester: { subject: string } }[] }>(b, bobOnB, '/v1/approvals?state=pending');
      return r.body.approvals[0];
    });
    expect(pending).toMatchObject({ broker: 'broker-a', requester: { subject: 'alice' } });
    // While it waits, B knows the session is open on A (A's heartbeat names it).
    const carolOnB = await b.token('carol', ['auditors']);
    const open = await until('A\'s open session on B', async () => {
      const r = await api<{ sessions: { id: string; subject: string; active: boolean }[] }>(b, carolOnB, '/v1/sessions?scope=all&outcome=active');
      return r.body.sessions.find((s) => s.subject === 'alice' && s.active);
    }, 15_000);
    expect(open.id).toBe(pending.sessionId);
    const { page: carolPage } = await PageClient.signIn(b.httpUrl, 'carol', '/audit/sessions');
    const openNow = (await carolPage.html('/audit/sessions')).split('id="open-now"')[1] ?? '';
    expect(openNow).toContain(`/audit/sessions/${pending.sessionId}`);
    expect(openNow).toContain('on broker-a');
    const decided = await api<{ state: string }>(b, bobOnB, `/v1/approvals/${pending.id}/decision`, { method: 'POST', body: JSON.stringify({ verdict: 'approve', comment: 'via B' }) });
    expect(decided).toMatchObject({ status: 200, body: { state: 'approved' } });
    const result = await held;
    expect(result.rowCount).toBe(1);
    expect((await admin.query('SELECT count(*)::int AS n FROM ss_items')).rows[0].n).toBe(4);
    // A sees the decision in its own copy too, and a second decision is refused on either broker.
    const bobOnA = await a.token('bob', ['dba']);
    expect((await api<{ state: string }>(a, bobOnA, `/v1/approvals/${pending.id}`)).body.state).toBe('approved');
    expect((await api(a, bobOnA, `/v1/approvals/${pending.id}/decision`, { method: 'POST', body: JSON.stringify({ verdict: 'deny' }) })).status).toBe(409);
    await until('events on B', async () => (seen.includes('approval.requested') && seen.includes('approval.decided') ? true : undefined));
    ws.close();
    await alice.end();

    // B lists the session A recorded, with the approved statement, to an auditor.
    const sessions = await until('A\'s session on B', async () => {
      const r = await api<{ sessions: { id: string; subject: string; statements: number }[] }>(b, carolOnB, '/v1/sessions?scope=all');
      return r.body.sessions.find((s) => s.subject === 'alice' && s.statements > 0);
    });
    const detail = await api<{ statements: { text: string; action: string }[] }>(b, carolOnB, `/v1/sessions/${sessions.id}`);
    expect(detail.body.statements).toEqual([expect.objectContaining({ text: 'DELETE FROM ss_items WHERE id = 1', action: 'approve' })]);

    // And B's replay page shows A's session: the statement, the approval given on B, the broker.
    const { page } = await PageClient.signIn(b.httpUrl, 'carol', `/audit/sessions/${sessions.id}`);
    const html = await page.html(`/audit/sessions/${sessions.id}`);
    expect(html).toContain('ss_items');
    expect(html).toContain('broker-a');
    expect(html).toContain('via B');
  });

  it('cancels a statement running on A from a CancelRequest that reaches B, and a wrong key cancels nothing', async () => {
    const alice = await a.client('alice', ['developers']);
    const k = alice as unknown as { processID: number };
    const wrong = alice.query('SELECT pg_sleep(1.5) AS done');
    await new Promise((r) => setTimeout(r, 300));
    await new Promise<void>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: b.pgPort }, () => s.end(fw.cancelRequest(k.processID, Buffer.from([1, 2, 3, 4]))));
      s.on('close', () => resolve());
    });
    expect((await wrong).rowCount).toBe(1);

    const running = alice.query('SELECT pg_sleep(30)');
    await new Promise((r) => setTimeout(r, 300));
    const sent = Date.now();
    await sendCancel(b.pgPort, alice);
    await expect(running).rejects.toMatchObject({ code: '57014' });
    expect(Date.now() - sent).toBeLessThan(10_000);
    expect((await alice.query('SELECT 1 AS x')).rows[0].x).toBe(1);

    // A statement waiting for approval on A is withdrawn by a cancel that reaches B.
    const bobOnB = await b.token('bob', ['dba']);
    const heldDelete = alice.query('DELETE FROM ss_items WHERE id = 4');
    const pending = await until('the held DELETE on B', async () => {
      const r = await api<{ approvals: { id: string; statement: { sql: string } }[] }>(b, bobOnB, '/v1/approvals?state=pending');
      return r.body.approvals.find((x) => x.statement.sql.includes('id = 4'));
    });
    await sendCancel(b.pgPort, alice);
    await expect(heldDelete).rejects.toMatchObject({ code: '57014' });
    const after = await until('the request withdrawn', async () => {
      const r = await api<{ state: string; reason?: string }>(b, bobOnB, `/v1/approvals/${pending.id}`);
      return r.body.state === 'cancelled' ? r.body : undefined;
    });
    expect(after.reason).toBe('the client cancelled the statement');
    expect((await admin.query('SELECT count(*)::int AS n FROM ss_items WHERE id = 4')).rows[0].n).toBe(1);
    await alice.end();
  });

  it('serves a reviewer signed in on A from B: the session, the flash after a decision, the sign-out', async () => {
    const { page: onA } = await PageClient.signIn(a.httpUrl, 'bob');
    const onB = new PageClient(b.httpUrl, onA.cookie);
    expect((await onB.get('/approvals')).status).toBe(200);
    const alice = await a.client('alice', ['developers']);
    const held = alice.query('DELETE FROM ss_items WHERE id = 5').then(() => 'ran', (e: { code?: string }) => e.code);
    const bobOnB = await b.token('bob', ['dba']);
    const pending = await until('the held DELETE on B', async () => {
      const r = await api<{ approvals: { id: string; statement: { sql: string } }[] }>(b, bobOnB, '/v1/approvals?state=pending');
      return r.body.approvals.find((x) => x.statement.sql.includes('id = 5'));
    });
    // Denied through B's page with the session made on A; the message shows on A's next page.
    const csrf = await onB.csrf(`/approvals/${pending.id}`);
    const posted = await onB.post(`/approvals/${pending.id}/decision`, { csrf, verdict: 'deny', comment: 'not today' });
    expect(posted.status).toBe(303);
    expect(await held).toBe('42501');
    const next = await onA.html(posted.headers.get('location')!);
    expect(next).toContain('You denied this request.');
    expect(await onB.html(`/approvals/${pending.id}`)).not.toContain('You denied this request.');
    // Signing out on B signs out on A, and closes A's live event stream of that session at once
    // (not at its next 15 s heartbeat).
    const stream = await onA.get('/approvals/stream', { accept: 'text/event-stream' });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    expect((await reader.read()).done).toBe(false); // the stream's first line
    const closed = (async () => {
      for (;;) if ((await reader.read()).done) return Date.now();
    })();
    const signedOut = Date.now();
    expect((await onB.post('/auth/logout', { csrf })).status).toBe(303);
    expect((await closed) - signedOut).toBeLessThan(5_000);
    expect((await onA.get('/approvals')).status).toBe(302);
    expect((await admin.query('SELECT count(*)::int AS n FROM ss_items WHERE id = 5')).rows[0].n).toBe(1);
    await alice.end();
  });

  it('refuses a second running broker with the same name', async () => {
    await expect(startBrokerProcess({ extraYaml: storeYaml('broker-a'), env })).rejects.toThrow(/broker-a|another running broker/);
  });

  it('keeps each broker\'s chain in the store, verifiable there, and detects an edit', async () => {
    const bob = await b.client('bob', ['dba']);
    await bob.query('SELECT 1');
    await bob.end();
    await until('B\'s records in the store', async () => ((await admin.query(`SELECT 1 FROM ${schema}.records WHERE broker = 'broker-b' AND type = 'session.end'`)).rowCount ? true : undefined));
    const { rows } = await admin.query<{ broker: string; n: number }>(`SELECT broker, count(*)::int AS n FROM ${schema}.records GROUP BY broker ORDER BY broker`);
    expect(rows.map((r) => r.broker)).toEqual(['broker-a', 'broker-b']);
    const verify = (): Promise<{ status: number | null; stdout: string; stderr: string }> =>
      runProcess('node', ['bin/airlock.js', 'audit', 'verify', '--config', a.configPath], { env: a.env });
    const ok = await verify();
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/broker-a: \d+ records, chain intact/);
    expect(ok.stdout).toMatch(/broker-b: \d+ records, chain intact/);
    // export reads every broker's records from the store, each with its broker's name.
    const exported = await runProcess('node', ['bin/airlock.js', 'audit', 'export', '--config', a.configPath, '--person', 'bob@example.com'], { env: a.env });
    expect(exported.status, exported.stderr).toBe(0);
    const brokers = new Set(exported.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { broker: string }).broker));
    expect([...brokers]).toEqual(['broker-b']);
    await admin.query(`UPDATE ${schema}.records SET line = replace(line, 'WHERE id = 1', 'WHERE id = 2') WHERE broker = 'broker-a' AND type = 'statement'`);
    const bad = await verify();
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/broker-a: FAILED at line \d+ \(record \d+\) — the hash does not match/);
  });

  it('fails closed when the store cannot take a request: the statement does not run, the client is not told the store\'s details', async () => {
    await admin.query(`ALTER TABLE ${schema}.approvals RENAME TO approvals_away`);
    try {
      const alice = await a.client('alice', ['developers']);
      const err = await alice.query('DELETE FROM ss_items WHERE id = 2').then(() => undefined, (e: Error & { code?: string }) => e);
      const told = `${err?.message} ${JSON.stringify(err)}`;
      expect(told).toMatch(/needs approval.*could not be requested/);
      expect(told).not.toMatch(/approvals_away|relation|does not exist/);
      expect((await admin.query('SELECT count(*)::int AS n FROM ss_items WHERE id = 2')).rows[0].n).toBe(1);
    } finally {
      await admin.query(`ALTER TABLE ${schema}.approvals_away RENAME TO approvals`);
    }
  });

  it('closes the requests a killed broker held, from a broker that is still running', async () => {
    const c = await startBrokerProcess({ rules: RULES, extraYaml: storeYaml('broker-c'), env });
    const alice = await c.client('alice', ['developers']);
    const held = alice.query('DELETE FROM ss_items WHERE id = 3').then(() => 'ran', () => 'failed');
    const bobOnB = await b.token('bob', ['dba']);
    const pending = await until('broker-c\'s request on B', async () => {
      const r = await api<{ approvals: { id: string; broker?: string }[] }>(b, bobOnB, '/v1/approvals?state=pending');
      return r.body.approvals.find((x) => x.broker === 'broker-c');
    });
    await c.stop('SIGKILL');
    expect(await held).toBe('failed');
    // Its heartbeat stops; after a few missed beats B marks the request abandoned.
    const closed = await until('the request abandoned', async () => {
      const r = await api<{ state: string; reason?: string }>(b, bobOnB, `/v1/approvals/${pending.id}`);
      return r.body.state === 'abandoned' ? r.body : undefined;
    }, 30_000);
    expect(closed.reason).toMatch(/broker-c .*stopped; it was not run/);
    expect((await admin.query('SELECT count(*)::int AS n FROM ss_items WHERE id = 3')).rows[0].n).toBe(1);
  }, 60_000);
});
