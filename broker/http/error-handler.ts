/** Only deliberate errors cross the API boundary; anything else is logged and answered 500. */
import type { FastifyError, FastifyInstance } from 'fastify';
import { isAirlockError } from '../errors/airlock-error.js';
import type { ApiError } from './api.js';

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    if (isAirlockError(error)) {
      const body: ApiError = { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
      if (error.statusCode === 401) reply.header('www-authenticate', 'Bearer');
      return reply.status(error.statusCode).send(body);
    }
    const fe = error as FastifyError;
    if (fe.validation || (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500)) {
      const body: ApiError = { code: 'BRK_ERR_BAD_REQUEST', message: fe.message };
      return reply.status(fe.statusCode ?? 400).send(body);
    }
    request.log.error(error);
    const body: ApiError = { code: 'BRK_ERR_INTERNAL', message: 'internal error' };
    return reply.status(500).send(body);
  });
  app.setNotFoundHandler((_req, reply) => {
    const body: ApiError = { code: 'BRK_ERR_NOT_FOUND', message: 'not found' };
    return reply.status(404).send(body);
  });
}
