import type { FastifyPluginAsync } from 'fastify';
import { AirlockError } from '../../errors/airlock-error.js';
import { listSessions, sessionDetail } from '../../recording/queries.js';
import type { AppDeps } from '../build-app.js';

interface ListQuery {
  connection?: string;
  since?: string;
  until?: string;
  limit?: number;
}

/** A caller sees their own sessions (auditor views come with the replay pages). */
export function sessionRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: ListQuery }>(
      '/v1/sessions',
      {
        schema: {
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              connection: { type: 'string', maxLength: 200 },
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
        const sessions = await listSessions(deps.store, {
          subject: p.subject,
          ...(q.connection ? { connection: q.connection } : {}),
          ...(q.since ? { since: new Date(q.since).toISOString() } : {}),
          ...(q.until ? { until: new Date(q.until).toISOString() } : {}),
          limit: q.limit ?? 100,
        });
        const active = new Set(deps.sessions.list().map((s) => s.id));
        return { sessions: sessions.map((s) => ({ ...s, active: active.has(s.id) })) };
      },
    );

    app.get<{ Params: { id: string } }>(
      '/v1/sessions/:id',
      { schema: { params: { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9a-f-]{36}$' } }, required: ['id'] } } },
      async (request) => {
        const p = await app.authenticate(request);
        const detail = await sessionDetail(deps.store, request.params.id);
        // Someone else's session is "not found", not "forbidden": no oracle for session ids.
        if (!detail || detail.session.subject !== p.subject) throw new AirlockError('BRK_ERR_NOT_FOUND', 'no such session');
        return detail;
      },
    );
  };
}
