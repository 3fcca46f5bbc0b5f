/**
 * `npm start`: the whole product on one machine. A persistent embedded PostgreSQL in
 * .airlock/demo, seeded once; the broker with the development identity provider; a banner with
 * the URLs and a ready-to-paste psql command.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { parseConfig } from '../config/load.js';
import { startBroker, type RunningBroker } from '../broker.js';
import type { Logger } from '../log.js';
import { DEMO_CI_SECRET_ENV, DEMO_MASKING_SALT_ENV, DEMO_PASSWORD_ENV, demoConfigYaml } from './demo-config.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { DEMO_DATABASE, ROLES_SQL, SEED_SQL } from './seed.js';

export interface DemoPorts {
  readonly postgres: number;
  readonly http: number;
  readonly idp: number;
}

export const DEFAULT_DEMO_PORTS: DemoPorts = { postgres: 6432, http: 8484, idp: 8485 };

export async function startDemo(log: Logger, ports: DemoPorts = DEFAULT_DEMO_PORTS, home = resolve('.airlock', 'demo')): Promise<{ broker: RunningBroker; stop(): Promise<void> }> {
  // 0711: the embedded server runs as the `postgres` user when we are root and must traverse it.
  mkdirSync(home, { recursive: true, mode: 0o711 });
  chmodSync(home, 0o711);
  const password = readOrCreateSecret(join(home, 'db-password'));
  const ciSecret = readOrCreateSecret(join(home, 'ci-secret'));
  const maskingSalt = readOrCreateSecret(join(home, 'masking-salt'));
  progress('starting the embedded PostgreSQL');
  const db = await startEmbeddedPostgres({ baseDir: join(home, 'postgres'), password, persistent: true });
  try {
    await seedOnce(db.host, db.port, password);
    await seedShop(db.host, db.port, password, ROLES_SQL);
    const yaml = demoConfigYaml({
      pgPort: db.port,
      recordingsDir: join(home, 'recordings'),
      listenPostgresPort: ports.postgres,
      listenHttpPort: ports.http,
      devProviderPort: ports.idp,
    });
    const config = parseConfig(yaml, { env: { [DEMO_PASSWORD_ENV]: password, [DEMO_CI_SECRET_ENV]: ciSecret, [DEMO_MASKING_SALT_ENV]: maskingSalt }, baseDir: home, fileName: 'demo config' });
    progress('starting the broker');
    const broker = await startBroker(config, { log });
    const token = await broker.devProvider!.mintToken('alice');
    process.stdout.write(banner(broker, token));
    return { broker, stop: () => db.stop() };
  } catch (e) {
    await db.stop();
    throw e;
  }
}

function progress(step: string): void {
  process.stderr.write(`airlock demo: ${step}…\n`);
}

function readOrCreateSecret(path: string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const secret = randomBytes(24).toString('base64url');
  writeFileSync(path, secret, { mode: 0o600 });
  return secret;
}

async function seedOnce(host: string, port: number, password: string): Promise<void> {
  const admin = new pg.Client({ host, port, user: 'postgres', password, database: 'postgres' });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DEMO_DATABASE]);
    if (exists.rowCount) return;
    progress('seeding the demo shop database');
    await admin.query(`CREATE DATABASE ${DEMO_DATABASE}`);
  } finally {
    await admin.end();
  }
  await seedShop(host, port, password, SEED_SQL);
}

async function seedShop(host: string, port: number, password: string, sql: string): Promise<void> {
  const shop = new pg.Client({ host, port, user: 'postgres', password, database: DEMO_DATABASE });
  await shop.connect();
  try {
    await shop.query(sql);
  } finally {
    await shop.end();
  }
}

function banner(b: RunningBroker, aliceToken: string): string {
  const { host, port } = b.postgres;
  return `
Airlock demo is running.

  PostgreSQL through Airlock  ${host}:${port}   (database name = connection name: shop)
  HTTP API                    ${b.httpUrl}   (GET /v1/connections, /v1/sessions with a bearer token)
  Identity provider (dev)     ${b.devProvider?.issuer ?? '-'}
  Audit journal               ${b.config.recording.directory}

  Approval page (reviewers)   ${b.httpUrl}/approvals   (sign in as bob)

  Demo users: alice (developers, agents) · dave (developers) · bob (dba, reviewers) · carol (auditors)
  CI service account: ci-bot (client credentials, secret in .airlock/demo/ci-secret)

Connect as alice (an agent: read-only role, no DDL, no unbounded writes, personal data masked) — token valid 1 hour:

  PGPASSWORD='${aliceToken}' psql "host=${host} port=${port} dbname=shop user=alice sslmode=disable"

Writes that change more than 100 rows, or reach payments, wait for a reviewer. Try as dave:

  export PGPASSWORD="$(npx airlock token --dev --user dave --groups developers)"
  psql "host=${host} port=${port} dbname=shop user=dave sslmode=disable" -c "UPDATE orders SET status = 'refunded' WHERE status = 'paid'"

and approve it as bob at ${b.httpUrl}/approvals.

Another user's token:  npx airlock token --dev --user bob --groups dba,reviewers
Stop with Ctrl-C. Data stays in .airlock/demo (delete the folder to start over).
`;
}
