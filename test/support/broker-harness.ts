/**
 * Starts a real broker (PostgreSQL listener, HTTP API, development identity provider) on
 * port 0 in front of the test PostgreSQL, with a memory store the test can inspect.
 * Use with `await using b = await startTestBroker(...)`.
 */
import { inject } from 'vitest';
import pg from 'pg';
import { parseConfig } from '../../broker/config/load.js';
import { startBroker, type RunningBroker } from '../../broker/broker.js';
import { silentLogger } from '../../broker/log.js';
import { MemoryStore } from '../../broker/recording/memory-store.js';

export interface TestBroker extends AsyncDisposable {
  readonly broker: RunningBroker;
  readonly store: MemoryStore;
  readonly port: number;
  token(user: string, groups: string[]): Promise<string>;
  /** A connected node-postgres client through the broker. */
  client(user: string, groups: string[], extra?: Partial<pg.ClientConfig>): Promise<pg.Client>;
}

export interface TestBrokerOptions {
  /** YAML for `rules:` (indented list items), default: a small realistic rule set. */
  readonly rules?: string;
  readonly defaultAction?: 'allow' | 'block' | 'approve';
  /** Extra YAML under `listen.postgres`. */
  readonly postgresListen?: string;
  readonly upstreamUser?: 'superuser' | 'md5' | 'trust';
  readonly extraConnections?: string;
  /** YAML flow mapping for `upstream.tls`, default `{ mode: disable }`. */
  readonly upstreamTls?: string;
  /** YAML body of the `approvals:` section (indented two spaces); `store: memory` is always set. */
  readonly approvals?: string;
  /** YAML body of the `masking:` section (indented two spaces). */
  readonly masking?: string;
  /** Extra environment variables for secrets the YAML names. */
  readonly env?: Record<string, string>;
  /** Keep approvals in this file instead of memory (restart tests). */
  readonly approvalsFile?: string;
  /** Extra dev users, YAML list items like `      - { name: dave, ... }`. */
  readonly extraUsers?: string;
  /** Extra members of the `recording` flow mapping, e.g. `resultRows: 2`. */
  readonly recording?: string;
}

export const DEFAULT_APPROVALS = `
  reviewers: { groups: [dba] }
  dryRun: { statementTimeoutMs: 3000, lockTimeoutMs: 500 }
`;

export const DEFAULT_RULES = `
  - name: no-ddl-for-agents
    match: { groups: [agents], kinds: [ddl, dcl, truncate] }
    action: block
    reason: agents do not change the schema
    hint: Ask a DBA to make schema changes.
  - name: no-unbounded-writes
    match: { kinds: [update, delete], missingWhere: true }
    action: block
    hint: Add a WHERE clause.
  - name: review-audit-deletes
    match: { kinds: [delete], tablesWritten: [audit_me] }
    action: approve
  - name: no-file-access
    match: { functions: [pg_read_file, pg_ls_dir] }
    action: block
`;

export async function startTestBroker(opts: TestBrokerOptions = {}): Promise<TestBroker> {
  const db = inject('pg');
  const user = opts.upstreamUser ?? 'superuser';
  const upstreamUser = user === 'md5' ? db.md5User : user === 'trust' ? db.trustUser : db.superuser;
  const password = user === 'md5' ? db.md5Password : user === 'trust' ? undefined : db.password;
  const yaml = `
listen:
  postgres:
    host: 127.0.0.1
    port: 0
${opts.postgresListen ?? ''}
  http: { host: 127.0.0.1, port: 0 }
identity:
  issuers: []
  devProvider:
    enabled: true
    port: 0
    users:
      - { name: alice, email: alice@example.com, groups: [developers, agents] }
      - { name: bob, email: bob@example.com, groups: [dba] }
${opts.extraUsers ?? ''}
connections:
  testdb:
    upstream:
      host: ${db.host}
      port: ${db.port}
      database: ${db.database}
      user: ${upstreamUser}
${password ? '      password: { env: TEST_UPSTREAM_PASSWORD }' : ''}
      tls: ${opts.upstreamTls ?? '{ mode: disable }'}
    allowGroups: [developers, agents, dba, readonly]
    roles:
      - { group: readonly, role: airlock_ro }
    defaultAction: ${opts.defaultAction ?? 'allow'}
${opts.extraConnections ?? ''}
rules:
${opts.rules ?? DEFAULT_RULES}
approvals:
${opts.approvalsFile ? `  store: file\n  file: ${JSON.stringify(opts.approvalsFile)}` : '  store: memory'}
${opts.approvals ?? DEFAULT_APPROVALS}
${opts.masking ? `masking:\n${opts.masking}` : ''}
recording: { store: memory${opts.recording ? `, ${opts.recording}` : ''} }
`;
  const config = parseConfig(yaml, { env: { ...opts.env, TEST_UPSTREAM_PASSWORD: password ?? '' }, fileName: 'test config' });
  const store = new MemoryStore();
  const broker = await startBroker(config, { log: silentLogger, store });
  const clients: pg.Client[] = [];
  const token = (u: string, groups: string[]): Promise<string> => broker.devProvider!.mintToken(u, { groups });
  return {
    broker,
    store,
    port: broker.postgres.port,
    token,
    async client(u, groups, extra = {}) {
      const c = new pg.Client({ host: '127.0.0.1', port: broker.postgres.port, user: u, database: 'testdb', password: await token(u, groups), ...extra });
      c.on('error', () => {});
      await c.connect();
      clients.push(c);
      return c;
    },
    async [Symbol.asyncDispose]() {
      await Promise.all(clients.map((c) => c.end().catch(() => {})));
      await broker.close();
    },
  };
}
