/**
 * The journal store answers session searches from summaries its index keeps up to date
 * (journal-index.ts), instead of a pass over every record. For any filter the answer must be
 * exactly what the full pass gives on the same records: the same sessions, counters, order and
 * `more`, before and after records are appended to the file.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOURNAL_FILE, JournalFileStore } from '../../../../broker/recording/journal-file-store.js';
import { MemoryStore } from '../../../../broker/recording/memory-store.js';
import { searchSessions, type SessionFilter } from '../../../../broker/recording/queries.js';
import type { RecordStore } from '../../../../broker/recording/record-store.js';

/** A deterministic pseudo-random sequence (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PEOPLE = [
  { subject: 'alice', email: 'Alice@Example.com' },
  { subject: 'bob' },
  { subject: 'carol', email: 'carol@example.com' },
];
const CONNECTIONS = ['shop', 'crm'];

/** Interleaved sessions of several people on two connections, one record a minute. */
function journal(seed: number, sessions: number): MemoryStore {
  const rnd = random(seed);
  let minute = 0;
  const store = new MemoryStore(() => new Date(Date.UTC(2025, 0, 1, 0, minute++)).toISOString());
  const open: { id: string; n: number }[] = [];
  for (let started = 0; started < sessions || open.length > 0; ) {
    if (started < sessions && (open.length === 0 || rnd() < 0.3)) {
      const p = PEOPLE[Math.floor(rnd() * PEOPLE.length)]!;
      const id = `s${started++}`;
      store.append({ type: 'session.start', sessionId: id, connection: CONNECTIONS[Math.floor(rnd() * 2)]!, subject: p.subject, issuer: 'https://idp', ...(p.email ? { email: p.email } : {}), groups: [], principalKind: 'human', clientAddress: '127.0.0.1', tls: false, via: 'postgres' });
      open.push({ id, n: 0 });
      continue;
    }
    const i = Math.floor(rnd() * open.length);
    const s = open[i]!;
    const roll = rnd();
    if (roll < 0.12) {
      // Some sessions never end in this journal (still open, or their broker died).
      if (rnd() < 0.8) store.append({ type: 'session.end', sessionId: s.id, reason: 'bye', statements: s.n });
      open.splice(i, 1);
    } else if (roll < 0.2) {
      store.append({ type: 'approval.requested', sessionId: s.id, approvalId: `apr_${s.id}_${s.n}`, text: 'DELETE FROM t' });
    } else if (roll < 0.27) {
      store.append({ type: 'result.masked', sessionId: s.id, statementId: s.n, columns: ['email'], rules: ['pii'], values: 1 });
    } else {
      s.n++;
      store.append({ type: 'statement', sessionId: s.id, statementId: s.n, protocol: 'simple', text: 'SELECT 1', kinds: ['select'], action: rnd() < 0.1 ? 'block' : 'allow', rule: 'r', explanation: 'x' });
      store.append({ type: 'statement.end', sessionId: s.id, statementId: s.n, durationMs: 1, rows: 1, ...(rnd() < 0.1 ? { error: { code: '22012', message: 'division by zero' } } : {}) });
    }
  }
  return store;
}

/** The same records through the full pass: a store without summaries. */
function scanning(file: JournalFileStore): RecordStore {
  return { append: (r) => file.append(r), appendJson: (j) => file.appendJson(j), flush: () => file.flush(), readAll: () => file.readAll(), close: () => file.close() };
}

const at = (minute: number): string => new Date(Date.UTC(2025, 0, 1, 0, minute)).toISOString();

const FILTERS: SessionFilter[] = [
  {},
  { limit: 5 },
  { limit: 1 },
  { person: 'alice@example.COM' },
  { person: 'bob', limit: 3 },
  { subject: 'carol', issuer: 'https://idp' },
  { connection: 'crm' },
  { outcome: 'blocked' },
  { outcome: 'errors', limit: 4 },
  { outcome: 'masked' },
  { outcome: 'approvals', connection: 'shop' },
  { outcome: 'active', active: new Set(['s1', 's3', 's5', 's7', 's40']) },
  { since: at(200) },
  { until: at(150) },
  { since: at(100), until: at(300), limit: 7 },
  { since: at(100000) },
  { person: 'nobody' },
];

describe('session search from the journal index', () => {
  it('answers every filter exactly as the full pass over the same records does, also after more records', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-summaries-'));
    const records = journal(7, 60).records;
    writeFileSync(join(dir, JOURNAL_FILE), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const file = new JournalFileStore({ directory: dir, fsync: 'write', syncIntervalMs: 1000 });
    try {
      expect(file.sessionSummaries).toBeTypeOf('function');
      for (const f of FILTERS) expect(await searchSessions(file, f), JSON.stringify(f)).toEqual(await searchSessions(scanning(file), f));
      // Records written after the index was built: counted by its incremental pass.
      file.append({ type: 'session.start', sessionId: 'new', connection: 'crm', subject: 'bob', issuer: 'https://idp', groups: [], principalKind: 'human', clientAddress: '127.0.0.1', tls: false, via: 'postgres' });
      file.append({ type: 'statement', sessionId: 'new', statementId: 1, protocol: 'simple', text: 'DROP TABLE t', kinds: ['ddl'], action: 'block', rule: 'r', explanation: 'x' });
      for (const f of [...FILTERS, { outcome: 'blocked' as const, person: 'bob' }]) {
        expect(await searchSessions(file, f), JSON.stringify(f)).toEqual(await searchSessions(scanning(file), f));
      }
      const all = (await searchSessions(file, { limit: 1000 })).sessions;
      expect(all[0]).toMatchObject({ id: 'new', statements: 1, blocked: 1 });
      // Answers are copies: changing one does not change the index.
      all[0]!.statements = 1000;
      expect((await searchSessions(file, { limit: 1 })).sessions[0]?.statements).toBe(1);
    } finally {
      await file.close();
    }
  });
});
