/**
 * The replay pages: the audit journal, searched and replayed.
 *
 *   GET /audit/sessions                  search by person, connection, time and outcome; sessions open now (live)
 *   GET /audit/sessions/:id              one session as a timeline (live while it is open)
 *   GET /audit/fragments/sessions[/:id]  the live region of either page alone, for the script
 *   GET /audit/stream                    which visible sessions changed (audit-stream.ts)
 *
 * Members of `recording.auditorGroups` see every session; everyone else only their own. Someone
 * else's session is "not found", never "forbidden", as in the API: no oracle for session ids.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../../identity/types.js';
import { searchSessions, sessionDetail, SESSION_OUTCOMES, type SessionFilter, type SessionOutcome } from '../../recording/queries.js';
import { isAuditor, maySeeSession, visibilityFilter } from '../../recording/session-visibility.js';
import { openSessionIds, openSessions } from '../open-sessions.js';
import { AUDIT_SCRIPT } from './audit-client.js';
import { searchBody, searchResults, type OpenSession, type SearchForm } from './audit-search-view.js';
import { registerAuditStream } from './audit-stream.js';
import { AUDIT_STYLES } from './audit-styles.js';
import { timelineBody, timelineFragment, type ApprovalFacts, type TimelineInput } from './audit-timeline-view.js';
import type { SafeHtml } from './html.js';
import { layout } from './layout.js';
import { currentSession, needSignIn, sendMessage, sendPage, type PageContext } from './page-context.js';
import { pendingCount } from './queues.js';
import type { PageSession } from './session-store.js';

/** Sessions listed per search (newest first). */
const RESULTS = 100;
/** Statements per timeline page. */
const PAGE_SIZE = 200;
/** Sessions shown under "Open now". */
const OPEN_SHOWN = 50;
const MAX_FIELD = 200;
/** Session ids are UUIDs today; anything id-like is looked up, anything else is simply not found. */
const SESSION_ID = /^[A-Za-z0-9_.:-]{1,100}$/;
/** What a `datetime-local` field sends (no zone: read as UTC, as the page says). */
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?)?$/;

type Query = Record<string, unknown>;

function field(q: Query, name: string): string {
  const v = q[name];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' ? s.trim().slice(0, MAX_FIELD) : '';
}

/** An ISO time from a form field, or a problem to show; '' is no bound. */
function readTime(text: string, label: string): { iso?: string; problem?: string } {
  if (text === '') return {};
  const t = text.replace(' ', 'T');
  const ms = Date.parse(LOCAL_TIME.test(t) ? (t.length === 10 ? `${t}T00:00Z` : `${t}Z`) : t);
  if (Number.isNaN(ms)) return { problem: `“${label}” is not a time; use YYYY-MM-DD HH:MM (UTC).` };
  return { iso: new Date(ms).toISOString() };
}

interface Search {
  readonly form: SearchForm;
  readonly filter: SessionFilter;
  readonly problems: string[];
  /** The same search as a query string, for the fragment URL. */
  readonly query: string;
}

function readSearch(query: unknown, viewer: Principal, auditors: readonly string[]): Search {
  const q: Query = typeof query === 'object' && query !== null ? (query as Query) : {};
  const auditor = isAuditor(viewer, auditors);
  const problems: string[] = [];
  const outcomeText = field(q, 'outcome');
  const outcome: SessionOutcome = SESSION_OUTCOMES.find((o) => o === outcomeText) ?? 'all';
  const since = readTime(field(q, 'since'), 'From');
  const until = readTime(field(q, 'until'), 'To');
  for (const p of [since.problem, until.problem]) if (p !== undefined) problems.push(p);
  // The person field is an auditor's: everyone else only ever searches their own sessions.
  const person = auditor ? field(q, 'person') : '';
  const connection = field(q, 'connection');
  const form: SearchForm = {
    person,
    connection,
    // A datetime-local field shows only YYYY-MM-DDTHH:MM.
    since: since.iso?.slice(0, 16) ?? '',
    until: until.iso?.slice(0, 16) ?? '',
    outcome,
  };
  const filter: SessionFilter = {
    ...visibilityFilter(viewer, auditors),
    ...(person ? { person } : {}),
    ...(connection ? { connection } : {}),
    ...(since.iso ? { since: since.iso } : {}),
    ...(until.iso ? { until: until.iso } : {}),
    outcome,
    limit: RESULTS,
  };
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) if (v !== '' && !(k === 'outcome' && v === 'all')) params.set(k, v);
  return { form, filter, problems, query: params.toString() };
}

export function registerAuditRoutes(app: FastifyInstance, ctx: PageContext): void {
  const auditors = ctx.deps.config.recording.auditorGroups;
  registerAuditStream(app, ctx);

  const activeIds = (): Promise<ReadonlySet<string>> => openSessionIds(ctx.deps);

  const openNow = async (viewer: Principal): Promise<OpenSession[]> =>
    [...(await openSessions(ctx.deps))]
      .filter((s) => maySeeSession(viewer, s, auditors))
      .sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0))
      .slice(0, OPEN_SHOWN)
      .map((s) => ({ id: s.id, connection: s.connection, who: s.name ?? s.email ?? s.subject, email: s.email, startedAt: s.startedAt, broker: s.broker }));

  const results = async (search: Search, viewer: Principal): Promise<SafeHtml> => {
    const active = await activeIds();
    const found = await searchSessions(ctx.deps.store, { ...search.filter, active });
    return searchResults({ ...found, limit: RESULTS, active, open: await openNow(viewer) });
  };

  const page = async (reply: FastifyReply, session: PageSession, title: string, body: SafeHtml): Promise<FastifyReply> => {
    const flash = await ctx.sessions.takeFlash(session);
    return sendPage(reply, 200, (nonce) =>
      layout({ title, nonce, session, tab: 'audit', view: 'audit', pendingCount: pendingCount(ctx, session.principal), flash, body, style: AUDIT_STYLES, script: AUDIT_SCRIPT }),
    );
  };

  /** The fragments answer the script, not a person: plain text when signed out. */
  const fragment = (reply: FastifyReply, status: number, body: SafeHtml | string): FastifyReply =>
    reply.status(status).type(status === 200 ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8').send(typeof body === 'string' ? body : body.value);

  app.get('/audit/sessions', async (request, reply) => {
    const session = await currentSession(ctx, request);
    if (session === undefined) return needSignIn(ctx, reply, returnPath(request));
    const search = readSearch(request.query, session.principal, auditors);
    const body = searchBody(
      search.form,
      isAuditor(session.principal, auditors),
      [...ctx.deps.config.connections.keys()],
      search.problems,
      await results(search, session.principal),
      `/audit/fragments/sessions${search.query ? `?${search.query}` : ''}`,
    );
    return page(reply, session, 'Sessions', body);
  });

  app.get('/audit/fragments/sessions', async (request, reply) => {
    const session = await currentSession(ctx, request);
    if (session === undefined) return fragment(reply, 401, 'sign in first\n');
    return fragment(reply, 200, await results(readSearch(request.query, session.principal, auditors), session.principal));
  });

  /** The timeline input, or undefined when there is no such session the viewer may see. */
  const timeline = async (id: string, query: unknown, viewer: Principal): Promise<TimelineInput | undefined> => {
    if (!SESSION_ID.test(id)) return undefined;
    const q: Query = typeof query === 'object' && query !== null ? (query as Query) : {};
    const from = Math.max(1, Math.min(Number.parseInt(field(q, 'from'), 10) || 1, Number.MAX_SAFE_INTEGER));
    const detail = await sessionDetail(ctx.deps.store, id, { from, limit: PAGE_SIZE });
    if (detail === undefined || !maySeeSession(viewer, detail.session, auditors)) return undefined;
    const service = ctx.deps.approvals;
    const approval = (approvalId: string): ApprovalFacts | undefined => {
      const a = service.get(approvalId);
      // Only a request of this very session: a record cannot pull in another session's request.
      if (a === undefined || a.sessionId !== id) return undefined;
      return {
        decisions: a.decisions.map((d) => ({ who: d.reviewer.name ?? d.reviewer.email ?? d.reviewer.subject, email: d.reviewer.email, verdict: d.verdict, comment: d.comment, at: d.at })),
        linkable: service.visibleTo(viewer, a),
      };
    };
    return { detail, active: (await activeIds()).has(id), approval, from, pageSize: PAGE_SIZE };
  };

  app.get<{ Params: { id: string } }>('/audit/sessions/:id', async (request, reply) => {
    const id = request.params.id;
    const session = await currentSession(ctx, request);
    if (session === undefined) return needSignIn(ctx, reply, SESSION_ID.test(id) ? returnPath(request) : '/audit/sessions');
    const input = await timeline(id, request.query, session.principal);
    if (input === undefined) {
      return sendMessage(reply, 404, 'Not found', 'There is no session with this id that you can see.', { href: '/audit/sessions', label: 'Back to sessions' }, session);
    }
    const s = input.detail.session;
    const fragmentUrl = `/audit/fragments/sessions/${encodeURIComponent(id)}${input.from > 1 ? `?from=${input.from}` : ''}`;
    return page(reply, session, `Session on ${s.connection}`, timelineBody(input, fragmentUrl));
  });

  app.get<{ Params: { id: string } }>('/audit/fragments/sessions/:id', async (request, reply) => {
    const session = await currentSession(ctx, request);
    if (session === undefined) return fragment(reply, 401, 'sign in first\n');
    const input = await timeline(request.params.id, request.query, session.principal);
    if (input === undefined) return fragment(reply, 404, 'no such session\n');
    return fragment(reply, 200, timelineFragment(input));
  });
}

/** Where to come back to after sign-in: this page with its search (safeReturnTo checks it again). */
function returnPath(request: FastifyRequest): string {
  return request.url.length <= 1000 ? request.url : '/audit/sessions';
}
