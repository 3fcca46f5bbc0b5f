import type { FastifyPluginAsync } from 'fastify';
import type { InfoResponse } from '../api.js';
import type { AppDeps } from '../build-app.js';

export function healthRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', async () => ({ status: 'ok', sessions: deps.sessions.size }));
    app.get('/v1/info', async (): Promise<InfoResponse> => ({
      name: 'airlock',
      version: deps.version,
      issuers: deps.config.identity.issuers.map((i) => ({ name: i.name, issuer: i.issuer })),
      devProvider: deps.devProvider !== undefined,
      postgres: { host: deps.config.listen.postgres.host, port: deps.config.listen.postgres.port },
    }));
  };
}
