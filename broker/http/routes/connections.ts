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
          // So the editor can recognise a command that tries to reach the database directly.
          upstream: { host: c.upstream.host, port: c.upstream.port },
          url: `postgresql://${encodeURIComponent(p.email ?? p.subject)}@${host}:${port}/${encodeURIComponent(c.name)}`,
        });
      }
      return { connections };
    });

    // The editor reports a terminal command that tried to reach a protected database directly
    // (around the broker): an audit record, and nothing else happens on the broker.
    app.post<{ Body: { connection: string; command: string; terminal?: string } }>(
      '/v1/audit/terminal',
      {
        schema: {
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['connection', 'command'],
            properties: { connection: { type: 'string', maxLength: 63 }, command: { type: 'string', maxLength: 4000 }, terminal: { type: 'string', maxLength: 200 } },
          },
        },
      },
      async (request, reply) => {
        const p = await app.authenticate(request);
        deps.store.append({
          type: 'terminal.direct-access',
          sessionId: '-',
          subject: p.subject,
          connection: request.body.connection,
          // Commands can carry passwords (PGPASSWORD=..., postgres://user:pw@...): those are cut.
          command: request.body.command.replace(/(PGPASSWORD=)\S+/g, '$1[redacted]').replace(/(:\/\/[^:/@\s]+:)[^@\s]+@/g, '$1[redacted]@'),
          ...(request.body.terminal ? { terminal: request.body.terminal } : {}),
        });
        return reply.status(202).send({ recorded: true });
      },
    );
  };
}
