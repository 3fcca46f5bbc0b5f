/**
 * Audit export for a SIEM: the journal's records as JSON lines, filtered by person, connection
 * and time range. Statement records carry only their session id, so the filters follow each
 * session from its `session.start` record (which always comes first in the journal). The journal
 * is read, never opened for writing: export is safe next to a running broker.
 */
import { journalRecords } from './journal-lines.js';

export interface ExportFilter {
  /** Subject or email of the person. */
  readonly person?: string;
  readonly connection?: string;
  /** ISO-8601 bounds on the record's `at` (inclusive, exclusive). */
  readonly since?: string;
  readonly until?: string;
}

interface SessionFacts {
  readonly subject?: string;
  readonly email?: string;
  readonly connection?: string;
}

type Rec = Record<string, unknown> & { sessionId?: string; type?: string; at?: string };

/** The matching records of the journal file, in journal order; a torn line (from a crash) is skipped. */
export async function* exportJournal(path: string, f: ExportFilter): AsyncIterable<Rec> {
  yield* filterRecords(journalRecords(path), f);
}

/** The matching records of any record source (a shared store's copy, oldest first). */
export async function* filterRecords(records: AsyncIterable<object>, f: ExportFilter): AsyncIterable<Rec> {
  const sessions = new Map<string, SessionFacts>();
  for await (const rec of records) {
    const r = rec as Rec;
    if (r.type === 'session.start' && typeof r.sessionId === 'string') {
      sessions.set(r.sessionId, { subject: r.subject as string, email: r.email as string | undefined, connection: r.connection as string });
    }
    const s: SessionFacts = (r.sessionId && sessions.get(r.sessionId)) || { subject: r.subject as string | undefined, connection: r.connection as string | undefined };
    if (f.person && s.subject !== f.person && s.email !== f.person) continue;
    if (f.connection && s.connection !== f.connection) continue;
    if (f.since && (r.at ?? '') < f.since) continue;
    if (f.until && (r.at ?? '') >= f.until) continue;
    yield r;
  }
}
