/**
 * A journal of many interleaved sessions, generated deterministically from a seed, for tests
 * that compare two ways of reading the same records (session summaries against a full pass).
 */
import { MemoryStore } from '../../broker/recording/memory-store.js';
import type { SessionFilter } from '../../broker/recording/queries.js';
import type { RecordStore } from '../../broker/recording/record-store.js';
import { prng } from './prng.js';

const PEOPLE = [
  { subject: 'alice', email: 'Alice@Example.com' },
  { subject: 'bob' },
  { subject: 'carol', email: 'carol@example.com' },
];
const CONNECTIONS = ['shop', 'crm'];

/**
 * Interleaved sessions of several people on two connections, one record a minute from
 * 2025-01-01: refusals, errors, approval requests, masking notices, and sessions that never end.
 */
export function generatedJournal(seed: number, sessions: number, idPrefix = 's'): MemoryStore {
  const rnd = prng(seed);
  let minute = 0;
  const store = new MemoryStore(() => new Date(Date.UTC(2025, 0, 1, 0, minute++)).toISOString());
  const open: { id: string; n: number }[] = [];
  for (let started = 0; started < sessions || open.length > 0; ) {
    if (started < sessions && (open.length === 0 || rnd() < 0.3)) {
      const p = PEOPLE[Math.floor(rnd() * PEOPLE.length)]!;
      const id = `${idPrefix}${started++}`;
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

/** The same records through the full pass: the store without its summaries. */
export function scanning(store: RecordStore): RecordStore {
  return { append: (r) => store.append(r), appendJson: (j) => store.appendJson(j), flush: () => store.flush(), readAll: () => store.readAll(), close: () => store.close() };
}

export const minuteAt = (minute: number): string => new Date(Date.UTC(2025, 0, 1, 0, minute)).toISOString();

/** Filters of every kind, for sessions of `generatedJournal(…, …, idPrefix)`. */
export function searchFilters(idPrefix = 's'): SessionFilter[] {
  return [
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
    { outcome: 'active', active: new Set([1, 3, 5, 7, 40].map((n) => `${idPrefix}${n}`)) },
    { since: minuteAt(200) },
    { until: minuteAt(150) },
    { since: minuteAt(100), until: minuteAt(300), limit: 7 },
    { since: minuteAt(100000) },
    { person: 'nobody' },
  ];
}
