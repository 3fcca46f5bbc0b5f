/**
 * Running pgbench and reading its summary. Only the summary lines that have been stable since
 * PostgreSQL 10 are parsed (`number of transactions actually processed`, `latency average`,
 * `tps = ...`); `number of failed transactions` exists from pgbench 15 and is optional.
 */
import { runCommand } from './processes.js';

export type Workload = 'select-only' | 'simple-update' | 'tpcb-like';
export type Protocol = 'simple' | 'extended' | 'prepared';

/** Statements (round trips) per transaction of each built-in script, BEGIN/END included. */
export const STATEMENTS_PER_TX: Record<Workload, number> = {
  'select-only': 1,
  'simple-update': 5,
  'tpcb-like': 7,
};

const WORKLOAD_FLAGS: Record<Workload, string[]> = {
  'select-only': ['-S'],
  'simple-update': ['-N'],
  'tpcb-like': [],
};

export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  readonly password: string;
}

export interface PgbenchSummary {
  readonly transactions: number;
  readonly failed: number;
  readonly latencyMs: number;
  readonly tps: number;
}

export interface PgbenchRun {
  readonly ok: boolean;
  readonly summary?: PgbenchSummary;
  /** Why the run failed: the last lines of pgbench's stderr, or a timeout. */
  readonly error?: string;
  readonly wallMs: number;
}

/** Environment for libpq tools: the caller's, minus every PG* variable, plus ours. */
export function libpqEnv(ep: Endpoint): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PG')) env[k] = v;
  env.PGPASSWORD = ep.password;
  // Same conditions for every target: no TLS or GSS negotiation round trips.
  env.PGSSLMODE = 'disable';
  env.PGGSSENCMODE = 'disable';
  env.PGAPPNAME = 'airlock-bench';
  env.PGCONNECT_TIMEOUT = '10';
  return env;
}

function connArgs(ep: Endpoint): string[] {
  return ['-h', ep.host, '-p', String(ep.port), '-U', ep.user];
}

export interface RunOptions {
  readonly workload: Workload;
  readonly protocol: Protocol;
  readonly clients: number;
  readonly seconds: number;
}

export function pgbenchArgs(o: RunOptions): string[] {
  const threads = o.clients >= 2 ? 2 : 1;
  return [
    '--no-vacuum',
    ...WORKLOAD_FLAGS[o.workload],
    '-M', o.protocol,
    '-c', String(o.clients),
    '-j', String(threads),
    '-T', String(o.seconds),
  ];
}

export async function runPgbench(bin: string, ep: Endpoint, o: RunOptions): Promise<PgbenchRun> {
  const started = Date.now();
  const args = [...pgbenchArgs(o), ...connArgs(ep), ep.database];
  // Generous bound: the run itself, connection setup for every client, and the final report.
  const res = await runCommand(bin, args, { env: libpqEnv(ep), timeoutMs: (o.seconds + 30) * 1000, name: 'pgbench' });
  const wallMs = Date.now() - started;
  if (res.error) return { ok: false, error: `could not run ${bin}: ${res.error.message}`, wallMs };
  if (res.timedOut) return { ok: false, error: `pgbench did not finish within ${o.seconds + 30} s (killed)`, wallMs };
  const summary = parsePgbenchOutput(res.stdout);
  if (res.code !== 0 || !summary) {
    return { ok: false, ...(summary ? { summary } : {}), error: lastLines(res.stderr || res.stdout, 6) || `pgbench exited with ${res.code ?? res.signal}`, wallMs };
  }
  if (summary.failed > 0 || summary.transactions === 0) {
    return { ok: false, summary, error: `${summary.failed} failed / ${summary.transactions} transactions\n${lastLines(res.stderr, 4)}`, wallMs };
  }
  return { ok: true, summary, wallMs };
}

/** Initialises the pgbench tables (`pgbench -i`) straight against PostgreSQL. */
export async function initPgbench(bin: string, ep: Endpoint, scale: number): Promise<void> {
  const res = await runCommand(bin, ['-i', '-s', String(scale), '--quiet', ...connArgs(ep), ep.database], {
    env: libpqEnv(ep),
    timeoutMs: (120 + scale * 30) * 1000,
    name: 'pgbench -i',
  });
  if (res.error) throw new Error(`could not run ${bin}: ${res.error.message}`);
  if (res.timedOut) throw new Error('pgbench -i timed out');
  if (res.code !== 0) throw new Error(`pgbench -i failed:\n${lastLines(res.stderr, 10)}`);
}

export async function pgbenchVersion(bin: string): Promise<string | undefined> {
  const res = await runCommand(bin, ['--version'], { timeoutMs: 10_000 });
  return res.code === 0 ? res.stdout.trim() : undefined;
}

export function parsePgbenchOutput(out: string): PgbenchSummary | undefined {
  const num = (re: RegExp): number | undefined => {
    const m = re.exec(out);
    return m?.[1] !== undefined ? Number(m[1]) : undefined;
  };
  const transactions = num(/number of transactions actually processed:\s*(\d+)/);
  const failed = num(/number of failed transactions:\s*(\d+)/) ?? 0;
  const latencyMs = num(/latency average\s*=\s*([\d.]+)\s*ms/);
  // pgbench 14+: one `tps = N (without initial connection time)` line; older ones print two.
  const tps =
    num(/tps\s*=\s*([\d.]+)\s*\(without initial connection time\)/) ??
    num(/tps\s*=\s*([\d.]+)\s*\(excluding connections establishing\)/) ??
    num(/tps\s*=\s*([\d.]+)/);
  if (transactions === undefined || tps === undefined) return undefined;
  return {
    transactions,
    failed,
    // Without `latency average` (never seen, but cheap to handle) derive it from tps.
    latencyMs: latencyMs ?? (tps > 0 ? 1000 / tps : Number.NaN),
    tps,
  };
}

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join('\n');
}
