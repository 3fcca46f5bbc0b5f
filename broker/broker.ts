/**
 * Composition root of the broker: builds every service from a validated config, starts the
 * PostgreSQL listener, the HTTP API and (if configured) the development identity provider,
 * and returns a handle that stops them in order.
 */
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { createSecureContext } from 'node:tls';
import { AnalysisCache, initAnalyzer } from './analysis/index.js';
import { AccessService } from './approvals/access-service.js';
import { ApprovalService } from './approvals/approval-service.js';
import { openApprovalsDb } from './approvals/approvals-store.js';
import { localState } from './store/local-state.js';
import { openPostgresStore, type PostgresStore } from './store/postgres/pg-store.js';
import type { SharedState } from './store/state-table.js';
import { EventBus } from './approvals/event-bus.js';
import { Notifier, ruleTargetsFromRules } from './approvals/notify/index.js';
import type { AirlockConfig, IssuerConfig } from './config/types.js';
import { startDevProvider, type DevProvider } from './identity/dev-provider.js';
import { createTokenVerifier } from './identity/token-verifier.js';
import type { TokenVerifier } from './identity/types.js';
import { buildApp } from './http/build-app.js';
import { localOpenSessions, type OpenSessionInfo } from './http/open-sessions.js';
import { approvalPageClient, effectivePublicUrl } from './http/pages/page-client.js';
import { createLogger, type Logger } from './log.js';
import { PolicyEngine } from './policy/policy-engine.js';
import { ActiveSessions } from './proxy/active-sessions.js';
import type { BrokerContext } from './proxy/broker-context.js';
import { forwardCancel } from './proxy/cancel-forward.js';
import { CancelRegistry } from './proxy/cancel-registry.js';
import { handleClient } from './proxy/client-connection.js';
import { handleTunnelClient } from './proxy/tunnel-client.js';
import { CatalogLoader } from './masking/catalog-loader.js';
import { MaskingPolicy } from './masking/masking-policy.js';
import { ReleaseBatch } from './proxy/release-batch.js';
import { JournalFileStore } from './recording/journal-file-store.js';
import { MemoryStore } from './recording/memory-store.js';
import type { RecordStore } from './recording/record-store.js';
import { VERSION } from './version.js';

/** How often a broker with a shared store looks for requests held by brokers that are gone. */
const ORPHAN_SWEEP_MS = Number(process.env.AIRLOCK_ORPHAN_SWEEP_MS ?? 30_000);

export interface StartOptions {
  readonly log?: Logger;
  /** Replace the store (tests pass a MemoryStore they can inspect). */
  readonly store?: RecordStore;
}

export interface RunningBroker {
  readonly config: AirlockConfig;
  readonly postgres: { readonly host: string; readonly port: number };
  readonly httpUrl: string;
  readonly devProvider: DevProvider | undefined;
  readonly store: RecordStore;
  readonly verifier: TokenVerifier;
  readonly sessions: ActiveSessions;
  readonly approvals: ApprovalService;
  readonly access: AccessService;
  readonly events: EventBus;
  close(): Promise<void>;
}

export async function startBroker(config: AirlockConfig, opts: StartOptions = {}): Promise<RunningBroker> {
  const log = opts.log ?? createLogger('info');
  await initAnalyzer();
  const cleanups: (() => Promise<void>)[] = [];
  try {
    let devProvider: DevProvider | undefined;
    const issuers: IssuerConfig[] = [...config.identity.issuers];
    const devCfg = config.identity.devProvider;
    if (devCfg?.enabled) {
      devProvider = await startDevProvider(devCfg, { extraClients: [approvalPageClient(config)] });
      cleanups.push(() => devProvider!.close());
      issuers.push(devProvider.issuerConfig());
      log.warn('development identity provider enabled: anyone on this machine can mint tokens; never use it in production', { issuer: devProvider.issuer });
    }
    const verifier = createTokenVerifier(issuers);
    const events = new EventBus((e) => log.error('an event listener failed', { error: String(e) }));
    let shared: PostgresStore | undefined;
    if (config.store.type === 'postgres') {
      shared = await openPostgresStore(config.store, events, log);
      cleanups.push(() => shared!.close());
    }
    const store = opts.store ?? (await openStore(config, log, shared));
    cleanups.push(() => store.close());
    const sessions = new ActiveSessions();
    const state: SharedState = shared?.state ?? localState(await openApprovalsDb(config.approvals.store, config.approvals.file));
    // Only a shared store needs to know whose sessions hold which requests.
    const brokerName = shared ? config.store.brokerName : undefined;
    const approvals = new ApprovalService(state.approvals, events, config.publicUrl, brokerName);
    const access = new AccessService(state.access, events, config.approvals.access, config.connections, config.publicUrl);
    await access.start();
    cleanups.push(async () => access.stop());
    // Grants that begin or end re-apply the rules of the requester's open sessions on that connection.
    events.subscribe((e) => {
      if (e.type !== 'access.decided') return;
      for (const s of sessions.list()) {
        if (s.connection === e.access.connection && s.principal.subject === e.access.requester.subject && s.principal.issuer === e.access.requester.issuer) {
          s.regroup(access.grantedGroups(s.principal, s.connection));
        }
      }
    });
    const abandoned = await approvals.recover();
    if (abandoned > 0) log.warn('approval requests left pending by the previous run were marked abandoned', { count: abandoned });
    if (config.approvals.notify.length > 0) {
      const notifier = new Notifier({
        targets: config.approvals.notify,
        ruleTargets: ruleTargetsFromRules(config.rules),
        // Recorded in the audit journal: a reviewer who was never told is part of the story.
        onFailure: (f) => {
          log.warn('notification failed', { ...f });
          try {
            store.append({ type: 'notify.failed', sessionId: '-', ...f });
          } catch (e) {
            log.error('recording a failed notification failed', { error: (e as Error).message });
          }
        },
      });
      const unsubscribe = events.subscribe((e) => notifier.handle(e));
      cleanups.push(async () => {
        unsubscribe();
        await notifier.close();
      });
    }
    const ctx: BrokerContext = {
      config,
      verifier,
      policy: new PolicyEngine(config.rules, config.approvals),
      analysis: new AnalysisCache(config.analysis.cacheSize),
      store,
      cancels: new CancelRegistry(),
      sessions,
      approvals,
      access,
      events,
      masking: new MaskingPolicy(config.masking),
      catalogs: new CatalogLoader(),
      release: new ReleaseBatch(store),
      tls: config.listen.postgres.tls
        ? createSecureContext({ cert: readFileSync(config.listen.postgres.tls.certFile), key: readFileSync(config.listen.postgres.tls.keyFile) })
        : undefined,
      log,
      ...(shared ? { peers: shared.cancels } : {}),
    };
    shared?.cancels.onRequest((processId, secretKey) => {
      forwardCancel(ctx, processId, secretKey, true).catch((e: unknown) => log.warn('a cancel from another broker failed', { error: String(e) }));
    });

    const pgServer = createServer({ noDelay: true }, (socket) => {
      handleClient(socket, ctx).catch((e: unknown) => log.error('client handler failed', { error: String(e) }));
    });
    await listen(pgServer, config.listen.postgres.host, config.listen.postgres.port);
    cleanups.push(() => closeServer(pgServer));
    const pgPort = (pgServer.address() as AddressInfo).port;

    if (shared) {
      await shared.startHeartbeat(() => localOpenSessions(sessions));
      // Requests held by a broker that died would otherwise wait in every inbox until they expire.
      const sweep = setInterval(() => {
        shared!
          .liveBrokers()
          .then((live) => approvals.abandonOrphans(live))
          .then((n) => n > 0 && log.warn('approval requests of a stopped broker were marked abandoned', { count: n }))
          .catch((e: unknown) => log.warn('looking for requests of stopped brokers failed', { error: (e as Error).message }));
      }, ORPHAN_SWEEP_MS);
      sweep.unref();
      cleanups.push(async () => clearInterval(sweep));
    }
    const openSessions = async (): Promise<readonly OpenSessionInfo[]> => [...localOpenSessions(sessions), ...(shared ? await shared.openElsewhere() : [])];
    const app = await buildApp({
      config, verifier, store, sessions, approvals, access, events, devProvider, version: VERSION, openSessions,
      pageSessions: shared?.pageSessions,
      tunnel: (stream, principal, connection, remote) => {
        handleTunnelClient(stream, ctx, principal, connection, remote).catch((e: unknown) => log.error('tunnel client failed', { error: String(e) }));
      },
    });
    await app.listen({ host: config.listen.http.host, port: config.listen.http.port });
    cleanups.push(() => app.close());
    const httpPort = (app.server.address() as AddressInfo).port;
    const httpUrl = `http://${hostForUrl(config.listen.http.host)}:${httpPort}`;
    // Links in requests carry the real port when the configured publicUrl says port 0 (tests).
    approvals.publicUrl = access.publicUrl = effectivePublicUrl(config.publicUrl, app.server.address());

    return {
      config,
      postgres: { host: config.listen.postgres.host, port: pgPort },
      httpUrl,
      devProvider,
      store,
      verifier,
      sessions,
      approvals,
      access,
      events,
      async close() {
        // Held statements are abandoned first, so none can be approved while sessions close.
        await approvals.stop().catch((e: unknown) => log.error('abandoning pending approvals failed', { error: String(e) }));
        sessions.closeAll('the broker is shutting down');
        await runCleanups(cleanups);
      },
    };
  } catch (e) {
    await runCleanups(cleanups);
    throw e;
  }
}

async function openStore(config: AirlockConfig, log: Logger, shared: PostgresStore | undefined): Promise<RecordStore> {
  const r = config.recording;
  if (r.store === 'memory') return new MemoryStore();
  const journal = { directory: r.directory, fsync: r.fsync, syncIntervalMs: r.syncIntervalMs, onWarning: (m: string) => log.warn(m) };
  return shared ? shared.openRecords(journal) : new JournalFileStore(journal);
}

async function runCleanups(cleanups: (() => Promise<void>)[]): Promise<void> {
  for (const c of cleanups.reverse()) {
    try {
      await c();
    } catch {
      // keep closing the rest
    }
  }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
