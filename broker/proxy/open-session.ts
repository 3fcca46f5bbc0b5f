/**
 * Opens the database session for an authenticated client and hands both sockets to the relay.
 * The start-up answer carries the database's ParameterStatus values but the broker's own
 * BackendKeyData, so cancel keys of the upstream never reach the client.
 */
import type { Duplex } from 'node:stream';
import type { ConnectionConfig } from '../config/types.js';
import type { Principal } from '../identity/types.js';
import { principalLabel } from '../identity/types.js';
import { personRef } from '../approvals/review-rules.js';
import * as bm from '../protocol/postgres/backend-messages.js';
import type { SessionRecorder } from '../recording/session-recorder.js';
import type { BrokerContext } from './broker-context.js';
import { connectUpstream } from './upstream/connect-upstream.js';
import { ProxySession } from './proxy-session.js';
import { StatementGate } from './statement-gate.js';
import { SessionMasking } from '../masking/session-masking.js';
import { contentScanner } from '../masking/detectors/index.js';
import { withGroups } from './session-groups.js';
import type { ClientStartup } from './startup-params.js';

export interface OpenSessionArgs {
  readonly ctx: BrokerContext;
  readonly client: Duplex;
  readonly principal: Principal;
  readonly connection: ConnectionConfig;
  readonly startup: ClientStartup;
  readonly recorder: SessionRecorder;
  readonly sessionId: string;
  readonly remote: string;
  readonly tls: boolean;
  readonly via?: 'postgres' | 'tunnel';
  /** The principal as its token says, before access grants added groups. */
  readonly tokenPrincipal?: Principal;
}

export async function openSession(a: OpenSessionArgs): Promise<ProxySession> {
  const { ctx, connection, principal } = a;
  const role = connection.roles.find((m) => principal.groups.includes(m.group))?.role;
  const params: Record<string, string> = {
    ...a.startup.forward,
    application_name: `airlock:${principalLabel(principal)}${a.startup.applicationName ? `:${a.startup.applicationName}` : ''}`.slice(0, 63),
  };
  // A startup-packet `role` becomes the session default, so even RESET ROLE / RESET ALL /
  // DISCARD ALL come back to it; SET ROLE is refused by the built-in role-lock rule.
  if (role) params.role = role;
  const upstream = await connectUpstream(connection.upstream, params);

  a.recorder.start({
    connection: connection.name,
    subject: principal.subject,
    issuer: principal.issuer,
    ...(principal.email ? { email: principal.email } : {}),
    ...(principal.name ? { name: principal.name } : {}),
    groups: principal.groups,
    principalKind: principal.kind,
    clientAddress: a.remote,
    ...(a.startup.applicationName ? { applicationName: a.startup.applicationName } : {}),
    ...(role ? { databaseRole: role } : {}),
    tls: a.tls,
    via: a.via ?? 'postgres',
  });

  const keys = ctx.cancels.register({
    host: connection.upstream.host,
    port: connection.upstream.port,
    processId: upstream.processId,
    secretKey: upstream.secretKey,
    tls: connection.upstream.tls.mode !== 'disable',
  });
  const masking = await sessionMasking(ctx, connection, principal.groups);
  const policy = ctx.policy.forSession({ connection: connection.name, principal }, connection, role !== undefined);
  const gate = new StatementGate(ctx.analysis, policy);
  gate.standardConformingStrings = upstream.parameters.get('standard_conforming_strings') !== 'off';
  const startedAt = new Date().toISOString();
  const requester = personRef(principal);
  const session = new ProxySession({
    client: a.client,
    upstream: upstream.socket,
    gate,
    recorder: a.recorder,
    release: ctx.release,
    maxMessageBytes: ctx.config.listen.postgres.maxMessageBytes,
    clientEncoding: upstream.parameters.get('client_encoding') ?? 'UTF8',
    log: ctx.log,
    approvals: {
      service: ctx.approvals,
      config: ctx.config.approvals,
      principal,
      connection: connection.name,
      sessionId: a.sessionId,
      client: { address: a.remote, ...(a.startup.applicationName ? { applicationName: a.startup.applicationName } : {}) },
    },
    masking,
    onMasked: (r) => {
      ctx.events.publish({ type: 'result.masked', at: new Date().toISOString(), masked: { sessionId: a.sessionId, connection: connection.name, requester, ...r } });
    },
    onRefused: (sql, decision) => {
      ctx.events.publish({
        type: 'statement.blocked',
        at: new Date().toISOString(),
        statement: { sessionId: a.sessionId, connection: connection.name, requester, sql, rule: decision.rule, explanation: decision.explanation },
      });
    },
    onClose: (reason) => {
      ctx.events.publish({ type: 'session.ended', at: new Date().toISOString(), session: { sessionId: a.sessionId, connection: connection.name, requester, reason } });
      ctx.cancels.unregister(keys.processId);
      ctx.sessions.remove(a.sessionId);
      try {
        a.recorder.end(reason);
      } catch (e) {
        ctx.log.error('recording the session end failed', { error: (e as Error).message });
      }
    },
  });
  ctx.cancels.onCancel(keys.processId, () => session.cancelHeld());
  ctx.sessions.add({
    id: a.sessionId,
    connection: connection.name,
    principal,
    startedAt,
    close: (r) => session.terminate(r),
    regroup: (granted) => {
      const p = withGroups(a.tokenPrincipal ?? principal, granted);
      session.setPolicy(ctx.policy.forSession({ connection: connection.name, principal: p }, connection, role !== undefined));
    },
  });

  const answer: Buffer[] = [bm.authenticationOk()];
  for (const [name, value] of upstream.parameters) answer.push(bm.parameterStatus(name, value));
  answer.push(bm.backendKeyData(keys.processId, keys.secretKey), bm.readyForQuery(upstream.status));
  a.client.write(Buffer.concat(answer));
  session.start();
  a.client.resume();
  ctx.events.publish({ type: 'session.started', at: startedAt, session: { sessionId: a.sessionId, connection: connection.name, requester } });
  ctx.log.info('session opened', { session: a.sessionId, connection: connection.name, who: principalLabel(principal), role });
  return session;
}

/**
 * Masking for this caller on this connection, with a catalog snapshot loaded before the first
 * statement (undefined: no masking rule applies). A statement naming a relation the snapshot
 * does not know is refused and the snapshot reloaded, so a retry after a moment works.
 */
async function sessionMasking(ctx: BrokerContext, connection: ConnectionConfig, groups: readonly string[]): Promise<SessionMasking | undefined> {
  const rules = ctx.masking.forSession(connection.name, groups);
  if (!rules) return undefined;
  let snapshot = await ctx.catalogs.get(connection.name, connection.upstream);
  const scanner = rules.detectors.length ? contentScanner(rules.detectors) : undefined;
  return new SessionMasking(
    rules,
    () => (snapshot = ctx.catalogs.current(connection.name) ?? snapshot),
    scanner ? (text) => scanner.mask(text) : undefined,
    () => void ctx.catalogs.get(connection.name, connection.upstream, true).catch(() => undefined),
  );
}
