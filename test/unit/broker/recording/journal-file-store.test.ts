import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOURNAL_FILE, JournalFileStore } from '../../../../broker/recording/journal-file-store.js';
import { verifyJournal } from '../../../../broker/recording/verify-journal.js';
import { listSessions, sessionDetail } from '../../../../broker/recording/queries.js';
import { SessionRecorder } from '../../../../broker/recording/session-recorder.js';

const dir = () => mkdtempSync(join(tmpdir(), 'airlock-journal-'));

function startInfo() {
  return {
    connection: 'shop', subject: 'alice', issuer: 'https://idp', groups: ['dev'], principalKind: 'human' as const,
    clientAddress: '127.0.0.1', tls: false, via: 'postgres' as const,
  };
}
const allow = { action: 'allow' as const, rule: 'r', explanation: 'ok', hint: undefined, statementIndex: 0 };

describe('journal file store', () => {
  it('grows its write buffer for a turn of many records and for one record larger than the buffer', async () => {
    const d = dir();
    const store = new JournalFileStore({ directory: d, fsync: 'write', syncIntervalMs: 1000 });
    const rec = new SessionRecorder(store, 's1', false);
    rec.start(startInfo());
    // 150,000 UTF-16 units of 2- and 4-byte UTF-8: far past the 64 KB the buffer starts with.
    const huge = `SELECT '${'é😀'.repeat(50_000)}'`;
    const small = Array.from({ length: 2_000 }, (_, i) => `SELECT ${i}`);
    rec.statement('simple', huge, ['select'], allow);
    for (const sql of small) rec.statement('simple', sql, ['select'], allow);
    rec.flush();
    await store.close();
    const v = await verifyJournal(join(d, JOURNAL_FILE));
    expect(v.ok, v.text).toBe(true);
    expect(v.records).toBe(2 + small.length);
    const texts = readFileSync(join(d, JOURNAL_FILE), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { text?: string }).text);
    expect(texts[1]).toBe(huge);
    expect(texts.slice(2)).toEqual(small);
  });

  it('writes queued records with one write at flush, and by itself shortly after', async () => {
    const d = dir();
    const store = new JournalFileStore({ directory: d, fsync: 'write', syncIntervalMs: 1000 });
    store.append({ type: 'session.end', sessionId: 's', reason: 'x', statements: 0 });
    expect(readFileSync(join(d, JOURNAL_FILE), 'utf8')).toBe('');
    store.flush();
    expect(readFileSync(join(d, JOURNAL_FILE), 'utf8').split('\n')).toHaveLength(2);
    store.append({ type: 'session.end', sessionId: 't', reason: 'x', statements: 0 });
    await new Promise((r) => setTimeout(r, 60));
    expect(readFileSync(join(d, JOURNAL_FILE), 'utf8').split('\n')).toHaveLength(3);
    const text = readFileSync(join(d, JOURNAL_FILE), 'utf8').split('\n')[0]!;
    expect(JSON.parse(text.trim())).toMatchObject({ seq: 1, type: 'session.end' });
  });

  it('continues the sequence after a restart and fences off a torn tail', async () => {
    const d = dir();
    const a = new JournalFileStore({ directory: d, fsync: 'always', syncIntervalMs: 1000 });
    a.append({ type: 'session.end', sessionId: 's1', reason: 'x', statements: 0 });
    a.append({ type: 'session.end', sessionId: 's2', reason: 'x', statements: 0 });
    await a.close(); // flushes
    appendFileSync(join(d, JOURNAL_FILE), '{"seq":3,"type":"sess'); // crash mid-write
    const warnings: string[] = [];
    const b = new JournalFileStore({ directory: d, fsync: 'write', syncIntervalMs: 1000, onWarning: (m) => warnings.push(m) });
    expect(warnings[0]).toMatch(/torn record/);
    const seq = b.append({ type: 'session.end', sessionId: 's3', reason: 'x', statements: 0 });
    expect(seq).toBe(4);
    await b.close();
    const all: { type: string; tornOffset?: number; tornBytes?: number }[] = [];
    for await (const r of b.readAll()) all.push(r);
    // The two records, the account of the torn bytes, and the new record.
    expect(all.map((r) => r.type)).toEqual(['session.end', 'session.end', 'journal.recovered', 'session.end']);
    expect(all[2]).toMatchObject({ tornBytes: 21 });
    const v = await verifyJournal(join(d, JOURNAL_FILE));
    expect(v.ok, v.text).toBe(true);
    expect(v.text).toMatch(/torn record from a crash at line 3 \(21 bytes at offset \d+\), accounted for/);
    expect(v.head?.seq).toBe(4);
  });

  it('keeps bind parameters out of the record unless configured', async () => {
    const d = dir();
    const store = new JournalFileStore({ directory: d, fsync: 'write', syncIntervalMs: 1000 });
    const hidden = new SessionRecorder(store, 'a', false);
    hidden.start(startInfo());
    hidden.statement('extended', 'SELECT $1', ['select'], allow, 1);
    const shown = new SessionRecorder(store, 'b', true);
    shown.start(startInfo());
    shown.statement('extended', 'SELECT $1', ['select'], allow, [Buffer.from('visible'), null]);
    store.flush();
    const text = readFileSync(join(d, JOURNAL_FILE), 'utf8');
    expect(text).not.toContain('4111111111111111');
    expect(text).toContain('[redacted]');
    expect(text).toContain('"visible",null');
  });

  it('assembles hot-path records that read back exactly, whatever the text and rule contain', async () => {
    const d = dir();
    const store = new JournalFileStore({ directory: d, fsync: 'write', syncIntervalMs: 1000 });
    const r = new SessionRecorder(store, 'sess-"x"', false);
    r.start(startInfo());
    const nasty = 'SELECT \'"\\\n\u2028\u0000é\' AS "}{"';
    const decision = { ...allow, rule: 'r"1', explanation: 'why\n"not"' };
    const fragment = r.fragment('extended', nasty, ['select'], decision);
    const a = r.statementFromFragment(fragment, 2);
    r.finished(a, performance.now(), null, { code: '42501', message: 'no "way"' });
    r.statementFromFragment(fragment);
    const detail = await sessionDetail(store, 'sess-"x"');
    expect(detail?.statements).toEqual([
      expect.objectContaining({ statementId: 1, text: nasty, rule: 'r"1', explanation: 'why\n"not"', parameters: '[redacted]', end: expect.objectContaining({ rows: null, error: { code: '42501', message: 'no "way"' } }) }),
      expect.objectContaining({ statementId: 2, text: nasty }),
    ]);
  });

  it('answers session queries: list, filter by subject, one session with outcomes', async () => {
    const d = dir();
    const store = new JournalFileStore({ directory: d, fsync: 'write', syncIntervalMs: 1000 });
    const r = new SessionRecorder(store, 'sess-1', false);
    r.start(startInfo());
    const id = r.statement('simple', 'SELECT 1', ['select'], allow);
    r.finished(id, performance.now(), 1);
    r.statement('simple', 'DROP TABLE x', ['ddl'], { ...allow, action: 'block', rule: 'no-ddl' });
    r.end('client disconnected');
    const list = await listSessions(store, { subject: 'alice' });
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: 'sess-1', statements: 2, blocked: 1, endReason: 'client disconnected' });
    expect(await listSessions(store, { subject: 'mallory' })).toHaveLength(0);
    const detail = await sessionDetail(store, 'sess-1');
    expect(detail?.statements[0]).toMatchObject({ text: 'SELECT 1', end: { rows: 1 } });
    expect(detail?.statements[1]).toMatchObject({ action: 'block', rule: 'no-ddl' });
  });
});
