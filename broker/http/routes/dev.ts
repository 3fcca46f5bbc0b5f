import type { FastifyPluginAsync } from 'fastify';
import { AirlockError } from '../../errors/airlock-error.js';
import { isLoopback } from '../../proxy/client-connection.js';
import type { DevTokenRequest, DevTokenResponse } from '../api.js';
import type { AppDeps } from '../build-app.js';

/**
 * `airlock token --dev` asks the running broker's development identity provider for a token.
 * Only when that provider is enabled, and only from the broker's own machine.
 */
export function devRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: DevTokenRequest }>(
      '/v1/dev/token',
      {
        schema: {
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['user'],
            properties: {
              user: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_.@-]+$' },
              groups: { type: 'array', maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_.:-]+$' } },
              ttlSeconds: { type: 'integer', minimum: 60, maximum: 86400 },
            },
          },
        },
      },
      async (request): Promise<DevTokenResponse> => {
        const dev = deps.devProvider;
        if (!dev) throw new AirlockError('BRK_ERR_DEV_PROVIDER_OFF');
        if (!isLoopback(request.socket.remoteAddress)) throw new AirlockError('BRK_ERR_FORBIDDEN', 'development tokens are minted for local callers only');
        const { user, groups, ttlSeconds } = request.body;
        const ttl = ttlSeconds ?? deps.config.identity.devProvider?.tokenTtlSeconds ?? 3600;
        const token = await dev.mintToken(user, { ...(groups ? { groups: [...groups] } : {}), ttlSeconds: ttl });
        return { token, expiresIn: ttl };
      },
    );
  };
}
