/**
 * The things pgbench is pointed at:
 *   direct     — the embedded PostgreSQL itself (the reference for added latency);
 *   pgbouncer  — PgBouncer in session pooling mode in front of it (the bar to meet);
 *   broker     — the Airlock broker (`node bin/airlock.js broker`) in front of it;
 *   node-pipe  — a bare Node.js TCP pipe in front of it (node-pipe.ts): the floor any Node.js
 *                proxy stands on, so the broker's figures can be split into Node's and its own;
 *   baseline   — only with `--baseline REF`: the broker built from another commit, started by
 *                the same code as `broker` (baseline.ts), to compare two builds in one run.
 * Each starter either returns a ready, pre-flighted target or throws `Unavailable` with a reason
 * a person can act on; the caller reports it and goes on without that target.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join, relative } from 'node:path';
import pg from 'pg';
import { freePort, startEmbeddedPostgres, type EmbeddedDb } from '../demo/embedded-postgres.js';
import {
  BENCH_CONNECTION,
  BENCH_GROUP,
  BENCH_USER,
  PASSWORD_ENV,
  brokerConfigYaml,
} from './broker-config.js';
import { READY_PREFIX as NODE_PIPE_READY } from './node-pipe.js';
import { initPgbench, libpqEnv, type Endpoint } from './pgbench.js';
import { delay, runCommand, startService, waitForLine, withTimeout, type Service } from './processes.js';

export type TargetName = 'direct' | 'pgbouncer' | 'broker' | 'node-pipe' | 'baseline';
/**
 * Canonical order: the order of the table columns and of the first round. baseline comes last so
 * that without it every table reads as before, and with it its columns sit at the end.
 */
export const TARGET_NAMES: readonly TargetName[] = ['direct', 'pgbouncer', 'broker', 'node-pipe', 'baseline'];
/** What runs without `--targets`: baseline needs a git ref, so only `--baseline` adds it. */
export const DEFAULT_TARGETS: readonly TargetName[] = TARGET_NAMES.filter((t) => t !== 'baseline');

export interface Target {
  readonly name: TargetName;
  /** Credentials may change over time (the broker's token is refreshed): always read `endpoint()`. */
  endpoint(): Endpoint;
  /** Process group whose CPU time is charged to this target (none for direct). */
  readonly cpuPgid?: number;
  readonly version?: string;
  /** Called before each round; the broker (and baseline) refreshes its token. */
  refresh?(): Promise<void>;
  /** Why the target is no longer usable (its process died), if it is not. */
  health(): string | undefined;
  stop(): Promise<void>;
}

export class Unavailable extends Error {}

export const BENCH_DATABASE = 'bench';

/** Where a program is: on PATH, or in one of the usual sbin folders (Debian puts pgbouncer there). */
export function findBinary(name: string, extraDirs: readonly string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...extraDirs].filter(Boolean);
  for (const dir of dirs) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return undefined;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Uid/gid of an OS user, via `id` (no native lookup in Node). */
function osUser(name: string): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8', timeout: 5_000 }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8', timeout: 5_000 }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

/** Waits until something accepts TCP connections on 127.0.0.1:port (bounded). */
async function waitForPort(port: number, timeoutMs: number, svc?: Service): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (svc?.exited()) throw new Error(`${svc.name} ${svc.exitDescription()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port });
      const t = setTimeout(() => {
        s.destroy();
        resolve(false);
      }, 1_000);
      s.once('connect', () => {
        clearTimeout(t);
        s.end();
        resolve(true);
      });
      s.once('error', () => {
        clearTimeout(t);
        resolve(false);
      });
    });
    if (ok) return;
    await delay(100);
  }
  throw new Error(`nothing listening on 127.0.0.1:${port} after ${Math.round(timeoutMs / 1000)} s`);
}

/** One tiny pgbench transaction through the target: proves login, the database and the tables. */
async function preflight(pgbenchBin: string, ep: Endpoint): Promise<void> {
  const res = await runCommand(
    pgbenchBin,
    ['--no-vacuum', '-S', '-M', 'extended', '-t', '2', '-c', '1', '-h', ep.host, '-p', String(ep.port), '-U', ep.user, ep.database],
    { env: libpqEnv(ep), timeoutMs: 30_000, name: 'pgbench preflight' },
  );
  if (res.error) throw new Error(res.error.message);
  if (res.timedOut) throw new Error('a 2-transaction pgbench run did not finish within 30 s');
  if (res.code !== 0) throw new Error(`pgbench could not run through it:\n${(res.stderr || res.stdout).trim().split('\n').slice(-6).join('\n')}`);
}

// ---------------------------------------------------------------------------------------------
// direct

export interface Database {
  readonly db: EmbeddedDb;
  readonly serverVersion: string;
  readonly target: Target;
  /** Runs SQL as the superuser on the bench database (VACUUM/TRUNCATE between write runs). */
  admin(sql: string): Promise<void>;
}

export async function startDatabase(opts: {
  baseDir: string;
  scale: number;
  pgbenchBin: string;
  log: (line: string) => void;
}): Promise<Database> {
  const password = `bench-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  const pgLog: string[] = [];
  const db = await withTimeout(
    startEmbeddedPostgres({
      baseDir: opts.baseDir,
      password,
      postgresFlags: [
        '-c', 'max_connections=100',
        '-c', 'shared_buffers=128MB',
        '-c', 'fsync=off',
        '-c', 'synchronous_commit=off',
        '-c', 'full_page_writes=off',
        '-c', 'log_min_messages=warning',
      ],
      onLog: (l) => {
        pgLog.push(l);
        if (pgLog.length > 50) pgLog.shift();
      },
    }),
    120_000,
    'starting the embedded PostgreSQL',
  ).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}\n${pgLog.join('').trim().split('\n').slice(-15).join('\n')}`);
  });
  const superuser: Endpoint = { host: db.host, port: db.port, user: db.user, password, database: BENCH_DATABASE };

  const query = async (database: string, sql: string): Promise<string> => {
    const client = new pg.Client({ host: db.host, port: db.port, user: db.user, password, database, connectionTimeoutMillis: 10_000 });
    await client.connect();
    try {
      await client.query("SET lock_timeout = '10s'");
      const res = await client.query(sql);
      const rows = (Array.isArray(res) ? res.at(-1) : res) as pg.QueryResult | undefined;
      const first = rows?.rows?.[0] as Record<string, unknown> | undefined;
      return first ? String(Object.values(first)[0]) : '';
    } finally {
      await client.end().catch(() => undefined);
    }
  };

  try {
    const serverVersion = await query('postgres', 'SHOW server_version');
    await query('postgres', `CREATE DATABASE ${BENCH_DATABASE}`);
    opts.log(`PostgreSQL ${serverVersion} on 127.0.0.1:${db.port}; pgbench -i -s ${opts.scale} ...`);
    const t0 = Date.now();
    await initPgbench(opts.pgbenchBin, superuser, opts.scale);
    opts.log(`  initialised in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await query(BENCH_DATABASE, 'VACUUM ANALYZE');
    await preflight(opts.pgbenchBin, superuser);

    const target: Target = {
      name: 'direct',
      endpoint: () => superuser,
      version: `PostgreSQL ${serverVersion}`,
      health: () => undefined,
      stop: async () => undefined, // the database itself is stopped by the caller, last
    };
    return {
      db,
      serverVersion,
      target,
      admin: async (sql) => {
        await query(BENCH_DATABASE, sql);
      },
    };
  } catch (e) {
    await db.stop().catch(() => undefined);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// pgbouncer

export const PGBOUNCER_INSTALL_HINT =
  'install it with `sudo apt-get install -y pgbouncer` (Debian/Ubuntu; the binary is /usr/sbin/pgbouncer) or put `pgbouncer` on PATH';

export async function startPgbouncer(opts: {
  dir: string;
  database: Database;
  pgbenchBin: string;
}): Promise<Target> {
  const bin = findBinary('pgbouncer', ['/usr/sbin', '/usr/local/sbin']);
  if (!bin) throw new Unavailable(`pgbouncer not found: ${PGBOUNCER_INSTALL_HINT}`);
  const versionRes = await runCommand(bin, ['--version'], { timeoutMs: 10_000 });
  const version = versionRes.stdout.split('\n')[0]?.trim() || undefined;

  const { db } = opts.database;
  const port = await freePort();
  mkdirSync(opts.dir, { recursive: true });
  const ini = join(opts.dir, 'pgbouncer.ini');
  const userlist = join(opts.dir, 'userlist.txt');
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  writeFileSync(userlist, `${q(db.user)} ${q(db.password)}\n`, { mode: 0o600 });
  writeFileSync(
    ini,
    [
      '; generated by broker/bench; throwaway',
      '[databases]',
      `${BENCH_DATABASE} = host=${db.host} port=${db.port} dbname=${BENCH_DATABASE} user=${db.user} password=${db.password}`,
      '',
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = scram-sha-256',
      `auth_file = ${userlist}`,
      'pool_mode = session',
      'max_client_conn = 200',
      'default_pool_size = 40',
      'max_db_connections = 80',
      'server_reset_query = DISCARD ALL',
      'ignore_startup_parameters = extra_float_digits',
      'log_connections = 0',
      'log_disconnections = 0',
      'log_pooler_errors = 1',
      'stats_period = 3600',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );

  // PgBouncer refuses to run as root: run it as the `postgres` OS user (the embedded database
  // already runs as that user when we are root), with files it owns.
  let cmd = bin;
  let args = [ini];
  if (isRoot()) {
    const u = osUser('postgres');
    if (!u) throw new Unavailable('running as root and there is no `postgres` OS user to run pgbouncer as');
    chmodSync(opts.dir, 0o755);
    for (const f of [opts.dir, ini, userlist]) chownSync(f, u.uid, u.gid);
    const setpriv = findBinary('setpriv', ['/usr/bin', '/bin']);
    const runuser = findBinary('runuser', ['/usr/sbin', '/sbin']);
    if (setpriv) {
      // setpriv execs pgbouncer in place: the pid we hold is pgbouncer's own.
      cmd = setpriv;
      args = [`--reuid=${u.uid}`, `--regid=${u.gid}`, '--init-groups', '--', bin, ini];
    } else if (runuser) {
      cmd = runuser;
      args = ['-u', 'postgres', '--', bin, ini];
    } else {
      throw new Unavailable('running as root and neither setpriv nor runuser is available to drop privileges for pgbouncer');
    }
  }
  const svc = startService('pgbouncer', cmd, args, { cwd: opts.dir });
  try {
    await waitForPort(port, 15_000, svc);
    const ep: Endpoint = { host: '127.0.0.1', port, user: db.user, password: db.password, database: BENCH_DATABASE };
    await preflight(opts.pgbenchBin, ep);
    return {
      name: 'pgbouncer',
      endpoint: () => ep,
      cpuPgid: svc.pid,
      ...(version ? { version } : {}),
      health: () => (svc.exited() ? `pgbouncer ${svc.exitDescription()}:\n${svc.stderr.text()}` : undefined),
      stop: () => svc.stop(),
    };
  } catch (e) {
    const tail = svc.stderr.text().trim();
    await svc.stop();
    throw new Unavailable(`pgbouncer did not come up: ${(e as Error).message}${tail ? `\n${tail}` : ''}`);
  }
}

// ---------------------------------------------------------------------------------------------
// broker

/** Newest modification time of the `.ts` files under `dir` (bounded walk, skips node_modules). */
function newestSource(dir: string, depth = 0): number {
  if (depth > 8) return 0;
  let newest = 0;
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && !e.name.startsWith('.')) newest = Math.max(newest, newestSource(p, depth + 1));
    } else if (e.name.endsWith('.ts')) {
      try {
        newest = Math.max(newest, statSync(p).mtimeMs);
      } catch {
        // vanished
      }
    }
  }
  return newest;
}

/**
 * `bin/airlock.js` runs the esbuild bundle in `dist/`. Measuring a bundle older than the sources
 * would benchmark yesterday's broker, so (unless `--no-build`) rebuild it with the project's own
 * build script when it is missing or older than any file under `broker/`.
 */
export async function ensureBrokerBuilt(repoRoot: string, log: (line: string) => void): Promise<void> {
  const bundle = join(repoRoot, 'dist', 'broker', 'cli.js');
  let bundleTime = 0;
  try {
    bundleTime = statSync(bundle).mtimeMs;
  } catch {
    // missing
  }
  if (bundleTime > 0 && bundleTime >= newestSource(join(repoRoot, 'broker'))) return;
  if (!existsSync(join(repoRoot, 'scripts', 'build.mjs'))) return; // nothing we know how to run: bin/airlock.js will say what is wrong
  await runBuildScript(repoRoot, log, `the broker (${bundleTime ? 'dist/ is older than broker/' : 'dist/ does not exist'})`);
}

/** Runs `node scripts/build.mjs` in `root`; `what` says what is being built, for the log line. */
export async function runBuildScript(root: string, log: (line: string) => void, what: string): Promise<void> {
  log(`  building ${what}: node scripts/build.mjs ...`);
  const res = await runCommand(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, timeoutMs: 180_000, name: 'build' });
  if (res.code !== 0) {
    // esbuild prints its errors first and Node's stack trace of the rejected build after them:
    // keep the errors, and put the first one on the first line, the one the summary repeats.
    const lines = (res.stderr || res.stdout).split('\n').filter((l) => l.trim() && !/^\s+at /.test(l));
    const first = lines.find((l) => /error/i.test(l))?.trim();
    throw new Unavailable(
      `\`node scripts/build.mjs\` failed (${res.timedOut ? 'timed out' : `exit ${res.code}`})${first ? `: ${first}` : ''}\n${lines.slice(0, 15).join('\n')}`,
    );
  }
}

/**
 * Starts `node <repoRoot>/bin/airlock.js broker` with a generated configuration in `dir`. Runs
 * this checkout's broker, or as `name: 'baseline'` one built from another commit into a folder
 * of its own (baseline.ts): everything else — configuration, token, pre-flight — is the same, so
 * the two differ only by their code.
 */
export async function startBroker(opts: {
  /** The tree whose bin/airlock.js (and dist/) runs. */
  repoRoot: string;
  dir: string;
  database: Database;
  pgbenchBin: string;
  build: boolean;
  log: (line: string) => void;
  name?: 'broker' | 'baseline';
  /** Shown as the target's version, e.g. `airlock @ 1a2b3c4 (HEAD~3)`. */
  version?: string;
}): Promise<Target> {
  const name = opts.name ?? 'broker';
  const cli = join(opts.repoRoot, 'bin', 'airlock.js');
  if (!existsSync(cli)) throw new Unavailable(`${join('bin', 'airlock.js')} does not exist yet (the broker CLI)`);
  if (opts.build) await ensureBrokerBuilt(opts.repoRoot, opts.log);
  const { db } = opts.database;
  mkdirSync(opts.dir, { recursive: true });
  const configFile = join(opts.dir, 'airlock.yaml');
  const input = {
    postgresPort: await freePort(),
    httpPort: await freePort(),
    devProviderPort: await freePort(),
    upstreamHost: db.host,
    upstreamPort: db.port,
    upstreamDatabase: BENCH_DATABASE,
    upstreamUser: db.user,
    recordingDirectory: join(opts.dir, 'recordings'),
  };
  writeFileSync(configFile, brokerConfigYaml(input));

  const env: NodeJS.ProcessEnv = { ...process.env, [PASSWORD_ENV]: db.password };
  // For profiling the broker under load, e.g. AIRLOCK_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof".
  const nodeArgs = (process.env.AIRLOCK_BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const svc = startService(name === 'broker' ? 'airlock broker' : `airlock broker (${name})`, process.execPath, [...nodeArgs, cli, 'broker', '--config', configFile], { cwd: opts.repoRoot, env });
  const describe = (msg: string) => {
    const err = svc.stderr.text().trim();
    const out = svc.stdout.text().trim();
    return [msg, err && `--- ${name} stderr (last lines) ---\n${err}`, !err && out && `--- ${name} stdout (last lines) ---\n${out}`, `config: ${configFile}`]
      .filter(Boolean)
      .join('\n');
  };
  try {
    await waitForLine(svc, (l) => l.startsWith('airlock broker ready'), 60_000);
  } catch (e) {
    await svc.stop();
    throw new Unavailable(describe((e as Error).message));
  }

  const httpUrl = `http://127.0.0.1:${input.httpPort}`;
  let token = '';
  const fetchToken = async (): Promise<void> => {
    const res = await runCommand(
      process.execPath,
      [cli, 'token', '--dev', '--user', BENCH_USER, '--groups', BENCH_GROUP, '--broker', httpUrl],
      { cwd: opts.repoRoot, env: process.env, timeoutMs: 30_000, name: 'airlock token' },
    );
    const line = res.stdout.trim().split('\n').filter(Boolean).at(-1)?.trim() ?? '';
    if (res.code !== 0 || !line) {
      throw new Error(`\`airlock token --dev\` failed (${res.timedOut ? 'timed out' : `exit ${res.code}`}): ${(res.stderr || res.stdout).trim().split('\n').slice(-5).join('\n')}`);
    }
    token = line;
  };
  const ep = (): Endpoint => ({
    host: '127.0.0.1',
    port: input.postgresPort,
    user: BENCH_USER,
    password: token,
    database: BENCH_CONNECTION,
  });
  try {
    await fetchToken();
    await preflight(opts.pgbenchBin, ep());
  } catch (e) {
    await svc.stop();
    throw new Unavailable(describe((e as Error).message));
  }
  opts.log(`  ${name} pid ${svc.pid}, postgres port ${input.postgresPort}, http ${httpUrl}; config ${configFile}`);
  return {
    name,
    endpoint: ep,
    cpuPgid: svc.pid,
    version: opts.version ?? 'airlock (this checkout)',
    refresh: fetchToken,
    health: () => (svc.exited() ? describe(`${name} ${svc.exitDescription()}`) : undefined),
    stop: () => svc.stop(),
  };
}

// ---------------------------------------------------------------------------------------------
// node-pipe

/**
 * Builds node-pipe.ts into `dir` and starts it in front of `upstreamHost:upstreamPort`.
 *
 * It is bundled to plain JavaScript with esbuild (a devDependency, as is the tsx `npm run bench`
 * runs on) and started with plain `node`, not through tsx: tsx would transpile inside the
 * measured process and keep its module-loader hooks (and their thread) alive there, and none of
 * that belongs to a pipe's cost. It is built afresh into the run's temporary folder rather than
 * into `dist/` by scripts/build.mjs, so it can never be stale (no timestamp check to get wrong,
 * `--no-build` or not) and `npm install` does not build a benchmark-only file for everyone.
 */
export async function launchNodePipe(opts: {
  repoRoot: string;
  dir: string;
  upstreamHost: string;
  upstreamPort: number;
}): Promise<{ svc: Service; port: number }> {
  const source = join(opts.repoRoot, 'broker', 'bench', 'node-pipe.ts');
  const shown = relative(opts.repoRoot, source);
  if (!existsSync(source)) throw new Unavailable(`${shown} does not exist`);
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch (e) {
    throw new Unavailable(`esbuild (a devDependency) could not be loaded to build ${shown}: ${(e as Error).message}; run \`npm install\``);
  }
  mkdirSync(opts.dir, { recursive: true });
  // .mjs: there is no package.json with "type": "module" in the temporary folder.
  const bundle = join(opts.dir, 'node-pipe.mjs');
  try {
    await esbuild.build({ entryPoints: [source], outfile: bundle, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'silent' });
  } catch (e) {
    throw new Unavailable(`building ${shown} with esbuild failed: ${(e as Error).message}`);
  }
  const port = await freePort();
  // The benchmark's own Node, so the floor is measured on the same runtime as the broker.
  const svc = startService('node-pipe', process.execPath, [bundle, String(port), opts.upstreamHost, String(opts.upstreamPort)], { cwd: opts.dir });
  try {
    await waitForLine(svc, (l) => l.startsWith(NODE_PIPE_READY), 15_000);
  } catch (e) {
    const tail = svc.stderr.text().trim();
    await svc.stop();
    throw new Unavailable(`node-pipe did not come up: ${(e as Error).message}${tail ? `\n${tail}` : ''}`);
  }
  return { svc, port };
}

export async function startNodePipe(opts: {
  repoRoot: string;
  dir: string;
  database: Database;
  pgbenchBin: string;
}): Promise<Target> {
  const { db } = opts.database;
  const { svc, port } = await launchNodePipe({ repoRoot: opts.repoRoot, dir: opts.dir, upstreamHost: db.host, upstreamPort: db.port });
  // The superuser's credentials, as for direct: the pipe passes the authentication exchange
  // through untouched, so PostgreSQL itself checks them.
  const ep: Endpoint = { host: '127.0.0.1', port, user: db.user, password: db.password, database: BENCH_DATABASE };
  const describe = (msg: string) => {
    const err = svc.stderr.text().trim();
    return err ? `${msg}\n--- node-pipe stderr (last lines) ---\n${err}` : msg;
  };
  try {
    await preflight(opts.pgbenchBin, ep);
  } catch (e) {
    await svc.stop();
    throw new Unavailable(describe((e as Error).message));
  }
  return {
    name: 'node-pipe',
    endpoint: () => ep,
    cpuPgid: svc.pid,
    version: `Node.js ${process.version}`,
    health: () => (svc.exited() ? describe(`node-pipe ${svc.exitDescription()}`) : undefined),
    stop: () => svc.stop(),
  };
}
