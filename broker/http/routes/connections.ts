import type { FastifyPluginAsync } from 'fastify';
import type { ConnectionView, MeResponse } from '../api.js';
import type { AppDeps } from '../build-app.js';

export function connectionRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app) => {
    app.get('/v1/me', async (request): Promise<MeResponse> => {
      const p = await app.authenticate(request);
      return {
        subject: p.subject,
        issuer: p.issuer,
        ...(p.email ? { email: p.email } : {}),
        ...(p.name ? { name: p.name } : {}),
        groups: p.groups,
        kind: p.kind,
        expiresAt: new Date(p.expiresAt * 1000).toISOString(),
      };
    });

    app.get('/v1/connections', async (request): Promise<{ connections: ConnectionView[] }> => {
      const p = await app.authenticate(request);
      const { host, port } = deps.config.listen.postgres;
      const connections: ConnectionView[] = [];
      for (const c of deps.config.connections.values()) {
        if (!p.groups.some((g) => c.allowGroups.includes(g))) continue;
        const role = c.roles.find((m) => p.groups.includes(m.group))?.role;
        connections.push({
          name: c.name,
          ...(c.description ? { description: c.description } : {}),
          ...(role ? { databaseRole: role } : {}),
          defaultAction: c.defaultAction,
          url: `postgresql://${encodeURIComponent(p.email ?? p.subject)}@${host}:${port}/${encodeURIComponent(c.name)}`,
        });
      }
      return { connections };
    });
  };
}
