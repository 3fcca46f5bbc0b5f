/**
 * Read side of the journal for the HTTP API and the replay pages: session lists (searched by
 * person, connection, time and outcome) and one session as a timeline. A search reads the
 * summaries the store keeps where it has them (the journal file's index: `sessionSummaries`),
 * else the whole record once (`store.readAll()`), in order, keeping only what the answer needs;
 * a timeline reads just its session where the store can find it (`readSession`). Who may see
 * what: session-visibility.ts.
 */
import type { ApprovalEventRecord, AuditRecord, ResultMaskedRecord, SessionStartRecord, StatementEndRecord, StatementRecord } from './records.js';
import type { RecordStore } from './record-store.js';

export interface SessionSummary {
  readonly id: string;
  readonly connection: string;
  readonly subject: string;
  readonly issuer: string;
  readonly email?: string;
  readonly name?: string;
  readonly groups: readonly string[];
  readonly clientAddress: string;
  readonly applicationName?: string;
  readonly startedAt: string;
  endedAt?: string;
  endReason?: string;
  statements: number;
  /** Statements refused (by a rule, or by a reviewer's denial). */
  blocked: number;
  /** Approval requests made in the session. */
  approvals: number;
  /** Statements that ended in an error. */
  errors: number;
  /** Results the client got with masked values. */
  masked: number;
}

/** The start facts of a session, for its timeline. */
export interface SessionInfo extends SessionSummary {
  readonly principalKind: 'human' | 'service';
  readonly databaseRole?: string;
  readonly tls: boolean;
  readonly via: 'postgres' | 'tunnel';
  /** The broker replica that wrote the session's start, when the journal says. */
  readonly broker?: string;
}

export type ApprovalEventView = Omit<ApprovalEventRecord, 'sessionId' | 'hash'>;
export type MaskedView = Omit<ResultMaskedRecord, 'type' | 'sessionId' | 'hash'>;

export interface StatementView extends Omit<StatementRecord, 'type' | 'sessionId' | 'hash'> {
  end?: Omit<StatementEndRecord, 'type' | 'sessionId' | 'statementId' | 'hash'>;
  /** The approval events that led to this statement's decision: dry run, request, close. */
  approval?: ApprovalEventView[];
  /** Masking notices for this statement's result. */
  masked?: MaskedView[];
}

/** Events of the session tied to no statement shown: a request still waiting, one the session ended on. */
export type SessionEventView = ({ readonly kind: 'approval' } & ApprovalEventView) | ({ readonly kind: 'masked' } & MaskedView);

export interface SessionDetail {
  readonly session: SessionInfo;
  /** In statement order. */
  readonly statements: StatementView[];
  /** In journal order. */
  readonly events: SessionEventView[];
  /** Statements of the session before and after the ones in `statements` (see `DetailOptions`). */
  readonly before: number;
  readonly after: number;
}

export type SessionOutcome = 'all' | 'blocked' | 'approvals' | 'errors' | 'masked' | 'active';
export const SESSION_OUTCOMES: readonly SessionOutcome[] = ['all', 'blocked', 'approvals', 'errors', 'masked', 'active'];

export interface SessionFilter {
  /** Exactly this subject (with `issuer`, exactly this person): whose sessions a caller may see. */
  readonly subject?: string;
  readonly issuer?: string;
  /** Subject or email (email without regard to case): the search field. */
  readonly person?: string;
  readonly connection?: string;
  /** ISO-8601: sessions still open at or after this time (ended then or later, or not ended). */
  readonly since?: string;
  /** ISO-8601: sessions started before this time. */
  readonly until?: string;
  readonly outcome?: SessionOutcome;
  /** Ids of the sessions open now, for `outcome: 'active'`. */
  readonly active?: ReadonlySet<string>;
  /** Newest first, at most this many (default 100). */
  readonly limit?: number;
}

export interface SessionSearch {
  /** Newest first. */
  readonly sessions: SessionSummary[];
  /** More sessions matched than `limit`. */
  readonly more: boolean;
}

interface Candidate {
  readonly summary: SessionSummary;
  /** A record of the session at or after `since` was seen: it was open then. */
  openSince: boolean;
}

/** Compatibility wrapper of `searchSessions`: just the list. */
export async function listSessions(store: RecordStore, filter: SessionFilter = {}): Promise<SessionSummary[]> {
  return (await searchSessions(store, filter)).sessions;
}

/**
 * The newest `limit` sessions matching `filter`, in one pass over the journal. Whether a session
 * matches can depend on records after its start (a later refusal, its end time), so candidates
 * are kept until decided; a session that can no longer match is dropped at its end, and once
 * `limit` newer sessions surely match, older candidates are dropped too — memory stays near
 * `limit` plus the sessions still undecided.
 */
export async function searchSessions(store: RecordStore, filter: SessionFilter = {}): Promise<SessionSearch> {
  const limit = filter.limit ?? 100;
  const outcome = filter.outcome ?? 'all';
  const person = filter.person?.trim();
  const personLower = person?.toLowerCase();
  const candidates = new Map<string, Candidate>();
  let dropped = false;
  let trimAt = 2 * limit + 256;

  const outcomeHolds = (s: SessionSummary): boolean => {
    switch (outcome) {
      case 'all':
        return true;
      case 'blocked':
        return s.blocked > 0;
      case 'approvals':
        return s.approvals > 0;
      case 'errors':
        return s.errors > 0;
      case 'masked':
        return s.masked > 0;
      case 'active':
        return s.endedAt === undefined && filter.active?.has(s.id) === true;
    }
  };
  // Counters only grow, so these outcomes, once true, stay true; "active" is known only at the end.
  const surelyMatches = (c: Candidate): boolean => outcome !== 'active' && outcomeHolds(c.summary) && (filter.since === undefined || c.openSince);

  const trim = (): void => {
    let sure = 0;
    for (const c of [...candidates.values()].reverse().sort(newestFirst)) {
      if (sure >= limit) {
        if (surelyMatches(c)) dropped = true;
        candidates.delete(c.summary.id);
      } else if (surelyMatches(c)) sure++;
    }
    trimAt = Math.max(2 * limit + 256, 2 * candidates.size);
  };

  if (store.sessionSummaries) {
    // The store keeps every session's summary up to date as it indexes the journal: no pass
    // over the records, whose cost would grow with the journal and sit on the broker's loop.
    // The summaries are the index's own: what is kept is copied.
    const found: SessionSummary[] = [];
    for (const { summary, lastAt } of await store.sessionSummaries()) {
      if (!startMatches(summary, filter, person, personLower) || !outcomeHolds(summary)) continue;
      // Open at or after `since`: a record then, or not ended.
      if (filter.since !== undefined && lastAt < filter.since && summary.endedAt !== undefined) continue;
      found.push({ ...summary });
    }
    const sessions = found.reverse().sort(byNewestStart);
    return { sessions: sessions.slice(0, limit), more: sessions.length > limit };
  }

  for await (const r of store.readAll()) {
    if (r.type === 'session.start') {
      const summary = summaryOf(r);
      if (!startMatches(summary, filter, person, personLower)) continue;
      candidates.set(r.sessionId, { summary, openSince: filter.since === undefined || r.at >= filter.since });
      if (candidates.size > trimAt) trim();
      continue;
    }
    const c = candidates.get(r.sessionId);
    if (c === undefined) continue;
    if (filter.since !== undefined && r.at >= filter.since) c.openSince = true;
    count(c.summary, r);
    // An ended session that does not match will never match.
    if (r.type === 'session.end' && (outcome === 'active' || !outcomeHolds(c.summary) || !c.openSince)) candidates.delete(r.sessionId);
  }
  const matching = [...candidates.values()].filter((c) => outcomeHolds(c.summary) && (filter.since === undefined || c.openSince || c.summary.endedAt === undefined));
  const sessions = matching.reverse().sort(newestFirst).map((c) => c.summary);
  return { sessions: sessions.slice(0, limit), more: dropped || sessions.length > limit };
}

export interface DetailOptions {
  /** The first statement shown (statement ids start at 1). */
  readonly from?: number;
  /** At most this many statements from `from` (default: all). */
  readonly limit?: number;
}

/**
 * One session as a timeline: its start facts, its statements with their outcome, and the
 * approval and masking events joined to the statement they belong to. Approval events come
 * before their statement's record (the statement is recorded once decided), so a dry run or
 * request waits for the next statement of the same text; a masking notice names its statement.
 */
export async function sessionDetail(store: RecordStore, id: string, options: DetailOptions = {}): Promise<SessionDetail | undefined> {
  const from = options.from ?? 1;
  const to = options.limit === undefined ? Infinity : from + options.limit;
  let session: SessionInfo | undefined;
  let summary: SessionSummary | undefined;
  const statements = new Map<number, StatementView>();
  /** Approval events waiting for their statement, grouped per request. */
  const threads: { text?: string; approvalId?: string; events: ApprovalEventView[] }[] = [];
  const loose: SessionEventView[] = [];
  let before = 0;
  let after = 0;
  // Loose events are shown only if they happened among the statements shown.
  let windowStart = from > 1 ? Infinity : 0;
  let windowEnd = Infinity;

  for await (const r of store.readSession?.(id) ?? store.readAll()) {
    if (r.sessionId !== id) continue;
    if (r.type === 'session.start') {
      session = infoOf(r);
      summary = session;
      continue;
    }
    if (summary === undefined) continue;
    count(summary, r);
    switch (r.type) {
      case 'statement': {
        const attached = takeThread(r.text);
        if (r.statementId < from) before++;
        else if (r.statementId >= to) {
          after++;
          windowEnd = Math.min(windowEnd, r.seq);
        } else {
          windowStart = Math.min(windowStart, r.seq);
          const { type: _t, sessionId: _s, hash: _h, ...rest } = r;
          statements.set(r.statementId, { ...rest, ...(attached ? { approval: attached } : {}) });
        }
        break;
      }
      case 'statement.end': {
        const st = statements.get(r.statementId);
        const { type: _t, sessionId: _s, statementId: _i, hash: _h, ...end } = r;
        if (st) st.end = end;
        break;
      }
      case 'result.masked': {
        const { type: _t, sessionId: _s, hash: _h, ...m } = r;
        const st = m.statementId === undefined ? undefined : statements.get(m.statementId);
        if (st) (st.masked ??= []).push(m);
        else if (m.statementId === undefined || (m.statementId >= from && m.statementId < to)) loose.push({ kind: 'masked', ...m });
        break;
      }
      case 'approval.dry-run':
      case 'approval.requested':
      case 'approval.closed':
        addToThread(r);
        break;
      default:
        break;
    }
  }
  if (session === undefined) return undefined;
  for (const t of threads) for (const e of t.events) loose.push({ kind: 'approval', ...e });
  loose.sort((a, b) => a.seq - b.seq);
  const events = loose.filter((e) => e.seq >= windowStart && e.seq < windowEnd);
  return { session, statements: [...statements.values()].sort((a, b) => a.statementId - b.statementId), events, before, after };

  function addToThread(r: ApprovalEventRecord): void {
    const { sessionId: _s, hash: _h, ...e } = r;
    let t =
      r.type === 'approval.closed' ? threads.find((x) => x.approvalId !== undefined && x.approvalId === r.approvalId)
      : r.type === 'approval.requested' ? threads.find((x) => x.approvalId === undefined && x.text === r.text)
      : undefined;
    if (t === undefined) {
      t = { events: [] };
      threads.push(t);
    }
    if (r.text !== undefined) t.text = r.text;
    if (r.approvalId !== undefined) t.approvalId = r.approvalId;
    t.events.push(e);
  }

  function takeThread(text: string): ApprovalEventView[] | undefined {
    const i = threads.findIndex((t) => t.text === text);
    if (i < 0) return undefined;
    return threads.splice(i, 1)[0]!.events;
  }
}

/**
 * By start time, not journal position: a journal shared by several brokers (or merged from
 * theirs) need not hold their sessions in start order. Sorted after reversing, so that ties (the
 * same millisecond) stay newest first in journal order: the sort is stable.
 */
function newestFirst(a: Candidate, b: Candidate): number {
  return byNewestStart(a.summary, b.summary);
}

function byNewestStart(a: SessionSummary, b: SessionSummary): number {
  return a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0;
}

/** Adds one record of the session to its counters. */
export function count(s: SessionSummary, r: AuditRecord): void {
  switch (r.type) {
    case 'statement':
      s.statements++;
      // A statement recorded as `approve` was held and then approved: it ran, it was not refused.
      if (r.action === 'block') s.blocked++;
      break;
    case 'statement.end':
      if (r.error) s.errors++;
      break;
    case 'approval.requested':
      s.approvals++;
      break;
    case 'result.masked':
      s.masked++;
      break;
    case 'session.end':
      s.endedAt = r.at;
      s.endReason = r.reason;
      break;
    default:
      break;
  }
}

function startMatches(s: SessionSummary, f: SessionFilter, person: string | undefined, personLower: string | undefined): boolean {
  if (f.subject !== undefined && s.subject !== f.subject) return false;
  if (f.issuer !== undefined && s.issuer !== f.issuer) return false;
  if (person && s.subject !== person && s.email?.toLowerCase() !== personLower) return false;
  if (f.connection && s.connection !== f.connection) return false;
  if (f.until && s.startedAt >= f.until) return false;
  return true;
}

/** A session's summary from its start record, counters at zero. */
export function summaryOf(r: SessionStartRecord): SessionSummary {
  return {
    id: r.sessionId,
    connection: r.connection,
    subject: r.subject,
    issuer: r.issuer,
    ...(r.email ? { email: r.email } : {}),
    ...(r.name ? { name: r.name } : {}),
    groups: r.groups,
    clientAddress: r.clientAddress,
    ...(r.applicationName ? { applicationName: r.applicationName } : {}),
    startedAt: r.at,
    statements: 0,
    blocked: 0,
    approvals: 0,
    errors: 0,
    masked: 0,
  };
}

function infoOf(r: SessionStartRecord): SessionInfo {
  // The broker replica that wrote it, when read from a shared store.
  const broker = r.broker;
  return {
    ...summaryOf(r),
    principalKind: r.principalKind,
    ...(r.databaseRole ? { databaseRole: r.databaseRole } : {}),
    tls: r.tls,
    via: r.via,
    ...(broker !== undefined ? { broker } : {}),
  };
}
