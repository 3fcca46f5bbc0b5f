/**
 * The journal's read side on records written straight into a memory store: search filters
 * (person, connection, time overlap, outcome), the newest-first limit with older candidates
 * dropped during the single pass, the timeline's joins (approval events to the statement they
 * led to, masking notices to their statement), paging, and who may see a session.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../../broker/recording/memory-store.js';
import { searchSessions, sessionDetail } from '../../../../broker/recording/queries.js';
import { isAuditor, maySeeSession, visibilityFilter } from '../../../../broker/recording/session-visibility.js';
import type { NewRecord } from '../../../../broker/recording/records.js';
import type { RecordStore } from '../../../../broker/recording/record-store.js';

const ISS = 'https://idp.example';

/** A memory store whose records carry the time last set in `at`. */
class TimedStore extends MemoryStore {
  at = '2025-01-01T00:00:00.000Z';
  constructor() {
    super(() => this.at);
  }
}

function start(store: RecordStore, id: string, subject: string, extra: Partial<{ email: string; connection: string; issuer: string }> = {}): void {
  store.append({ type: 'session.start', sessionId: id, connection: extra.connection ?? 'shop', subject, issuer: extra.issuer ?? ISS, ...(extra.email ? { email: extra.email } : {}), groups: [], principalKind: 'human', clientAddress: '127.0.0.1', tls: false, via: 'postgres' });
}

function statement(store: RecordStore, id: string, statementId: number, text: string, action: 'allow' | 'block' | 'approve' = 'allow'): void {
  store.append({ type: 'statement', sessionId: id, statementId, protocol: 'simple', text, kinds: ['select'], action, rule: action === 'allow' ? '(default)' : 'r', explanation: 'x' });
}

describe('searchSessions', () => {
  it('filters by person (subject or email), connection and outcome', async () => {
    const s = new MemoryStore();
    start(s, 'a', 'alice', { email: 'Alice@Example.com' });
    statement(s, 'a', 1, 'SELECT 1');
    statement(s, 'a', 2, 'DROP TABLE t', 'block');
    start(s, 'b', 'bob', { connection: 'crm' });
    statement(s, 'b', 1, 'SELECT 1');
    s.append({ type: 'statement.end', sessionId: 'b', statementId: 1, durationMs: 1, rows: null, error: { code: '22012', message: 'division by zero' } });
    s.append({ type: 'result.masked', sessionId: 'b', statementId: 1, columns: ['email'], rules: ['pii'], values: 2 });
    s.append({ type: 'approval.requested', sessionId: 'b', approvalId: 'apr_1', text: 'DELETE FROM t' });
    s.append({ type: 'session.end', sessionId: 'b', reason: 'bye', statements: 1 });
    const ids = async (f: Parameters<typeof searchSessions>[1]): Promise<string[]> => (await searchSessions(s, f)).sessions.map((x) => x.id);
    expect(await ids({})).toEqual(['b', 'a']);
    expect(await ids({ person: 'alice@example.COM' })).toEqual(['a']);
    expect(await ids({ person: 'bob' })).toEqual(['b']);
    expect(await ids({ connection: 'crm' })).toEqual(['b']);
    expect(await ids({ outcome: 'blocked' })).toEqual(['a']);
    expect(await ids({ outcome: 'errors' })).toEqual(['b']);
    expect(await ids({ outcome: 'masked' })).toEqual(['b']);
    expect(await ids({ outcome: 'approvals' })).toEqual(['b']);
    expect(await ids({ outcome: 'active', active: new Set(['a', 'b']) })).toEqual(['a']);
    expect(await ids({ outcome: 'active' })).toEqual([]);
    const [b] = (await searchSessions(s, { person: 'bob' })).sessions;
    expect(b).toMatchObject({ statements: 1, blocked: 0, errors: 1, masked: 1, approvals: 1, endReason: 'bye' });
  });

  it('the time range keeps sessions open during it', async () => {
    const s = new TimedStore();
    s.at = '2025-01-01T10:00:00.000Z';
    start(s, 'early', 'alice');
    s.at = '2025-01-01T10:30:00.000Z';
    s.append({ type: 'session.end', sessionId: 'early', reason: 'bye', statements: 0 });
    s.at = '2025-01-01T11:00:00.000Z';
    start(s, 'long', 'alice');
    s.at = '2025-01-01T13:00:00.000Z';
    s.append({ type: 'session.end', sessionId: 'long', reason: 'bye', statements: 0 });
    s.at = '2025-01-01T14:00:00.000Z';
    start(s, 'late', 'alice');
    const ids = async (since?: string, until?: string): Promise<string[]> =>
      (await searchSessions(s, { ...(since ? { since } : {}), ...(until ? { until } : {}) })).sessions.map((x) => x.id);
    expect(await ids('2025-01-01T12:00:00.000Z', '2025-01-01T12:30:00.000Z')).toEqual(['long']);
    expect(await ids('2025-01-01T10:15:00.000Z')).toEqual(['late', 'long', 'early']);
    expect(await ids(undefined, '2025-01-01T11:00:00.000Z')).toEqual(['early']);
    // Not ended: still open, whenever "since" is.
    expect(await ids('2025-06-01T00:00:00.000Z')).toEqual(['late']);
  });

  it('orders by start time even when the journal does not (records of several brokers)', async () => {
    const s = new TimedStore();
    for (const [id, at] of [['b-late', '2025-01-01T12:00:00.000Z'], ['a-early', '2025-01-01T09:00:00.000Z'], ['a-mid', '2025-01-01T10:00:00.000Z']] as const) {
      s.at = at;
      start(s, id, 'alice');
    }
    expect((await searchSessions(s, {})).sessions.map((x) => x.id)).toEqual(['b-late', 'a-mid', 'a-early']);
    expect((await searchSessions(s, { limit: 1 })).sessions.map((x) => x.id)).toEqual(['b-late']);
  });

  it('returns the newest `limit` matches and says there are more, dropping older candidates on the way', async () => {
    const s = new MemoryStore();
    for (let i = 0; i < 2000; i++) {
      const id = `s${i}`;
      start(s, id, i % 2 === 0 ? 'alice' : 'bob');
      statement(s, id, 1, 'SELECT 1', i % 10 === 0 ? 'block' : 'allow');
      s.append({ type: 'session.end', sessionId: id, reason: 'bye', statements: 1 });
    }
    const newest = await searchSessions(s, { limit: 5 });
    expect(newest.sessions.map((x) => x.id)).toEqual(['s1999', 's1998', 's1997', 's1996', 's1995']);
    expect(newest.more).toBe(true);
    const blocked = await searchSessions(s, { outcome: 'blocked', limit: 3 });
    expect(blocked.sessions.map((x) => x.id)).toEqual(['s1990', 's1980', 's1970']);
    expect(blocked.more).toBe(true);
    const all = await searchSessions(s, { outcome: 'blocked', limit: 1000 });
    expect(all.sessions).toHaveLength(200);
    expect(all.more).toBe(false);
    // An old session still open that matches late is not lost to the trimming.
    const t = new MemoryStore();
    start(t, 'old-open', 'alice');
    for (let i = 0; i < 600; i++) {
      start(t, `n${i}`, 'bob');
      t.append({ type: 'session.end', sessionId: `n${i}`, reason: 'bye', statements: 0 });
    }
    statement(t, 'old-open', 1, 'DROP TABLE t', 'block');
    expect((await searchSessions(t, { outcome: 'blocked', limit: 2 })).sessions.map((x) => x.id)).toEqual(['old-open']);
  });
});

describe('sessionDetail', () => {
  it('joins approval events to the statement they led to, and masking notices to theirs', async () => {
    const s = new MemoryStore();
    start(s, 'x', 'alice');
    statement(s, 'x', 1, 'SELECT email FROM c');
    s.append({ type: 'statement.end', sessionId: 'x', statementId: 1, durationMs: 2, rows: 1, result: { columns: ['email'], rows: [['[masked]']] } });
    s.append({ type: 'result.masked', sessionId: 'x', statementId: 1, columns: ['email'], rules: ['pii'], values: 1 });
    s.append({ type: 'approval.dry-run', sessionId: 'x', text: 'DELETE FROM t WHERE id = 1', protocol: 'simple' });
    s.append({ type: 'approval.requested', sessionId: 'x', approvalId: 'apr_1', text: 'DELETE FROM t WHERE id = 1', rules: ['r'] });
    s.append({ type: 'approval.closed', sessionId: 'x', approvalId: 'apr_1', state: 'approved', reviewers: [{ subject: 'bob', verdict: 'approve' }] });
    statement(s, 'x', 2, 'DELETE FROM t WHERE id = 1', 'approve');
    s.append({ type: 'statement.end', sessionId: 'x', statementId: 2, durationMs: 1, rows: 1 });
    // A request the session ended on: it never led to a statement.
    s.append({ type: 'approval.requested', sessionId: 'x', approvalId: 'apr_2', text: 'DELETE FROM t' });
    s.append({ type: 'session.end', sessionId: 'x', reason: 'client disconnected', statements: 2 });
    start(s, 'other', 'bob');
    statement(s, 'other', 1, 'DELETE FROM t WHERE id = 1');

    const d = (await sessionDetail(s, 'x'))!;
    expect(d.session).toMatchObject({ subject: 'alice', issuer: ISS, statements: 2, blocked: 0, approvals: 2, masked: 1, endReason: 'client disconnected', tls: false, via: 'postgres' });
    expect(d.statements[0]?.masked).toEqual([expect.objectContaining({ columns: ['email'], rules: ['pii'], values: 1 })]);
    expect(d.statements[0]?.end?.result?.rows).toEqual([['[masked]']]);
    expect(d.statements[1]?.approval?.map((e) => e.type)).toEqual(['approval.dry-run', 'approval.requested', 'approval.closed']);
    expect(d.statements[1]?.approval?.[2]).toMatchObject({ state: 'approved', reviewers: [{ subject: 'bob', verdict: 'approve' }] });
    expect(d.events).toEqual([expect.objectContaining({ kind: 'approval', type: 'approval.requested', approvalId: 'apr_2' })]);
    expect(await sessionDetail(s, 'nope')).toBeUndefined();
  });

  it('pages: statements from `from`, at most `limit`, with the counts around them', async () => {
    const s = new MemoryStore();
    start(s, 'x', 'alice');
    for (let i = 1; i <= 10; i++) statement(s, 'x', i, `SELECT ${i}`);
    const d = (await sessionDetail(s, 'x', { from: 4, limit: 3 }))!;
    expect(d.statements.map((x) => x.statementId)).toEqual([4, 5, 6]);
    expect([d.before, d.after]).toEqual([3, 4]);
    expect(d.session.statements).toBe(10);
  });

  it('leaves the hash chain out of what it returns', async () => {
    const s = new MemoryStore();
    s.append({ type: 'session.start', sessionId: 'h', connection: 'shop', subject: 'a', issuer: ISS, groups: [], principalKind: 'human', clientAddress: '::1', tls: true, via: 'tunnel', hash: 'abc', broker: 'b-2' } as NewRecord);
    s.append({ type: 'statement', sessionId: 'h', statementId: 1, protocol: 'simple', text: 'SELECT 1', kinds: [], action: 'allow', rule: 'r', explanation: 'x', hash: 'def' } as NewRecord);
    const d = (await sessionDetail(s, 'h'))!;
    expect(d.session.broker).toBe('b-2');
    expect(JSON.stringify(d)).not.toContain('"hash"');
  });
});

describe('who may see a session', () => {
  const auditors = ['auditors'];
  it('auditors see everyone; others their own, by subject and issuer', () => {
    const carol = { subject: 'carol', issuer: ISS, groups: ['auditors'] };
    const alice = { subject: 'alice', issuer: ISS, groups: ['developers'] };
    expect(isAuditor(carol, auditors)).toBe(true);
    expect(isAuditor(alice, auditors)).toBe(false);
    expect(maySeeSession(carol, { subject: 'bob', issuer: ISS }, auditors)).toBe(true);
    expect(maySeeSession(alice, { subject: 'alice', issuer: ISS }, auditors)).toBe(true);
    expect(maySeeSession(alice, { subject: 'bob', issuer: ISS }, auditors)).toBe(false);
    // The same subject at another issuer is another person.
    expect(maySeeSession(alice, { subject: 'alice', issuer: 'https://other.example' }, auditors)).toBe(false);
    expect(visibilityFilter(carol, auditors)).toEqual({});
    expect(visibilityFilter(alice, auditors)).toEqual({ subject: 'alice', issuer: ISS });
  });
});
