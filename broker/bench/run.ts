/**
 * `npm run bench` — PostgreSQL direct vs PgBouncer vs the Airlock broker vs a bare Node.js TCP
 * pipe, with pgbench.
 *
 * One run: start an embedded PostgreSQL and load pgbench's tables, start PgBouncer (session
 * pooling), the broker and the Node.js pipe in front of it, then run every case of the matrix
 * (workload × protocol × clients) against every target, interleaved round by round, while
 * sampling the CPU time of the PgBouncer, broker and pipe processes. Prints a summary and the
 * targets from the issue (with the pipe's figures beside them for reference), and writes
 * everything to `.airlock/bench/latest.json`. See docs/benchmark.md.
 *
 * With `--baseline REF` the broker built from that commit runs too, as a fifth target
 * (baseline.ts), and the report compares this checkout's broker with it.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baselineVersion, describeBaseline, resolveBaselineRef, startBaseline, type BaselineRef } from './baseline.js';
import { clockTicksPerSecond, cpuSamplingAvailable, groupCpuMicros } from './cpu.js';
import { USAGE, buildCases, parseOptions, type BenchCase, type BenchOptions } from './options.js';
import { pgbenchVersion, runPgbench, type Workload } from './pgbench.js';
import { killAllNow, stopAll } from './processes.js';
import {
  checkGoals,
  compareWithBaseline,
  GOALS,
  nodePipeReference,
  renderBaselineComparison,
  renderChecks,
  renderSummary,
  summarize,
  writeReport,
  type RunRecord,
} from './report.js';
import {
  PGBOUNCER_INSTALL_HINT,
  Unavailable,
  findBinary,
  startBroker,
  startDatabase,
  startNodePipe,
  startPgbouncer,
  TARGET_NAMES,
  type Database,
  type Target,
  type TargetName,
} from './targets.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const log = (line: string) => console.log(line);
const warn = (line: string) => console.error(line);

let interrupted = false;

function elapsed(since: number): string {
  const s = Math.round((Date.now() - since) / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Write mixes change the tables: give every run the same starting point (what pgbench's own vacuum step does). */
async function resetForWrites(database: Database, workload: Workload): Promise<void> {
  if (workload === 'select-only') return;
  try {
    await database.admin('TRUNCATE pgbench_history');
    await database.admin('VACUUM pgbench_branches');
    await database.admin('VACUUM pgbench_tellers');
  } catch (e) {
    warn(`  (could not reset pgbench_history/vacuum before the run: ${(e as Error).message})`);
  }
}

async function measure(
  target: Target,
  c: BenchCase,
  seconds: number,
  pgbenchBin: string,
  round: number,
): Promise<RunRecord> {
  const cpuBefore = target.cpuPgid !== undefined ? groupCpuMicros(target.cpuPgid) : undefined;
  const run = await runPgbench(pgbenchBin, target.endpoint(), { workload: c.workload, protocol: c.protocol, clients: c.clients, seconds });
  const cpuAfter = target.cpuPgid !== undefined ? groupCpuMicros(target.cpuPgid) : undefined;
  const s = run.summary;
  const cpuUs = cpuBefore !== undefined && cpuAfter !== undefined && Number.isFinite(cpuAfter - cpuBefore) ? cpuAfter - cpuBefore : undefined;
  const health = target.health();
  return {
    round,
    caseId: c.id,
    target: target.name,
    ok: run.ok,
    ...(s ? { tps: s.tps, latencyMs: s.latencyMs, transactions: s.transactions } : {}),
    ...(cpuUs !== undefined ? { cpuUs } : {}),
    ...(cpuUs !== undefined && s && s.transactions > 0 ? { cpuUsPerTx: cpuUs / s.transactions } : {}),
    wallMs: run.wallMs,
    ...(run.error ? { error: run.error } : {}),
    ...(health ? { targetDied: health } : {}),
  };
}

function progressLine(prefix: string, r: RunRecord): string {
  if (!r.ok) return `${prefix}  FAILED: ${(r.error ?? '').split('\n').filter(Boolean).slice(-2).join(' | ')}`;
  const parts = [
    `${Math.round(r.tps ?? 0).toLocaleString('en-US').padStart(8)} tps`,
    `${(r.latencyMs ?? 0).toFixed(3).padStart(7)} ms`,
  ];
  if (r.cpuUsPerTx !== undefined) parts.push(`${r.cpuUsPerTx.toFixed(1).padStart(6)} µs CPU/tx`);
  return `${prefix}  ${parts.join('  ')}`;
}

async function main(): Promise<number> {
  let opts: BenchOptions;
  try {
    const parsed = parseOptions(process.argv.slice(2));
    if (parsed === 'help') {
      console.log(USAGE);
      return 0;
    }
    opts = parsed;
  } catch (e) {
    warn((e as Error).message);
    return 2;
  }
  const startedAt = new Date();
  const t0 = Date.now();

  // Before anything starts: a mistyped ref should cost a second, not a database start-up.
  let baseline: BaselineRef | undefined;
  if (opts.baseline !== undefined) {
    try {
      baseline = await resolveBaselineRef(repoRoot, opts.baseline);
    } catch (e) {
      warn((e as Error).message);
      return 2;
    }
  }

  const pgbenchBin = findBinary('pgbench');
  if (!pgbenchBin) {
    warn('pgbench not found on PATH: install the PostgreSQL client tools (Debian/Ubuntu: `sudo apt-get install -y postgresql-contrib` or `postgresql-client`).');
    return 1;
  }
  const cpuOk = cpuSamplingAvailable();
  if (!cpuOk) warn('note: /proc is not readable here (not Linux?): CPU per transaction will not be measured.');

  const loadAtStart = loadavg()[0] ?? 0;
  if (loadAtStart > cpus().length * 0.5) {
    warn(`note: this machine is busy (1-minute load ${loadAtStart.toFixed(1)} on ${cpus().length} CPUs): expect noisy figures; see the spread column.`);
  }

  const tmpRoot = mkdtempSync(join(tmpdir(), 'airlock-bench-'));
  // The database (and pgbouncer, when we are root) run as the `postgres` OS user: let it in.
  chmodSync(tmpRoot, 0o755);
  process.once('exit', () => {
    killAllNow('SIGKILL');
    rmSync(tmpRoot, { recursive: true, force: true });
  });

  const cases = buildCases(opts);
  const runs: RunRecord[] = [];
  const status: Record<string, { available: boolean; version?: string; reason?: string }> = {};
  const started: Target[] = [];
  let database: Database | undefined;
  let fatal: unknown;

  try {
    log(`airlock bench: ${cases.length} cases × ${opts.targets.length} targets × ${opts.rounds} round(s) × ${opts.seconds} s, scale ${opts.scale}`);
    if (baseline) log(`baseline: ${baseline.ref} = ${baseline.commit}`);
    database = await startDatabase({ baseDir: join(tmpRoot, 'pg'), scale: opts.scale, pgbenchBin, log });
    const targets: Target[] = [];
    if (opts.targets.includes('direct')) targets.push(database.target);
    status.direct = { available: opts.targets.includes('direct'), version: database.target.version ?? '' };

    const optional: [TargetName, () => Promise<Target>][] = [
      ['pgbouncer', () => startPgbouncer({ dir: join(tmpRoot, 'pgbouncer'), database: database as Database, pgbenchBin })],
      ['broker', () => startBroker({ repoRoot, dir: join(tmpRoot, 'broker'), database: database as Database, pgbenchBin, build: opts.build, log })],
      ['node-pipe', () => startNodePipe({ repoRoot, dir: join(tmpRoot, 'node-pipe'), database: database as Database, pgbenchBin })],
      [
        'baseline',
        () =>
          startBaseline({
            repoRoot,
            baseline: baseline as BaselineRef,
            srcDir: join(tmpRoot, 'baseline-src'),
            dir: join(tmpRoot, 'baseline'),
            database: database as Database,
            pgbenchBin,
            log,
            warn,
          }),
      ],
    ];
    for (const [name, start] of optional) {
      if (!opts.targets.includes(name) || interrupted) continue;
      log(`starting ${name} ...`);
      try {
        const t = await start();
        started.push(t);
        targets.push(t);
        status[name] = { available: true, ...(t.version ? { version: t.version } : {}) };
        log(`  ${name} ready${t.version ? ` (${t.version})` : ''}`);
      } catch (e) {
        const reason = (e as Error).message;
        status[name] = { available: false, reason };
        warn(`${name} target unavailable: ${reason}`);
        if (!(e instanceof Unavailable)) warn(`  (unexpected error; continuing without ${name})`);
      }
    }
    if (targets.length === 0) throw new Error('no target available');
    if (interrupted) throw new Error('interrupted');

    // Warm-up: JIT, caches and pools of every target, not recorded.
    const warmCase: BenchCase = { id: 'warm-up', workload: 'select-only', protocol: 'extended', clients: 4 };
    log(`warm-up (${Math.min(2, opts.seconds)} s per target) ...`);
    for (const t of targets) {
      if (interrupted) break;
      await measure(t, warmCase, Math.min(2, opts.seconds), pgbenchBin, 0);
    }

    const total = cases.length * targets.length * opts.rounds;
    const estimate = Math.round((total * (opts.seconds + 0.4)) / 60);
    log(`running ${total} pgbench runs (about ${estimate || '<1'} min) ...`);
    const dead = new Set<TargetName>();
    let n = 0;
    for (let round = 1; round <= opts.rounds && !interrupted; round++) {
      for (const t of targets) {
        if (dead.has(t.name) || !t.refresh) continue;
        try {
          await t.refresh();
        } catch (e) {
          warn(`  ${t.name}: refresh failed: ${(e as Error).message}`);
        }
      }
      for (const c of cases) {
        if (interrupted) break;
        // Rotate the order each round so no target always runs right after another one.
        const shift = (round - 1) % targets.length;
        const order = [...targets.slice(shift), ...targets.slice(0, shift)];
        for (const t of order) {
          if (interrupted) break;
          n++;
          const prefix = `[${elapsed(t0)}] round ${round}/${opts.rounds}  ${String(n).padStart(3)}/${total}  ${c.id.padEnd(26)} ${t.name.padEnd(9)}`;
          if (dead.has(t.name)) {
            runs.push({ round, caseId: c.id, target: t.name, ok: false, wallMs: 0, error: `${t.name} is no longer running` });
            log(`${prefix}  skipped (${t.name} is no longer running)`);
            continue;
          }
          await resetForWrites(database, c.workload);
          const r = await measure(t, c, opts.seconds, pgbenchBin, round);
          if (interrupted) break; // the run was cut short: not a result
          runs.push(r);
          log(progressLine(prefix, r));
          const health = t.health();
          if (health) {
            dead.add(t.name);
            warn(`${t.name} died; its remaining runs are skipped:\n${health}`);
          }
        }
      }
    }
  } catch (e) {
    if (!interrupted) fatal = e;
  } finally {
    for (const t of started.reverse()) await t.stop().catch(() => undefined);
    await stopAll();
    if (database) await database.db.stop().catch(() => undefined);
    rmSync(tmpRoot, { recursive: true, force: true });
  }

  if (fatal) {
    warn(`bench failed: ${fatal instanceof Error ? fatal.message : String(fatal)}`);
    return 1;
  }
  if (runs.length === 0) return interrupted ? 130 : 1;

  const shownTargets = TARGET_NAMES.filter((t) => opts.targets.includes(t) && status[t]?.available);
  const summaries = summarize(cases, shownTargets, runs);
  const brokerNote = !opts.targets.includes('broker')
    ? 'broker not among --targets'
    : status.broker?.available
      ? undefined
      : `broker target unavailable${status.broker?.reason ? `: ${status.broker.reason}` : ''}`;
  const checks = checkGoals(summaries, brokerNote);
  const pipeReference = shownTargets.includes('node-pipe') ? nodePipeReference(summaries) : undefined;
  const vsBaseline = baseline && shownTargets.includes('baseline') ? compareWithBaseline(summaries, runs) : undefined;

  log('');
  const baselineLegend = baseline && vsBaseline ? `; baseline = the broker built from ${describeBaseline(baseline)}` : '';
  log(`Results (median of ${opts.rounds} round(s) × ${opts.seconds} s; tps = transactions/s; pgb = pgbouncer, pipe = node-pipe (a bare Node.js TCP pipe)${baselineLegend}; +ms/stmt = added latency per statement vs direct at 1 client; µs/tx = CPU of that process per transaction; spread = largest (max − min) / median tps over the rounds)`);
  log('');
  log(renderSummary(summaries, shownTargets));
  log('');
  log(renderChecks(checks, pipeReference));
  if (baseline && vsBaseline) {
    log('');
    log(renderBaselineComparison(baseline, vsBaseline));
  }
  if (!status.pgbouncer?.available && opts.targets.includes('pgbouncer')) log(`\npgbouncer was skipped: ${status.pgbouncer?.reason ?? PGBOUNCER_INSTALL_HINT}`);
  if (!status['node-pipe']?.available && opts.targets.includes('node-pipe')) log(`\nnode-pipe was skipped: ${(status['node-pipe']?.reason ?? 'unknown reason').split('\n')[0]}`);
  if (brokerNote && opts.targets.includes('broker')) log(`\n${brokerNote.split('\n')[0]}`);
  if (!status.baseline?.available && opts.targets.includes('baseline')) log(`\nbaseline was skipped: ${(status.baseline?.reason ?? 'unknown reason').split('\n')[0]}`);

  const outPath = isAbsolute(opts.out) ? opts.out : join(repoRoot, opts.out);
  writeReport(outPath, {
    schemaVersion: 1,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    interrupted,
    options: opts,
    environment: {
      node: process.version,
      platform: `${process.platform} ${release()}`,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      cpuCount: cpus().length,
      clockTicksPerSecond: cpuOk ? clockTicksPerSecond() : undefined,
      pgbench: await pgbenchVersion(pgbenchBin),
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: loadavg()[0],
    },
    targets: status,
    goals: GOALS,
    cases: summaries,
    checks,
    ...(pipeReference ? { nodePipeReference: pipeReference } : {}),
    ...(baseline ? { baseline: { ref: baseline.ref, commit: baseline.commit, version: baselineVersion(baseline) } } : {}),
    ...(vsBaseline ? { baselineComparison: vsBaseline } : {}),
    runs,
  });
  log(`\nwritten ${outPath} (total ${elapsed(t0)})`);
  return interrupted ? 130 : 0;
}

function onSignal(sig: NodeJS.Signals): void {
  if (interrupted) {
    killAllNow('SIGKILL');
    process.exit(130);
  }
  interrupted = true;
  warn(`\n${sig}: stopping pgbench, pgbouncer, the broker, node-pipe and PostgreSQL ...`);
  // Stop the children now; the main loop notices `interrupted` and cleans up the rest.
  killAllNow('SIGTERM');
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    warn(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    killAllNow('SIGKILL');
    process.exit(1);
  },
);
