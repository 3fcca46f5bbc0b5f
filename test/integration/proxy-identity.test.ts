/**
 * Contract: the password is an OIDC token; the database name picks the connection; groups
 * decide access; the broker signs in upstream with its own credentials (SCRAM, md5, trust) and
 * can run the session as a mapped role the client cannot leave; dangerous start-up options and
 * replication are refused; TLS is offered when a certificate is configured.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { startTestBroker } from '../support/broker-harness.js';
import { runProcess } from '../support/run-process.js';

async function connectError(config: pg.ClientConfig): Promise<pg.DatabaseError> {
  const c = new pg.Client(config);
  c.on('error', () => {});
  try {
    await c.connect();
  } catch (e) {
    return e as pg.DatabaseError;
  } finally {
    await c.end().catch(() => {});
  }
  throw new Error('expected the connection to be refused');
}

describe('who may connect', () => {
  it('refuses bad tokens, unknown connections and foreign groups with clear errors', async () => {
    const b = await startTestBroker();
    try {
      const base = { host: '127.0.0.1', port: b.port, user: 'alice', database: 'testdb' };
      const bad = await connectError({ ...base, password: 'not-a-jwt' });
      expect(bad.code).toBe('28P01');
      expect(bad.message).toMatch(/not a well-formed JWT/);
      const token = await b.token('alice', ['developers']);
      const unknown = await connectError({ ...base, database: 'nope', password: token });
      expect(unknown.code).toBe('3D000');
      const outsider = await connectError({ ...base, password: await b.token('eve', ['marketing']) });
      expect(outsider.code).toBe('42501');
      expect(outsider.message).toMatch(/may not open this connection/);
      const tampered = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      expect((await connectError({ ...base, password: tampered })).code).toBe('28P01');
      expect(b.store.records.filter((r) => r.type === 'session.start')).toHaveLength(0);
      const refused = b.store.records.filter((r) => r.type === 'connection.refused');
      expect(refused.map((r) => r.type === 'connection.refused' && r.code)).toEqual([
        'BRK_ERR_TOKEN_MALFORMED', 'BRK_ERR_CONNECTION_UNKNOWN', 'BRK_ERR_CONNECTION_FORBIDDEN', 'BRK_ERR_TOKEN_SIGNATURE',
      ]);
      expect(refused[2]).toMatchObject({ subject: 'eve', connection: 'testdb' });
      expect(JSON.stringify(refused)).not.toContain(token.slice(0, 40));
    } finally {
      await b[Symbol.asyncDispose]();
    }
  });

  it('refuses start-up options that change the role, and replication connections', async () => {
    const b = await startTestBroker();
    try {
      const base = { host: '127.0.0.1', port: b.port, user: 'alice', database: 'testdb', password: await b.token('alice', ['developers']) };
      const opt = await connectError({ ...base, options: '-c role=postgres' });
      expect(opt.code).toBe('42501');
      expect(opt.message).toMatch(/role cannot be set/);
      const repl = await connectError({ ...base, replication: 'database' } as pg.ClientConfig);
      expect(repl.message).toMatch(/replication/);
      const enc = await runProcess('psql', ['-XAtc', 'SELECT 1', `host=127.0.0.1 port=${b.port} dbname=testdb user=alice sslmode=disable`], {
        env: { ...process.env, PGPASSWORD: base.password, PGCLIENTENCODING: 'SJIS' },
      });
      expect(enc.status).not.toBe(0);
      expect(enc.stderr).toMatch(/client encoding refused/);
      const ok = new pg.Client({ ...base, options: '-c statement_timeout=5000' });
      await ok.connect();
      expect((await ok.query('SHOW statement_timeout')).rows[0].statement_timeout).toBe('5s');
      await ok.end();
    } finally {
      await b[Symbol.asyncDispose]();
    }
  });
});

describe('upstream credentials and roles', () => {
  for (const kind of ['superuser', 'md5', 'trust'] as const) {
    it(`signs in upstream with ${kind === 'superuser' ? 'SCRAM-SHA-256' : kind}`, async () => {
      const b = await startTestBroker({ upstreamUser: kind });
      try {
        const c = await b.client('alice', ['developers']);
        const r = await c.query('SELECT current_user AS u, count(*)::int AS n FROM items');
        expect(r.rows[0].n).toBe(100);
        expect(r.rows[0].u).toBe(kind === 'superuser' ? 'postgres' : kind === 'md5' ? 'airlock_md5' : 'airlock_trust');
      } finally {
        await b[Symbol.asyncDispose]();
      }
    });
  }

  it('runs a mapped group as its database role, which the client cannot leave', async () => {
    const b = await startTestBroker();
    try {
      const c = await b.client('alice', ['developers', 'readonly']);
      expect((await c.query('SELECT current_user AS u')).rows[0].u).toBe('airlock_ro');
      await expect(c.query('SET ROLE postgres')).rejects.toMatchObject({ code: '42501' });
      await expect(c.query('RESET ALL')).rejects.toMatchObject({ code: '42501' });
      await expect(c.query("SELECT set_config('role', 'postgres', false)")).rejects.toMatchObject({ code: '42501' });
      // PostgreSQL's own privileges back the rule: the read-only role cannot write.
      await expect(c.query("INSERT INTO audit_me (note) VALUES ('x')")).rejects.toMatchObject({ code: '42501' });
      expect((await c.query('SELECT current_user AS u')).rows[0].u).toBe('airlock_ro');
    } finally {
      await b[Symbol.asyncDispose]();
    }
  });

  it('reports an unreachable database as a clear start-up error', async () => {
    const b = await startTestBroker({
      extraConnections: `  deadend:
    upstream: { host: 127.0.0.1, port: 1, database: x, user: x, tls: { mode: disable }, connectTimeoutMs: 2000 }
    allowGroups: [developers]`,
    });
    try {
      const e = await connectError({ host: '127.0.0.1', port: b.port, user: 'alice', database: 'deadend', password: await b.token('alice', ['developers']) });
      expect(e.code).toBe('08006');
      expect(e.message).toMatch(/could not be reached/);
    } finally {
      await b[Symbol.asyncDispose]();
    }
  });
});

describe('TLS', () => {
  it('speaks TLS to the database when configured, verifying it with verify-full', async () => {
    const db = inject('pg');
    for (const tls of ['{ mode: require }', `{ mode: verify-full, caFile: ${db.tlsCertFile}, serverName: localhost }`]) {
      const b = await startTestBroker({ upstreamTls: tls });
      try {
        const c = await b.client('alice', ['developers']);
        const r = await c.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
        expect(r.rows[0].ssl, tls).toBe(true);
      } finally {
        await b[Symbol.asyncDispose]();
      }
    }
  });

  it('refuses a database whose certificate does not verify', async () => {
    const b = await startTestBroker({ upstreamTls: '{ mode: verify-full, serverName: localhost }' });
    try {
      const e = await connectError({ host: '127.0.0.1', port: b.port, user: 'alice', database: 'testdb', password: await b.token('alice', ['developers']) });
      expect(e.code).toBe('08006');
      expect(e.message).toMatch(/TLS to the database failed/);
    } finally {
      await b[Symbol.asyncDispose]();
    }
  });

  it('answers SSLRequest with TLS when a certificate is configured', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    const b = await startTestBroker({ postgresListen: `    tls: { certFile: ${join(dir, 'cert.pem')}, keyFile: ${join(dir, 'key.pem')} }` });
    try {
      const c = await b.client('alice', ['developers'], { ssl: { rejectUnauthorized: false } });
      const r = await c.query('SELECT 1 AS one');
      expect(r.rows[0].one).toBe(1);
      const start = b.store.records.find((x) => x.type === 'session.start');
      expect(start).toMatchObject({ tls: true });
    } finally {
      await b[Symbol.asyncDispose]();
    }
  });

  it('answers N to SSLRequest without a certificate, and the client may go on in plaintext', async () => {
    const b = await startTestBroker();
    try {
      const token = await b.token('alice', ['developers']);
      const r = await runProcess('psql', ['-XAtc', 'SELECT 7', `host=127.0.0.1 port=${b.port} dbname=testdb user=alice sslmode=prefer`], { env: { ...process.env, PGPASSWORD: token } });
      expect(r.stdout.trim()).toBe('7');
    } finally {
      await b[Symbol.asyncDispose]();
    }
  });
});
