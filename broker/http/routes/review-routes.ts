/**
 * The two routes every reviewable request has — read one, decide on it — shared by statement
 * approvals and access requests, which follow the same review rules. Someone else's request is
 * "not found", never "forbidden": no oracle for request ids.
 */
import type { FastifyInstance } from 'fastify';
import { AirlockError } from '../../errors/airlock-error.js';
import type { Principal } from '../../identity/types.js';

export interface Reviewable<T> {
  get(id: string): T | undefined;
  visibleTo(p: Principal, item: T): boolean;
  canDecide(p: Principal, item: T): boolean;
  decide(id: string, reviewer: Principal, verdict: 'approve' | 'deny', comment: string): Promise<T>;
}

export const DECISION_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['verdict'],
  properties: { verdict: { type: 'string', enum: ['approve', 'deny'] }, comment: { type: 'string', maxLength: 2000 } },
} as const;

export function idParams(prefix: string): Record<string, unknown> {
  return { type: 'object', properties: { id: { type: 'string', pattern: `^${prefix}_[A-Za-z0-9_-]{16}$` } }, required: ['id'] };
}

/** `GET <base>/:id` and `POST <base>/:id/decision`. */
export function registerReviewRoutes<T extends object>(app: FastifyInstance, base: string, prefix: string, what: string, service: Reviewable<T>): void {
  const params = idParams(prefix);
  app.get<{ Params: { id: string } }>(`${base}/:id`, { schema: { params } }, async (request) => {
    const p = await app.authenticate(request);
    const item = service.get(request.params.id);
    if (!item || !service.visibleTo(p, item)) throw new AirlockError('BRK_ERR_NOT_FOUND', `no such ${what}`);
    return { ...item, canDecide: service.canDecide(p, item) };
  });
  app.post<{ Params: { id: string }; Body: { verdict: 'approve' | 'deny'; comment?: string } }>(
    `${base}/:id/decision`,
    { schema: { params, body: DECISION_BODY } },
    async (request) => {
      const p = await app.authenticate(request);
      return service.decide(request.params.id, p, request.body.verdict, request.body.comment ?? '');
    },
  );
}
