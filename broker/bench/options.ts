/**
 * Command-line flags of `npm run bench` and the case matrix they select.
 */
import type { Protocol, Workload } from './pgbench.js';
import { DEFAULT_TARGETS, TARGET_NAMES, type TargetName } from './targets.js';

export interface BenchOptions {
  readonly seconds: number;
  readonly rounds: number;
  readonly scale: number;
  readonly quick: boolean;
  readonly targets: readonly TargetName[];
  readonly workloads: readonly Workload[];
  readonly protocols: readonly Protocol[];
  readonly clients: readonly number[];
  /** Output JSON path, relative to the repository root unless absolute. */
  readonly out: string;
  /** Rebuild dist/ (the bundle bin/airlock.js runs) when it is older than broker/. */
  readonly build: boolean;
  /** `--baseline REF`: the git ref whose broker runs as the `baseline` target (resolved by baseline.ts). */
  readonly baseline?: string;
}

export interface BenchCase {
  /** e.g. `select-only/extended/c16` */
  readonly id: string;
  readonly workload: Workload;
  readonly protocol: Protocol;
  readonly clients: number;
}

const WORKLOADS: readonly Workload[] = ['select-only', 'simple-update', 'tpcb-like'];
const PROTOCOLS: readonly Protocol[] = ['simple', 'extended', 'prepared'];

export const USAGE = `Usage: npm run bench -- [flags]     (or: npx tsx broker/bench/run.ts [flags])

Benchmarks PostgreSQL direct vs PgBouncer (session pooling) vs the Airlock broker with pgbench,
with a bare Node.js TCP pipe (node-pipe) alongside: the floor any Node.js proxy stands on.

  --quick              smoke run: --scale 1 --seconds 2 --rounds 1 (about 2½ minutes)
  --seconds N          length of each pgbench run (-T), default 5
  --rounds N           rounds; every case runs once per target per round, default 3
  --scale N            pgbench -i scale factor, default 10 (1 = 100k accounts)
  --targets LIST       comma-separated subset of ${TARGET_NAMES.join(',')}
                       (default: all but baseline)
  --baseline REF       also run the broker built from git ref REF (HEAD~1, main, a commit) as
                       the target "baseline", interleaved with this checkout's broker: on a
                       noisy machine the only trustworthy way to compare two builds. The ref is
                       taken with git archive into the temporary folder and built there
  --workloads LIST     of ${WORKLOADS.join(',')} (default: select-only,simple-update)
  --protocols LIST     of ${PROTOCOLS.join(',')} (default: all)
  --clients LIST       client counts, default 1,16 (more than 1 client uses -j 2)
  --out FILE           JSON results, default .airlock/bench/latest.json
  --no-build           do not rebuild dist/ (what bin/airlock.js runs) even if broker/ is newer
  -h, --help           this text
`;

function listOf<T extends string>(flag: string, raw: string, allowed: readonly T[]): T[] {
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const it of items) {
    if (!(allowed as readonly string[]).includes(it)) throw new Error(`${flag}: unknown value "${it}" (expected ${allowed.join(', ')})`);
  }
  if (items.length === 0) throw new Error(`${flag}: empty list`);
  return [...new Set(items)] as T[];
}

function positiveInt(flag: string, raw: string | undefined, max: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${flag} expects a whole number from 1 to ${max}, got "${raw ?? ''}"`);
  return n;
}

/** Parses argv (without node and script). Returns 'help' for -h/--help. Throws on bad input. */
export function parseOptions(argv: readonly string[]): BenchOptions | 'help' {
  const quick = argv.includes('--quick');
  let seconds = quick ? 2 : 5;
  let rounds = quick ? 1 : 3;
  let scale = quick ? 1 : 10;
  let targets: TargetName[] = [...DEFAULT_TARGETS];
  let baseline: string | undefined;
  let workloads: Workload[] = ['select-only', 'simple-update'];
  let protocols: Protocol[] = [...PROTOCOLS];
  let clients: number[] = [1, 16];
  let out = '.airlock/bench/latest.json';
  let build = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '--quick':
        break;
      case '--no-build':
        build = false;
        break;
      case '--seconds':
        seconds = positiveInt(flag, value(), 3600);
        break;
      case '--rounds':
        rounds = positiveInt(flag, value(), 100);
        break;
      case '--scale':
        scale = positiveInt(flag, value(), 1000);
        break;
      case '--targets':
        targets = listOf(flag, value(), TARGET_NAMES);
        break;
      case '--workloads':
        workloads = listOf(flag, value(), WORKLOADS);
        break;
      case '--protocols':
        protocols = listOf(flag, value(), PROTOCOLS);
        break;
      case '--clients':
        clients = value().split(',').map((s) => positiveInt(flag, s.trim(), 90));
        clients = [...new Set(clients)];
        break;
      case '--out':
        out = value();
        break;
      case '--baseline': {
        const ref = value().trim();
        // A leading dash is most likely the next flag, and git would read it as an option.
        if (!ref || ref.startsWith('-')) throw new Error(`--baseline expects a git ref (a commit, branch or HEAD~N), got "${ref}"`);
        baseline = ref;
        break;
      }
      default:
        throw new Error(`unknown flag "${arg}"\n\n${USAGE}`);
    }
  }
  if (baseline !== undefined && !targets.includes('baseline')) targets.push('baseline');
  if (baseline === undefined && targets.includes('baseline')) throw new Error('--targets baseline needs --baseline REF: the git ref to build the baseline broker from');
  // Keep the targets in their canonical order whatever order they were given in.
  targets = TARGET_NAMES.filter((t) => targets.includes(t));
  return { seconds, rounds, scale, quick, targets, workloads, protocols, clients, out, build, ...(baseline !== undefined ? { baseline } : {}) };
}

export function buildCases(o: BenchOptions): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const workload of o.workloads) {
    for (const protocol of o.protocols) {
      for (const clients of o.clients) cases.push({ id: `${workload}/${protocol}/c${clients}`, workload, protocol, clients });
    }
  }
  return cases;
}
