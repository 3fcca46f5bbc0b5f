/**
 * Time-boxed access requests over HTTP: ask, list, decide, revoke. Same visibility and
 * review rules as statement approvals (see approvals/review-rules.ts).
 */
import type { FastifyPluginAsync } from 'fastify';
import { AirlockError } from '../../errors/airlock-error.js';
import type { AppDeps } from '../build-app.js';

const ID = { type: 'object', properties: { id: { type: 'string', pattern: '^acc_[A-Za-z0-9_-]{16}$' } }, required: ['id'] } as const;

export function accessRoutes(deps: AppDeps): FastifyPluginAsync {
  const access = deps.access;
  return async (app) => {
    app.post<{ Body: { connection: string; groups: string[]; durationSeconds: number; reason: string } }>(
      '/v1/access-requests',
      {
        schema: {
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['connection', 'groups', 'durationSeconds', 'reason'],
            properties: {
              connection: { type: 'string', minLength: 1, maxLength: 63 },
              groups: { type: 'array', minItems: 1, maxItems: 20, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 200 } },
              durationSeconds: { type: 'integer', minimum: 60 },
              reason: { type: 'string', minLength: 3, maxLength: 2000 },
            },
          },
        },
      },
      async (request, reply) => {
        const p = await app.authenticate(request);
        const created = await access.request(p, request.body);
        return reply.status(201).send(created);
      },
    );

    app.get('/v1/access-requests', async (request) => {
      const p = await app.authenticate(request);
      return { accessRequests: access.list(1000).filter((a) => access.visibleTo(p, a)).map((a) => ({ ...a, canDecide: access.canDecide(p, a) })) };
    });

    app.get<{ Params: { id: string } }>('/v1/access-requests/:id', { schema: { params: ID } }, async (request) => {
      const p = await app.authenticate(request);
      const a = access.get(request.params.id);
      if (!a || !access.visibleTo(p, a)) throw new AirlockError('BRK_ERR_NOT_FOUND', 'no such access request');
      return { ...a, canDecide: access.canDecide(p, a) };
    });

    app.post<{ Params: { id: string }; Body: { verdict: 'approve' | 'deny'; comment?: string } }>(
      '/v1/access-requests/:id/decision',
      {
        schema: {
          params: ID,
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['verdict'],
            properties: { verdict: { type: 'string', enum: ['approve', 'deny'] }, comment: { type: 'string', maxLength: 2000 } },
          },
        },
      },
      async (request) => {
        const p = await app.authenticate(request);
        return access.decide(request.params.id, p, request.body.verdict, request.body.comment ?? '');
      },
    );

    app.post<{ Params: { id: string } }>('/v1/access-requests/:id/revoke', { schema: { params: ID } }, async (request) => {
      const p = await app.authenticate(request);
      return access.revoke(request.params.id, p);
    });
  };
}
