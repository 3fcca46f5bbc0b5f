import type { FastifyPluginAsync } from 'fastify';
import type { InfoResponse } from '../api.js';
import type { AppDeps } from '../build-app.js';
import { signInSettings } from '../pages/oidc-sign-in.js';

export function healthRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', async () => ({ status: 'ok', sessions: deps.sessions.size }));
    app.get('/v1/info', async (): Promise<InfoResponse> => ({
      name: 'airlock',
      version: deps.version,
      issuers: deps.config.identity.issuers.map((i) => ({ name: i.name, issuer: i.issuer })),
      devProvider: deps.devProvider !== undefined,
      postgres: { host: deps.config.listen.postgres.host, port: deps.config.listen.postgres.port },
      ...signInHint(deps),
    }));
  };
}

/**
 * Where the editor extension signs people in: the approval page's issuer (the dev provider in
 * the demo) and the resource indicator that gets an access token for this broker's audience.
 * Its client id is its own (`airlock.clientId`, default `airlock-cli`, a public PKCE client).
 */
function signInHint(deps: AppDeps): Pick<InfoResponse, 'signIn'> {
  const s = signInSettings(deps);
  return s ? { signIn: { issuer: s.issuer, scopes: s.scopes, ...(s.resource ? { resource: s.resource } : {}) } } : {};
}
