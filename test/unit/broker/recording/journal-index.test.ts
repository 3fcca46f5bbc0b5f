import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JournalFileStore } from '../../../../broker/recording/journal-file-store.js';
import { sessionDetail } from '../../../../broker/recording/queries.js';
import type { AuditRecord } from '../../../../broker/recording/records.js';
import { SessionRecorder } from '../../../../broker/recording/session-recorder.js';

const allow = { action: 'allow' as const, rule: 'r', explanation: 'ok', hint: undefined, statementIndex: 0 };
const start = { connection: 'c', subject: 'alice', issuer: 'i', groups: [], principalKind: 'human' as const, clientAddress: '127.0.0.1', tls: false, via: 'postgres' as const };

async function collect(it: AsyncIterable<AuditRecord>): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const r of it) out.push(r);
  return out;
}

describe('journal session index', () => {
  it('reads one session\'s records among interleaved ones, and keeps up with records written later', async () => {
    const store = new JournalFileStore({ directory: mkdtempSync(join(tmpdir(), 'airlock-index-')), fsync: 'write', syncIntervalMs: 1000 });
    const a = new SessionRecorder(store, 'sess-a', false);
    const b = new SessionRecorder(store, 'sess-b', false);
    a.start(start);
    b.start(start);
    for (let i = 0; i < 50; i++) {
      a.statement('simple', `SELECT ${i} /* a */`, ['select'], allow);
      b.statement('simple', `SELECT ${i} /* b */ ${'é'.repeat(i)}`, ['select'], allow);
    }
    const first = await collect(store.readSession('sess-a'));
    expect(first).toHaveLength(51);
    expect(first.every((r) => r.sessionId === 'sess-a')).toBe(true);
    // Written after the index was built: found by the incremental pass.
    const id = a.statement('simple', 'SELECT \'later\'', ['select'], allow);
    a.finished(id, performance.now(), 1);
    a.end('client ended the session');
    const later = await collect(store.readSession('sess-a'));
    expect(later.map((r) => r.type).slice(-3)).toEqual(['statement', 'statement.end', 'session.end']);
    // Multi-byte text does not throw the byte offsets off.
    expect((await collect(store.readSession('sess-b'))).filter((r) => r.type === 'statement')).toHaveLength(50);
    expect(await collect(store.readSession('nobody'))).toEqual([]);
    // The replay query uses it and sees the same as a full scan would.
    const detail = await sessionDetail(store, 'sess-a');
    expect(detail?.session.statements).toBe(51);
    await store.close();
  });

  it('skips a torn line and indexes a half-written last line once it is complete', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-index-'));
    const store = new JournalFileStore({ directory: dir, fsync: 'write', syncIntervalMs: 1000 });
    store.append({ type: 'session.end', sessionId: 's1', reason: 'x', statements: 0 });
    store.flush();
    appendFileSync(store.path, '{"seq":2,"sessionId":"s2"'); // being written
    expect(await collect(store.readSession('s2'))).toEqual([]);
    appendFileSync(store.path, '}\n');
    expect(await collect(store.readSession('s2'))).toEqual([{ seq: 2, sessionId: 's2' }]);
    await store.close();
  });
});
