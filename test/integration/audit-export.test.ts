/**
 * Contract: `airlock audit export` writes the journal as JSON lines filtered by person,
 * connection and time, following statements to their session; it only reads the journal.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { JournalFileStore, JOURNAL_FILE } from '../../broker/recording/journal-file-store.js';
import { runProcess } from '../support/run-process.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-export-'));

beforeAll(async () => {
  execFileSync('node', ['scripts/build.mjs'], { stdio: 'ignore' });
  const store = new JournalFileStore({ directory: dir, fsync: 'write', syncIntervalMs: 1000 });
  const start = (sessionId: string, subject: string, email: string, connection: string) =>
    store.append({ type: 'session.start', sessionId, connection, subject, issuer: 'i', email, groups: [], principalKind: 'human', clientAddress: '127.0.0.1', tls: false, via: 'postgres' });
  start('s-alice', 'alice', 'alice@example.com', 'shop');
  store.append({ type: 'statement', sessionId: 's-alice', statementId: 1, protocol: 'simple', text: 'SELECT 1', kinds: ['select'], action: 'allow', rule: 'r', explanation: 'e' });
  start('s-bob', 'bob', 'bob@example.com', 'analytics');
  store.append({ type: 'statement', sessionId: 's-bob', statementId: 1, protocol: 'simple', text: 'SELECT 2', kinds: ['select'], action: 'allow', rule: 'r', explanation: 'e' });
  store.append({ type: 'session.end', sessionId: 's-alice', reason: 'done', statements: 1 });
  await store.close();
});

const airlock = (args: string[]) => runProcess('node', ['bin/airlock.js', 'audit', 'export', '--dir', dir, ...args]);
const lines = (text: string) => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; sessionId: string });

describe('airlock audit export', () => {
  it('exports everything, or a person\'s records (by subject or email), or a connection\'s', async () => {
    const before = statSync(join(dir, JOURNAL_FILE)).size;
    const all = await airlock([]);
    expect(all.status).toBe(0);
    expect(lines(all.stdout)).toHaveLength(5);
    const alice = lines((await airlock(['--person', 'alice@example.com'])).stdout);
    expect(alice.map((r) => `${r.type}:${r.sessionId}`)).toEqual(['session.start:s-alice', 'statement:s-alice', 'session.end:s-alice']);
    const analytics = lines((await airlock(['--connection', 'analytics'])).stdout);
    expect(analytics.map((r) => r.type)).toEqual(['session.start', 'statement']);
    expect(statSync(join(dir, JOURNAL_FILE)).size).toBe(before);
  });

  it('filters by time, writes a file, and refuses a bad time', async () => {
    expect(lines((await airlock(['--until', '2000-01-01T00:00:00Z'])).stdout)).toEqual([]);
    const out = join(dir, 'export.jsonl');
    const r = await airlock(['--since', '2000-01-01', '--out', out]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('5 record(s)');
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(5);
    const bad = await airlock(['--since', 'yesterday-ish']);
    expect(bad.status).toBe(2);
  });
});
