/**
 * Time-boxed access requests over HTTP: ask, list, decide, revoke. Same visibility and
 * review rules as statement approvals (see approvals/review-rules.ts).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../build-app.js';
import { idParams, registerReviewRoutes } from './review-routes.js';

const ID = idParams('acc');

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

    registerReviewRoutes(app, '/v1/access-requests', 'acc', 'access request', access);

    app.post<{ Params: { id: string } }>('/v1/access-requests/:id/revoke', { schema: { params: ID } }, async (request) => {
      const p = await app.authenticate(request);
      return access.revoke(request.params.id, p);
    });
  };
}
