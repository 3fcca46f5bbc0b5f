/**
 * Contract: the shared store's state is consistent among brokers. Decisions taken at the same
 * moment on two brokers are serialised by the store (a quorum is completed once, a request closes
 * once), each broker's copy follows the other's changes, a lost notification connection is
 * re-established and the copy reloaded, and each broker's record lines are copied, including those
 * an earlier run wrote but never copied.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import pg from 'pg';
import { EventBus } from '../../broker/approvals/event-bus.js';
import type { ApprovalRequest } from '../../broker/approvals/types.js';
import type { StoreConfig, Secret } from '../../broker/config/types.js';
import { silentLogger } from '../../broker/log.js';
import { JOURNAL_FILE, JournalFileStore } from '../../broker/recording/journal-file-store.js';
import { searchSessions } from '../../broker/recording/queries.js';
import { migrate } from '../../broker/store/postgres/migrations.js';
import { PgPageSessions } from '../../broker/store/postgres/pg-page-sessions.js';
import { openPostgresStore, type PostgresStore } from '../../broker/store/postgres/pg-store.js';
import { verifySharedStore } from '../../broker/store/postgres/verify-shared.js';
import { GENESIS, sealLine, splitLine } from '../../broker/recording/hash-chain.js';
import { verifyJournal } from '../../broker/recording/verify-journal.js';
import { adminClient } from '../support/admin-client.js';
import { generatedJournal, scanning, searchFilters } from '../support/generated-journal.js';
import { until } from '../support/until.js';

const schema = `airlock_s${Date.now().toString(36)}`;
let admin: pg.Client;
let url: string;
const opened: PostgresStore[] = [];

const secret = (v: string): Secret => ({ reveal: () => v, toString: () => '[secret]', toJSON: () => '[secret]' });
async function open(brokerName: string, bus = new EventBus()): Promise<PostgresStore> {
  const cfg: StoreConfig = { type: 'postgres', url: secret(url), schema, brokerName };
  const s = await openPostgresStore(cfg, bus, silentLogger);
  opened.push(s);
  return s;
}

beforeAll(async () => {
  const db = inject('pg');
  url = `postgres://${encodeURIComponent(db.superuser)}:${encodeURIComponent(db.password)}@${db.host}:${db.port}/${db.database}`;
  admin = await adminClient();
});
afterAll(async () => {
  for (const s of opened) await s.close().catch(() => {});
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

/** A client of its own (not `admin`'s session), for a migration's transaction. */
async function connectStore(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return c;
}

function request(id: string, broker: string): ApprovalRequest {
  return {
    id,
    state: 'pending',
    createdAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + 60_000).toISOString(),
    requester: { subject: 'alice', issuer: 'i', kind: 'human', groups: [] },
    connection: 'c',
    sessionId: 's',
    client: { address: '127.0.0.1' },
    statement: { sql: 'DELETE FROM t', protocol: 'simple', parameterCount: 0, binding: 'b', kinds: ['delete'] },
    requirements: [{ rule: 'r', explanation: 'x', groups: ['dba'], mode: 'any', quorum: 2 }],
    impact: { method: 'unavailable', tables: [], notes: [] },
    decisions: [],
    url: 'http://x',
    broker,
  } as ApprovalRequest;
}

describe('shared store state', () => {
  it('serialises decisions taken at once on two brokers, and each copy follows the other', async () => {
    const [a, b] = [await open('a'), await open('b')];
    const changed: string[] = [];
    a.state.approvals.onRemoteChange((r) => changed.push(`${r.id}:${r.state}:${r.decisions.length}`));
    await a.state.approvals.insert(request('apr_1', 'a'));
    await until('the other copy to follow', () => b.state.approvals.get('apr_1'));
    // Two reviewers at once, each on their own broker: each change sees the other's decision.
    const decide = (who: string) => (cur: ApprovalRequest | undefined): ApprovalRequest | undefined => {
      if (!cur || cur.state !== 'pending') return undefined;
      const decisions = [...cur.decisions, { reviewer: { subject: who, issuer: 'i', kind: 'human' as const, groups: ['dba'] }, verdict: 'approve' as const, comment: '', at: new Date().toISOString(), asGroups: ['dba'] }];
      return { ...cur, decisions, state: decisions.length >= 2 ? 'approved' : 'pending' };
    };
    const results = await Promise.all([a.state.approvals.update('apr_1', decide('bob')), b.state.approvals.update('apr_1', decide('dora'))]);
    expect(results.map((r) => r?.decisions.length).sort()).toEqual([1, 2]);
    const final = await until('the other copy to follow', () => (a.state.approvals.get('apr_1')?.state === 'approved' ? a.state.approvals.get('apr_1') : undefined));
    expect(final.decisions.map((d) => d.reviewer.subject).sort()).toEqual(['bob', 'dora']);
    // The other copy follows (a notification away), and never goes back to an older version.
    await until('the other copy to follow', () => (b.state.approvals.get('apr_1')?.state === 'approved' ? true : undefined));
    await new Promise((r) => setTimeout(r, 100));
    expect(b.state.approvals.get('apr_1')?.decisions).toHaveLength(2);
    expect(changed.some((c) => c.startsWith('apr_1:'))).toBe(true);

    // Deny and expire racing on a fresh request: exactly one closes it.
    await b.state.approvals.insert(request('apr_2', 'b'));
    await until('the other copy to follow', () => a.state.approvals.get('apr_2'));
    const close = (state: 'denied' | 'expired') => (cur: ApprovalRequest | undefined): ApprovalRequest | undefined => (cur?.state === 'pending' ? { ...cur, state } : undefined);
    const [denied, expired] = await Promise.all([a.state.approvals.update('apr_2', close('denied')), b.state.approvals.update('apr_2', close('expired'))]);
    expect([denied, expired].filter(Boolean)).toHaveLength(1);
    const { rows } = await admin.query(`SELECT state FROM ${schema}.approvals WHERE id = 'apr_2'`);
    expect(['denied', 'expired']).toContain(rows[0].state);
    await until('the other copy to follow', () => (a.state.approvals.get('apr_2')?.state === rows[0].state && b.state.approvals.get('apr_2')?.state === rows[0].state ? true : undefined));
  });

  it('fans events out to the other brokers, marked with their origin, and not back', async () => {
    const [busA, busB] = [new EventBus(), new EventBus()];
    await open('ea', busA);
    await open('eb', busB);
    const onA: string[] = [];
    const onB: { type: string; origin?: string }[] = [];
    busA.subscribe((e) => onA.push(`${e.type}:${e.origin ?? 'local'}`));
    busB.subscribe((e) => onB.push({ type: e.type, ...(e.origin ? { origin: e.origin } : {}) }));
    const big = 'x'.repeat(20_000); // beyond NOTIFY's 8000-byte payload
    busA.publish({ type: 'statement.blocked', at: new Date().toISOString(), statement: { sessionId: 's', connection: 'c', requester: { subject: 'alice', issuer: 'i', kind: 'human', groups: [] }, sql: big, rule: 'r', explanation: 'e' } });
    await until('the other copy to follow', () => onB.find((e) => e.type === 'statement.blocked'));
    expect(onB).toEqual([{ type: 'statement.blocked', origin: 'ea' }]);
    await new Promise((r) => setTimeout(r, 200));
    expect(onA).toEqual(['statement.blocked:local']);
  });

  it('passes cancel requests to the other brokers, not back, ignores malformed ones, and bounds a flood', async () => {
    const ca = await open('ca');
    const cb = await open('cb');
    const onA: string[] = [];
    const onB: string[] = [];
    ca.cancels.onRequest((pid, key) => onA.push(`${pid}:${key.toString('hex')}`));
    cb.cancels.onRequest((pid, key) => onB.push(`${pid}:${key.toString('hex')}`));
    // Anyone who can NOTIFY on the store could send these; none may reach a handler.
    for (const bad of ['', 'x', '12 zz ca2', '12 abc cx', '99999999999 0a0b cx', '12 0a0b', '12 0a0b bad name', `12 ${'00'.repeat(257)} cx`]) {
      await admin.query('SELECT pg_notify($1, $2)', [`${schema}_cancel`, bad]);
    }
    ca.cancels.announce(4242, Buffer.from([1, 2, 3, 4]));
    await until('the cancel on B', () => (onB.length ? true : undefined));
    expect(onB).toEqual(['4242:01020304']);

    // 100 cancels for unknown sessions at once: at most 32 are passed on while those are pending.
    onB.length = 0;
    for (let i = 0; i < 100; i++) ca.cancels.announce(10_000 + i, Buffer.from([i, 0, 0, 1]));
    await until('the flood on B', () => (onB.length >= 32 ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    expect(onB.length).toBe(32);
    expect(onB[0]).toBe('10000:00000001');
    // Once they are through, the next one goes again.
    ca.cancels.announce(77, Buffer.from([7, 7, 7, 7]));
    await until('the next cancel on B', () => (onB.includes('77:07070707') ? true : undefined));
    expect(onA).toEqual([]);
  });

  it('keeps the approval pages\' sign-ins where every broker finds them, keyed so the table cannot be replayed', async () => {
    const [pa, pb] = [(await open('pa')).pageSessions, (await open('pb')).pageSessions];
    const principal = { subject: 'bob', issuer: 'https://idp', issuerName: 'idp', groups: ['dba'], kind: 'human' as const, expiresAt: Math.floor(Date.now() / 1000) + 600 };
    const s = await pa.create(principal);
    expect(await pb.get(s.id)).toEqual({ id: s.id, principal, csrf: s.csrf, expiresAt: principal.expiresAt * 1000 });
    // A flash set on one broker is shown once, by whichever serves the next page.
    await pa.setFlash(s.id, { kind: 'ok', text: 'Approved.' });
    expect(await pb.takeFlash(s)).toEqual({ kind: 'ok', text: 'Approved.' });
    expect(await pa.takeFlash(s)).toBeUndefined();
    // A sign-in started on one broker finishes on the other, once.
    const { id: flowId, flow } = await pa.startFlow({ state: 'st', nonce: 'no', codeVerifier: 'cv', returnTo: '/approvals' });
    expect(await pb.takeFlow(flowId)).toEqual(flow);
    expect(await pa.takeFlow(flowId)).toBeUndefined();
    // The cookie value is nowhere in the tables: only its hash.
    const dump = JSON.stringify((await admin.query(`SELECT * FROM ${schema}.page_sessions`)).rows) + JSON.stringify((await admin.query(`SELECT * FROM ${schema}.page_flows`)).rows);
    expect(dump).not.toContain(s.id);
    // Signing out on one ends it on both; an expired session is not found; odd ids are not looked up.
    const ended: string[] = [];
    const endedOnA: string[] = [];
    pb.onEnd((id) => ended.push(id));
    pa.onEnd((id) => endedOnA.push(id));
    await pa.get(s.id); // A serves it (its event streams would be open there)
    await pb.end(s.id);
    expect(ended).toEqual([s.id]);
    // A hears of it at once (NOTIFY), not at a stream's next heartbeat.
    await until('the sign-out on A', () => (endedOnA.length ? true : undefined));
    expect(endedOnA).toEqual([s.id]);
    expect(await pa.get(s.id)).toBeUndefined();
    const old = await pa.create({ ...principal, expiresAt: Math.floor(Date.now() / 1000) - 1 });
    expect(await pb.get(old.id)).toBeUndefined();
    expect(await pb.get('x'.repeat(5000))).toBeUndefined();
    expect(await pb.get(undefined)).toBeUndefined();
  });

  it('caps the sign-ins in progress, which anyone can start: the oldest go', async () => {
    await open('pc'); // the schema, migrated
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    const flows = new PgPageSessions(pool, `"${schema}"`, undefined, { flows: 3, sessions: 3 });
    await admin.query(`DELETE FROM ${schema}.page_flows`);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      ids.push((await flows.startFlow({ state: `s${i}`, nonce: 'n', codeVerifier: 'v', returnTo: '/' })).id);
      await new Promise((r) => setTimeout(r, 5)); // distinct expiry times, so "oldest" is well defined
    }
    expect((await admin.query(`SELECT count(*)::int AS n FROM ${schema}.page_flows`)).rows[0].n).toBeLessThanOrEqual(4);
    expect(await flows.takeFlow(ids[0])).toBeUndefined();
    expect((await flows.takeFlow(ids[5]))?.state).toBe('s5');
    await pool.end();
  });

  it('answers session searches from the summaries its trigger keeps, exactly as a pass over the records', async () => {
    const store = await open('sum');
    const dir = mkdtempSync(join(tmpdir(), 'airlock-sum-'));
    writeFileSync(join(dir, JOURNAL_FILE), generatedJournal(11, 40, 'sum-').records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    // The earlier run's lines are copied at open; the trigger summarises them as they land.
    const shared = await store.openRecords({ directory: dir, fsync: 'write', syncIntervalMs: 1000 });
    try {
      expect(shared.sessionSummaries).toBeTypeOf('function');
      for (const f of searchFilters('sum-')) expect(await searchSessions(shared, f), JSON.stringify(f)).toEqual(await searchSessions(scanning(shared), f));
      // Written now: through the journal and the copy.
      shared.append({ type: 'session.start', sessionId: 'sum-new', connection: 'crm', subject: 'bob', issuer: 'https://idp', groups: [], principalKind: 'human', clientAddress: '127.0.0.1', tls: false, via: 'postgres' });
      shared.append({ type: 'statement', sessionId: 'sum-new', statementId: 1, protocol: 'simple', text: 'DROP TABLE t', kinds: ['ddl'], action: 'block', rule: 'r', explanation: 'x' });
      shared.append({ type: 'statement.end', sessionId: 'sum-new', statementId: 1, durationMs: 1, rows: null, error: { code: '42501', message: 'refused' } });
      shared.flush();
      const found = await searchSessions(shared, { person: 'bob', outcome: 'blocked', limit: 100 });
      expect(found).toEqual(await searchSessions(scanning(shared), { person: 'bob', outcome: 'blocked', limit: 100 }));
      expect(found.sessions.find((x) => x.id === 'sum-new')).toMatchObject({ statements: 1, blocked: 1, errors: 1 });

      // A store whose records predate the summaries gets them when the step runs, the same as
      // the trigger's: the records copied into a schema without step 4, then migrated.
      const old = `${schema}_bf`;
      const c = await connectStore();
      try {
        await migrate(c, old);
        await c.query(`DROP TRIGGER records_summarise ON ${old}.records; DROP FUNCTION ${old}.summarise_records(); DROP TABLE ${old}.session_summaries; DELETE FROM ${old}.migrations WHERE version = 4`);
        await c.query(`INSERT INTO ${old}.records SELECT * FROM ${schema}.records`);
        expect(await migrate(c, old)).toEqual([4]);
        const rows = async (sch: string): Promise<unknown[]> => (await c.query(`SELECT * FROM ${sch}.session_summaries ORDER BY session_id`)).rows;
        const backfilled = await rows(old);
        expect(backfilled.length).toBeGreaterThan(40);
        expect(backfilled).toEqual(await rows(schema));
      } finally {
        await c.query(`DROP SCHEMA IF EXISTS ${old} CASCADE`);
        await c.end();
      }
    } finally {
      await shared.close();
    }
  });

  it('re-establishes a lost notification connection and reloads what changed meanwhile', async () => {
    const [a, b] = [await open('ra'), await open('rb')];
    const killed = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'airlock broker ra' AND query LIKE 'LISTEN%'`);
    expect(killed.rowCount).toBe(1);
    await a.state.access.insert({ id: 'acc_1', state: 'pending', createdAt: new Date().toISOString() } as never);
    await until('the other copy to follow', () => b.state.access.get('acc_1'), 10_000);
    // ra's own copy has it (its write), and after reconnecting it still hears rb.
    await new Promise((r) => setTimeout(r, 1200));
    await b.state.access.update('acc_1', (cur) => (cur ? ({ ...cur, state: 'active' } as typeof cur) : undefined));
    await until('the other copy to follow', () => (a.state.access.get('acc_1')?.state === 'active' ? true : undefined), 15_000);
  }, 30_000);

  it('copies the journal lines an earlier run wrote but did not copy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-ship-'));
    // An earlier run with no shared store, say, or one killed before copying.
    const earlier = new JournalFileStore({ directory: dir, fsync: 'write', syncIntervalMs: 1000 });
    for (let i = 0; i < 5; i++) earlier.append({ type: 'session.end', sessionId: `s${i}`, reason: 'x', statements: 0 });
    await earlier.close();
    const s = await open('ship');
    const records = await s.openRecords({ directory: dir, fsync: 'write', syncIntervalMs: 1000 });
    records.append({ type: 'session.end', sessionId: 'late', reason: 'x', statements: 0 });
    const read: string[] = [];
    for await (const r of records.readAll()) if (r.broker === 'ship') read.push(r.sessionId);
    expect(read).toEqual(['s0', 's1', 's2', 's3', 's4', 'late']);
    const { rows } = await admin.query<{ line: string }>(`SELECT line FROM ${schema}.records WHERE broker = 'ship' ORDER BY seq`);
    await records.close();
    const journal = join(dir, 'journal.jsonl');
    expect(rows.map((r) => `${r.line}\n`).join('')).toBe(readFileSync(journal, 'utf8'));

    // The copy is a witness: the journal checked against it.
    const cfg: StoreConfig = { type: 'postgres', url: secret(url), schema, brokerName: 'ship' };
    const own = (results: { ok: boolean; text: string }[]) => results.find((r) => r.text.includes('against the store'))!;
    expect(own(await verifySharedStore(cfg, journal))).toMatchObject({ ok: true });
    const lines = readFileSync(journal, 'utf8').split('\n').filter(Boolean);
    // Cut the newest two records off: the journal's own chain still verifies, the copy shows the cut.
    writeFileSync(journal, lines.slice(0, -2).map((l) => `${l}\n`).join(''));
    expect((await verifyJournal(journal)).ok).toBe(true);
    expect(own(await verifySharedStore(cfg, journal)).text).toMatch(/the journal ends at record 4, but the store holds records up to 6: records 5–6 were cut off/);
    // Rewrite a record and re-seal the rest of the chain: self-consistent, but not the copy.
    let previous = GENESIS;
    const forged = lines.map((l) => {
      const body = splitLine(l.replace('"sessionId":"s2"', '"sessionId":"sX"'))!.body;
      const sealed = sealLine(previous, body);
      previous = sealed.hash;
      return sealed.line;
    });
    writeFileSync(journal, forged.map((l) => `${l}\n`).join(''));
    expect((await verifyJournal(journal)).ok).toBe(true);
    const diff = own(await verifySharedStore(cfg, journal));
    expect(diff.ok).toBe(false);
    expect(diff.text).toMatch(/FAILED at record 3 — the journal and the store's copy differ from here/);
  });
});
