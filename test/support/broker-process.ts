/**
 * A broker in its own process (`airlock broker --config FILE`), for what an in-process broker
 * cannot show: a SIGKILL, two brokers sharing a store. The config is the test harness's, with
 * the test PostgreSQL as the upstream `testdb`; `extraYaml` adds top-level sections.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import pg from 'pg';

export interface BrokerProcess {
  readonly child: ChildProcess;
  readonly pgPort: number;
  readonly httpUrl: string;
  readonly dir: string;
  readonly configPath: string;
  /** The environment the broker runs with (its config's secrets). */
  readonly env: NodeJS.ProcessEnv;
  readonly output: () => string;
  token(user: string, groups: string[]): Promise<string>;
  client(user: string, groups: string[]): Promise<pg.Client>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface BrokerProcessOptions {
  /** Working folder (config, journal); a new temporary one by default. */
  readonly dir?: string;
  /** YAML appended at the top level (e.g. `recording:`, `state:`). */
  readonly extraYaml?: string;
  readonly rules?: string;
  readonly env?: Record<string, string>;
}

export async function startBrokerProcess(opts: BrokerProcessOptions = {}): Promise<BrokerProcess> {
  const db = inject('pg');
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'airlock-broker-'));
  const config = join(dir, `airlock-${Date.now()}-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    config,
    `
listen:
  postgres: { host: 127.0.0.1, port: 0 }
  http: { host: 127.0.0.1, port: 0 }
identity:
  issuers: []
  devProvider:
    port: 0
    users:
      - { name: alice, email: alice@example.com, groups: [developers] }
      - { name: bob, email: bob@example.com, groups: [dba] }
      - { name: carol, email: carol@example.com, groups: [auditors] }
connections:
  testdb:
    upstream:
      host: ${db.host}
      port: ${db.port}
      database: ${db.database}
      user: ${db.superuser}
      password: { env: TEST_UPSTREAM_PASSWORD }
      tls: { mode: disable }
    allowGroups: [developers, dba, auditors]
    defaultAction: allow
rules:
${opts.rules ?? '  []'}
approvals:
  reviewers: { groups: [dba] }
  file: approvals.json
${opts.extraYaml ?? ''}
`,
  );
  const env = { ...process.env, ...opts.env, TEST_UPSTREAM_PASSWORD: db.password };
  const child = spawn(process.execPath, ['bin/airlock.js', 'broker', '--config', config, '--log-level', 'warn'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker did not start:\n${out}`)), 30_000);
    const check = (): void => {
      const m = /airlock broker ready postgres=[^:\s]+:(\d+) http=(\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`broker exited with ${code}:\n${out}`));
    });
  });
  const httpUrl = ready[2]!;
  const pgPort = Number(ready[1]);
  const clients: pg.Client[] = [];
  const token = async (user: string, groups: string[]): Promise<string> => {
    const r = await fetch(`${httpUrl}/v1/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, groups }) });
    if (!r.ok) throw new Error(`dev token: ${r.status} ${await r.text()}`);
    return ((await r.json()) as { token: string }).token;
  };
  return {
    child,
    pgPort,
    httpUrl,
    dir,
    configPath: config,
    env,
    output: () => out,
    token,
    async client(user, groups) {
      const c = new pg.Client({ host: '127.0.0.1', port: pgPort, user, database: 'testdb', password: await token(user, groups) });
      c.on('error', () => {});
      await c.connect();
      clients.push(c);
      return c;
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill(signal);
      await exited;
      await Promise.all(clients.map((c) => c.end().catch(() => {})));
    },
  };
}
