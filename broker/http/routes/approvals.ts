/**
 * Approvals over HTTP: list and read the requests one may see, and decide on them.
 * A requester sees their own requests; a reviewer those they hold a reviewer group for.
 * Someone else's request is "not found", never "forbidden": no oracle for request ids.
 */
import type { FastifyPluginAsync } from 'fastify';
import { AirlockError } from '../../errors/airlock-error.js';
import type { ApprovalState } from '../../approvals/types.js';
import type { AppDeps } from '../build-app.js';

const ID = { type: 'object', properties: { id: { type: 'string', pattern: '^apr_[A-Za-z0-9_-]{16}$' } }, required: ['id'] } as const;
const STATES = ['pending', 'approved', 'denied', 'expired', 'cancelled', 'abandoned'];

export function approvalRoutes(deps: AppDeps): FastifyPluginAsync {
  const service = deps.approvals;
  return async (app) => {
    app.get<{ Querystring: { state?: ApprovalState; limit?: number } }>(
      '/v1/approvals',
      {
        schema: {
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: { state: { type: 'string', enum: STATES }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
          },
        },
      },
      async (request) => {
        const p = await app.authenticate(request);
        const limit = request.query.limit ?? 100;
        const all = service.list({ ...(request.query.state ? { state: request.query.state } : {}), limit: 5000 });
        const visible = all.filter((a) => service.visibleTo(p, a)).slice(0, limit);
        return { approvals: visible.map((a) => ({ ...a, canDecide: service.canDecide(p, a) })) };
      },
    );

    app.get<{ Params: { id: string } }>('/v1/approvals/:id', { schema: { params: ID } }, async (request) => {
      const p = await app.authenticate(request);
      const a = service.get(request.params.id);
      if (!a || !service.visibleTo(p, a)) throw new AirlockError('BRK_ERR_NOT_FOUND', 'no such approval request');
      return { ...a, canDecide: service.canDecide(p, a) };
    });

    app.post<{ Params: { id: string }; Body: { verdict: 'approve' | 'deny'; comment?: string } }>(
      '/v1/approvals/:id/decision',
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
        return service.decide(request.params.id, p, request.body.verdict, request.body.comment ?? '');
      },
    );
  };
}
