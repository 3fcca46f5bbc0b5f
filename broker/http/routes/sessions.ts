import type { FastifyPluginAsync } from 'fastify';
import { AirlockError } from '../../errors/airlock-error.js';
import { searchSessions, sessionDetail, SESSION_OUTCOMES, type SessionOutcome } from '../../recording/queries.js';
import { isAuditor, maySeeSession } from '../../recording/session-visibility.js';
import type { AppDeps } from '../build-app.js';
import { openSessionIds } from '../open-sessions.js';

interface ListQuery {
  scope?: 'mine' | 'all';
  subject?: string;
  person?: string;
  connection?: string;
  outcome?: SessionOutcome;
  since?: string;
  until?: string;
  limit?: number;
}

/**
 * Sessions from the journal. Members of `recording.auditorGroups` may read every session;
 * everyone else only their own, and someone else's session is "not found". The list shows the
 * caller's own sessions unless an auditor asks for more (`scope=all`, `subject`, `person`):
 * callers such as the editor's Sessions view mean "my sessions" and stay that way for auditors.
 */
export function sessionRoutes(deps: AppDeps): FastifyPluginAsync {
  const auditors = deps.config.recording.auditorGroups;
  return async (app) => {
    app.get<{ Querystring: ListQuery }>(
      '/v1/sessions',
      {
        schema: {
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              scope: { type: 'string', enum: ['mine', 'all'] },
              subject: { type: 'string', minLength: 1, maxLength: 200 },
              person: { type: 'string', minLength: 1, maxLength: 200 },
              connection: { type: 'string', maxLength: 200 },
              outcome: { type: 'string', enum: [...SESSION_OUTCOMES] },
              since: { type: 'string', format: 'date-time' },
              until: { type: 'string', format: 'date-time' },
              limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            },
          },
        },
      },
      async (request) => {
        const p = await app.authenticate(request);
        const q = request.query;
        const auditor = isAuditor(p, auditors);
        const widened = auditor && (q.scope === 'all' || q.subject !== undefined || q.person !== undefined);
        // Not widened: the caller's own sessions; a non-auditor's `subject`/`person` only narrows those.
        const who = widened ? {} : { subject: p.subject, issuer: p.issuer };
        const active = await openSessionIds(deps);
        const { sessions, more } = await searchSessions(deps.store, {
          ...who,
          ...(q.subject !== undefined && widened ? { subject: q.subject } : {}),
          ...(q.person !== undefined ? { person: q.person } : {}),
          ...(q.connection ? { connection: q.connection } : {}),
          ...(q.outcome ? { outcome: q.outcome } : {}),
          ...(q.since ? { since: new Date(q.since).toISOString() } : {}),
          ...(q.until ? { until: new Date(q.until).toISOString() } : {}),
          active,
          limit: q.limit ?? 100,
        });
        const list = sessions.map((s) => ({ ...s, active: active.has(s.id) && s.endedAt === undefined }));
        // A non-auditor asking for another subject gets an empty list, as if that subject had none.
        return { sessions: !widened && q.subject !== undefined && q.subject !== p.subject ? [] : list, more };
      },
    );

    app.get<{ Params: { id: string } }>(
      '/v1/sessions/:id',
      { schema: { params: { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9a-f-]{36}$' } }, required: ['id'] } } },
      async (request) => {
        const p = await app.authenticate(request);
        const detail = await sessionDetail(deps.store, request.params.id);
        // Someone else's session is "not found", not "forbidden": no oracle for session ids.
        if (!detail || !maySeeSession(p, detail.session, auditors)) throw new AirlockError('BRK_ERR_NOT_FOUND', 'no such session');
        return { ...detail, active: (await openSessionIds(deps)).has(detail.session.id) && detail.session.endedAt === undefined };
      },
    );
  };
}
