/**
 * Approvals over HTTP: list and read the requests one may see, and decide on them.
 * A requester sees their own requests; a reviewer those they hold a reviewer group for.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ApprovalState } from '../../approvals/types.js';
import type { AppDeps } from '../build-app.js';
import { registerReviewRoutes } from './review-routes.js';

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

    registerReviewRoutes(app, '/v1/approvals', 'apr', 'approval request', service);
  };
}
