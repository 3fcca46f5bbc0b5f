/** Bearer-token authentication for the API: `request.principal` after `app.authenticate`. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AirlockError } from '../errors/airlock-error.js';
import type { Principal, TokenVerifier } from '../identity/types.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
  interface FastifyInstance {
    authenticate(request: FastifyRequest): Promise<Principal>;
  }
}

export function registerAuth(app: FastifyInstance, verifier: TokenVerifier): void {
  app.decorateRequest('principal', undefined);
  app.decorate('authenticate', async (request: FastifyRequest): Promise<Principal> => {
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new AirlockError('BRK_ERR_TOKEN_MISSING');
    const principal = await verifier.verify(match[1]!);
    request.principal = principal;
    return principal;
  });
}
