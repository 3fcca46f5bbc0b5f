/** Read side of the journal for the HTTP API: session lists and one session's statements. */
import type { AuditRecord, SessionStartRecord, StatementEndRecord, StatementRecord } from './records.js';
import type { RecordStore } from './record-store.js';

export interface SessionSummary {
  readonly id: string;
  readonly connection: string;
  readonly subject: string;
  readonly email?: string;
  readonly groups: readonly string[];
  readonly clientAddress: string;
  readonly applicationName?: string;
  readonly startedAt: string;
  endedAt?: string;
  endReason?: string;
  statements: number;
  blocked: number;
}

export interface StatementView extends Omit<StatementRecord, 'type' | 'sessionId'> {
  end?: Omit<StatementEndRecord, 'type' | 'sessionId' | 'statementId'>;
}

export interface SessionFilter {
  readonly subject?: string;
  readonly connection?: string;
  readonly since?: string;
  readonly until?: string;
  readonly limit?: number;
}

export async function listSessions(store: RecordStore, filter: SessionFilter = {}): Promise<SessionSummary[]> {
  const sessions = new Map<string, SessionSummary>();
  for await (const r of store.readAll()) {
    if (r.type === 'session.start') {
      if (!matches(r, filter)) continue;
      sessions.set(r.sessionId, summaryOf(r));
      continue;
    }
    const s = sessions.get(r.sessionId);
    if (!s) continue;
    if (r.type === 'statement') {
      s.statements++;
      if (r.action !== 'allow') s.blocked++;
    } else if (r.type === 'session.end') {
      s.endedAt = r.at;
      s.endReason = r.reason;
    }
  }
  const list = [...sessions.values()].reverse();
  return list.slice(0, filter.limit ?? 100);
}

export async function sessionDetail(
  store: RecordStore,
  id: string,
): Promise<{ session: SessionSummary; statements: StatementView[] } | undefined> {
  let session: SessionSummary | undefined;
  const statements = new Map<number, StatementView>();
  for await (const r of store.readAll()) {
    if (r.sessionId !== id) continue;
    apply(r);
  }
  return session ? { session, statements: [...statements.values()] } : undefined;

  function apply(r: AuditRecord): void {
    if (r.type === 'session.start') session = summaryOf(r);
    else if (!session) return;
    else if (r.type === 'statement') {
      const { type: _t, sessionId: _s, ...rest } = r;
      statements.set(r.statementId, rest);
      session.statements++;
      if (r.action !== 'allow') session.blocked++;
    } else if (r.type === 'statement.end') {
      const st = statements.get(r.statementId);
      const { type: _t, sessionId: _s, statementId: _i, ...end } = r;
      if (st) st.end = end;
    } else if (r.type === 'session.end') {
      session.endedAt = r.at;
      session.endReason = r.reason;
    }
  }
}

function matches(r: SessionStartRecord, f: SessionFilter): boolean {
  if (f.subject && r.subject !== f.subject) return false;
  if (f.connection && r.connection !== f.connection) return false;
  if (f.since && r.at < f.since) return false;
  if (f.until && r.at > f.until) return false;
  return true;
}

function summaryOf(r: SessionStartRecord): SessionSummary {
  return {
    id: r.sessionId,
    connection: r.connection,
    subject: r.subject,
    ...(r.email ? { email: r.email } : {}),
    groups: r.groups,
    clientAddress: r.clientAddress,
    ...(r.applicationName ? { applicationName: r.applicationName } : {}),
    startedAt: r.at,
    statements: 0,
    blocked: 0,
  };
}
