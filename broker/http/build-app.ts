/**
 * The broker's HTTP side as an unstarted fastify instance: `main` listens, tests `inject()`.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { AccessService } from '../approvals/access-service.js';
import type { ApprovalService } from '../approvals/approval-service.js';
import type { EventBus } from '../approvals/event-bus.js';
import type { PageSessions } from './pages/session-store.js';
import type { AirlockConfig } from '../config/types.js';
import type { DevProvider } from '../identity/dev-provider.js';
import type { TokenVerifier } from '../identity/types.js';
import type { ActiveSessions } from '../proxy/active-sessions.js';
import type { RecordStore } from '../recording/record-store.js';
import { registerAuth } from './auth.js';
import { registerErrorHandler } from './error-handler.js';
import { eventsUpgrade } from './events-socket.js';
import { tunnelUpgrade, type TunnelHandler } from './tunnel-socket.js';
import type { OpenSessionInfo } from './open-sessions.js';
import { attachUpgrades } from './upgrades.js';
import { approvalPages } from './pages/index.js';
import { accessRoutes } from './routes/access.js';
import { approvalRoutes } from './routes/approvals.js';
import { connectionRoutes } from './routes/connections.js';
import { devRoutes } from './routes/dev.js';
import { healthRoutes } from './routes/health.js';
import { sessionRoutes } from './routes/sessions.js';

export interface AppDeps {
  readonly config: AirlockConfig;
  readonly verifier: TokenVerifier;
  readonly store: RecordStore;
  readonly sessions: ActiveSessions;
  readonly approvals: ApprovalService;
  readonly access: AccessService;
  readonly events: EventBus;
  readonly devProvider?: DevProvider | undefined;
  /** Opens PostgreSQL sessions arriving through `/v1/tunnel/<connection>`; without it the tunnel is off. */
  readonly tunnel?: TunnelHandler | undefined;
  /** Sessions open now on every broker replica (shared store); by default those of this broker. */
  readonly openSessions?: (() => Promise<readonly OpenSessionInfo[]>) | undefined;
  readonly version: string;
  /** Where the pages keep sign-ins: the shared store's with replicas, else this broker's memory. */
  readonly pageSessions?: PageSessions | undefined;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, trustProxy: false });
  registerErrorHandler(app);
  app.addHook('onSend', async (_req, reply) => {
    reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
  });
  registerAuth(app, deps.verifier);
  await app.register(healthRoutes(deps));
  await app.register(connectionRoutes(deps));
  await app.register(sessionRoutes(deps));
  await app.register(devRoutes(deps));
  await app.register(approvalRoutes(deps));
  await app.register(accessRoutes(deps));
  await app.register(approvalPages(deps));
  attachUpgrades(app, {
    '/v1/events': eventsUpgrade(deps),
    '/v1/tunnel/': tunnelUpgrade(deps.verifier, deps.tunnel),
  });
  return app;
}
