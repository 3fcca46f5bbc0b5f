/**
 * Turning individual pgbench runs into the summary table, the pass/fail targets and the JSON file.
 * Every figure is the median over rounds, so one noisy run does not decide anything.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BenchCase, BenchOptions } from './options.js';
import { STATEMENTS_PER_TX } from './pgbench.js';
import type { TargetName } from './targets.js';

/** Targets from the performance issue. */
export const GOALS = {
  /** broker tps ≥ this × pgbouncer tps, select-only at 16 clients, every protocol. */
  minThroughputVsPgbouncer: 0.75,
  /** broker CPU per select-only transaction. */
  maxBrokerCpuUsPerSelectTx: 40,
  /** added latency per statement at 1 client, in ms. */
  maxAddedMsPerStatement: 0.1,
} as const;

export interface RunRecord {
  readonly round: number;
  readonly caseId: string;
  readonly target: TargetName;
  readonly ok: boolean;
  readonly tps?: number;
  readonly latencyMs?: number;
  readonly transactions?: number;
  /** CPU of the target's own process group during the run (pgbouncer, broker). */
  readonly cpuUs?: number;
  readonly cpuUsPerTx?: number;
  readonly wallMs: number;
  readonly error?: string;
  /** Set when the target's process was found dead after this run. */
  readonly targetDied?: string;
}

export interface TargetStats {
  readonly runs: number;
  readonly okRuns: number;
  readonly tps?: number;
  readonly tpsMin?: number;
  readonly tpsMax?: number;
  readonly latencyMs?: number;
  readonly cpuUsPerTx?: number;
}

export interface CaseSummary {
  readonly case: BenchCase;
  readonly statementsPerTx: number;
  readonly targets: Partial<Record<TargetName, TargetStats>>;
  readonly brokerVsDirect?: number;
  readonly brokerVsPgbouncer?: number;
  readonly pgbouncerVsDirect?: number;
  /** How far the broker is from a bare Node.js pipe: what its own work costs in throughput. */
  readonly brokerVsNodePipe?: number;
  readonly nodePipeVsPgbouncer?: number;
  /** broker ÷ baseline (the broker built from `--baseline REF`): above 1, this checkout is faster. */
  readonly brokerVsBaseline?: number;
  /** (broker − direct latency) / statements per transaction; meaningful at 1 client. */
  readonly brokerAddedMsPerStatement?: number;
  readonly pgbouncerAddedMsPerStatement?: number;
  readonly nodePipeAddedMsPerStatement?: number;
  readonly baselineAddedMsPerStatement?: number;
}

export interface GoalCheck {
  readonly goal: string;
  readonly caseId: string;
  readonly value?: number;
  readonly limit: number;
  readonly unit: string;
  readonly status: 'PASS' | 'FAIL' | 'n/a';
  /** The same measure for pgbouncer, for perspective (not judged). */
  readonly pgbouncer?: number;
  readonly note?: string;
}

export function median(values: readonly number[]): number | undefined {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : ((v[mid - 1] ?? 0) + (v[mid] ?? 0)) / 2;
}

function stats(runs: readonly RunRecord[]): TargetStats {
  const ok = runs.filter((r) => r.ok);
  const tps = ok.map((r) => r.tps ?? Number.NaN).filter(Number.isFinite);
  const pick = (f: (r: RunRecord) => number | undefined) => median(ok.map((r) => f(r) ?? Number.NaN));
  const t = median(tps);
  const lat = pick((r) => r.latencyMs);
  const cpu = pick((r) => r.cpuUsPerTx);
  return {
    runs: runs.length,
    okRuns: ok.length,
    ...(t !== undefined ? { tps: t, tpsMin: Math.min(...tps), tpsMax: Math.max(...tps) } : {}),
    ...(lat !== undefined ? { latencyMs: lat } : {}),
    ...(cpu !== undefined ? { cpuUsPerTx: cpu } : {}),
  };
}

const ratio = (a?: number, b?: number) => (a !== undefined && b !== undefined && b > 0 ? a / b : undefined);

export function summarize(cases: readonly BenchCase[], targets: readonly TargetName[], runs: readonly RunRecord[]): CaseSummary[] {
  return cases.map((c) => {
    const per: Partial<Record<TargetName, TargetStats>> = {};
    for (const t of targets) per[t] = stats(runs.filter((r) => r.caseId === c.id && r.target === t));
    const n = STATEMENTS_PER_TX[c.workload];
    const added = (t: TargetName) => {
      const a = per[t]?.latencyMs;
      const d = per.direct?.latencyMs;
      return c.clients === 1 && a !== undefined && d !== undefined ? (a - d) / n : undefined;
    };
    const opt = <K extends string>(k: K, v: number | undefined) => (v === undefined ? {} : ({ [k]: v } as Record<K, number>));
    return {
      case: c,
      statementsPerTx: n,
      targets: per,
      ...opt('brokerVsDirect', ratio(per.broker?.tps, per.direct?.tps)),
      ...opt('brokerVsPgbouncer', ratio(per.broker?.tps, per.pgbouncer?.tps)),
      ...opt('pgbouncerVsDirect', ratio(per.pgbouncer?.tps, per.direct?.tps)),
      ...opt('brokerVsNodePipe', ratio(per.broker?.tps, per['node-pipe']?.tps)),
      ...opt('nodePipeVsPgbouncer', ratio(per['node-pipe']?.tps, per.pgbouncer?.tps)),
      ...opt('brokerVsBaseline', ratio(per.broker?.tps, per.baseline?.tps)),
      ...opt('brokerAddedMsPerStatement', added('broker')),
      ...opt('pgbouncerAddedMsPerStatement', added('pgbouncer')),
      ...opt('nodePipeAddedMsPerStatement', added('node-pipe')),
      ...opt('baselineAddedMsPerStatement', added('baseline')),
    };
  });
}

/** Which cases each target from the issue judges (shared with the node-pipe reference figures). */
const judges = {
  throughput: (c: BenchCase) => c.workload === 'select-only' && c.clients === 16,
  cpu: (c: BenchCase) => c.workload === 'select-only',
  latency: (c: BenchCase) => c.clients === 1,
};

export function checkGoals(summaries: readonly CaseSummary[], brokerNote: string | undefined): GoalCheck[] {
  const checks: GoalCheck[] = [];
  const status = (value: number | undefined, ok: (v: number) => boolean): GoalCheck['status'] =>
    value === undefined ? 'n/a' : ok(value) ? 'PASS' : 'FAIL';
  const ref = (v: number | undefined) => (v === undefined ? {} : { pgbouncer: v });
  const na = (value: number | undefined, why: string) => (value === undefined ? { note: brokerNote ?? why } : {});
  for (const s of summaries) {
    const c = s.case;
    if (judges.throughput(c)) {
      const v = s.brokerVsPgbouncer;
      checks.push({
        goal: `broker ≥ ${GOALS.minThroughputVsPgbouncer}× pgbouncer throughput`,
        caseId: c.id,
        ...(v !== undefined ? { value: v } : {}),
        limit: GOALS.minThroughputVsPgbouncer,
        unit: '×',
        status: status(v, (x) => x >= GOALS.minThroughputVsPgbouncer),
        ...na(v, 'no successful broker or pgbouncer run'),
      });
    }
    if (judges.cpu(c)) {
      const v = s.targets.broker?.cpuUsPerTx;
      checks.push({
        goal: `broker CPU ≤ ${GOALS.maxBrokerCpuUsPerSelectTx} µs per select-only transaction`,
        caseId: c.id,
        ...(v !== undefined ? { value: v } : {}),
        limit: GOALS.maxBrokerCpuUsPerSelectTx,
        unit: 'µs',
        status: status(v, (x) => x <= GOALS.maxBrokerCpuUsPerSelectTx),
        ...ref(s.targets.pgbouncer?.cpuUsPerTx),
        ...na(v, 'no successful broker run (or no CPU sample)'),
      });
    }
    if (judges.latency(c)) {
      const v = s.brokerAddedMsPerStatement;
      checks.push({
        goal: `≤ ${GOALS.maxAddedMsPerStatement} ms added per statement at 1 client`,
        caseId: c.id,
        ...(v !== undefined ? { value: v } : {}),
        limit: GOALS.maxAddedMsPerStatement,
        unit: 'ms',
        status: status(v, (x) => x <= GOALS.maxAddedMsPerStatement),
        ...ref(s.pgbouncerAddedMsPerStatement),
        ...na(v, 'no successful broker or direct run'),
      });
    }
  }
  return checks;
}

/**
 * node-pipe's figures for the measures the targets judge, on the same cases. Not judged: they
 * show whether a target is below what a bare Node.js proxy achieves on this machine at all.
 */
export interface ReferenceFigures {
  readonly caseId: string;
  /** tps ÷ pgbouncer tps (select-only, 16 clients). */
  readonly vsPgbouncer?: number;
  /** CPU µs per transaction (select-only). */
  readonly cpuUsPerTx?: number;
  /** Added ms per statement (1 client). */
  readonly addedMsPerStatement?: number;
}

export function nodePipeReference(summaries: readonly CaseSummary[]): ReferenceFigures[] {
  const out: ReferenceFigures[] = [];
  for (const s of summaries) {
    const c = s.case;
    if (!judges.throughput(c) && !judges.cpu(c) && !judges.latency(c)) continue;
    const pick = (judged: boolean, v: number | undefined) => (judged ? v : undefined);
    const vs = pick(judges.throughput(c), s.nodePipeVsPgbouncer);
    const cpu = pick(judges.cpu(c), s.targets['node-pipe']?.cpuUsPerTx);
    const added = pick(judges.latency(c), s.nodePipeAddedMsPerStatement);
    out.push({
      caseId: c.id,
      ...(vs !== undefined ? { vsPgbouncer: vs } : {}),
      ...(cpu !== undefined ? { cpuUsPerTx: cpu } : {}),
      ...(added !== undefined ? { addedMsPerStatement: added } : {}),
    });
  }
  return out;
}

/**
 * This checkout's broker against the baseline build, per case: the ratio and the difference of
 * the medians (as in the tables), and the same two round by round — both ran in every round, a
 * few seconds apart — so the spread of those shows whether a difference stands out of the noise.
 */
export interface BaselineComparison {
  readonly caseId: string;
  /** broker ÷ baseline tps. */
  readonly tpsRatio?: number;
  /** broker − baseline CPU µs per transaction: negative when this checkout costs less. */
  readonly cpuUsPerTxDiff?: number;
  /** Rounds in which both had a successful run. */
  readonly pairedRounds: number;
  /** Lowest and highest per-round broker ÷ baseline tps (at least two paired rounds). */
  readonly tpsRatioRange?: readonly [number, number];
  /** Lowest and highest per-round broker − baseline µs/tx (at least two paired rounds). */
  readonly cpuUsPerTxDiffRange?: readonly [number, number];
}

export function compareWithBaseline(summaries: readonly CaseSummary[], runs: readonly RunRecord[]): BaselineComparison[] {
  const range = (v: readonly number[]): readonly [number, number] | undefined => (v.length > 1 ? [Math.min(...v), Math.max(...v)] : undefined);
  return summaries.map((s) => {
    const ok = (t: TargetName) => new Map(runs.filter((r) => r.ok && r.caseId === s.case.id && r.target === t).map((r) => [r.round, r]));
    const broker = ok('broker');
    const baseline = ok('baseline');
    const ratios: number[] = [];
    const diffs: number[] = [];
    let paired = 0;
    for (const [round, b] of broker) {
      const a = baseline.get(round);
      if (!a) continue;
      paired++;
      const r = ratio(b.tps, a.tps);
      if (r !== undefined) ratios.push(r);
      if (b.cpuUsPerTx !== undefined && a.cpuUsPerTx !== undefined) diffs.push(b.cpuUsPerTx - a.cpuUsPerTx);
    }
    const cpuB = s.targets.broker?.cpuUsPerTx;
    const cpuA = s.targets.baseline?.cpuUsPerTx;
    const tpsRange = range(ratios);
    const cpuRange = range(diffs);
    return {
      caseId: s.case.id,
      ...(s.brokerVsBaseline !== undefined ? { tpsRatio: s.brokerVsBaseline } : {}),
      ...(cpuB !== undefined && cpuA !== undefined ? { cpuUsPerTxDiff: cpuB - cpuA } : {}),
      pairedRounds: paired,
      ...(tpsRange ? { tpsRatioRange: tpsRange } : {}),
      ...(cpuRange ? { cpuUsPerTxDiffRange: cpuRange } : {}),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// text output

function fmt(v: number | undefined, digits: number): string {
  if (v === undefined || !Number.isFinite(v)) return '—';
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function table(header: readonly string[], rows: readonly (readonly string[])[], leftCols = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i < leftCols ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Largest (max − min) / median of tps over the rounds among the case's targets: how noisy the case was. */
export function spread(s: CaseSummary, targets: readonly TargetName[]): number | undefined {
  const values = targets
    .map((t) => s.targets[t])
    .filter((st): st is TargetStats => !!st && st.okRuns > 1 && st.tps !== undefined && st.tps > 0)
    .map((st) => ((st.tpsMax ?? 0) - (st.tpsMin ?? 0)) / (st.tps ?? 1));
  return values.length ? Math.max(...values) : undefined;
}

function spreadOf(s: CaseSummary, targets: readonly TargetName[]): string {
  const v = spread(s, targets);
  return v === undefined ? '—' : `${Math.round(v * 100)}%`;
}

/** With an explicit sign, the minus a real one: `+1.2`, `−3.1`. */
function signed(v: number, digits: number): string {
  return `${v < 0 ? '−' : '+'}${fmt(Math.abs(v), digits)}`;
}

/** Short column names: the tables are wide enough already. */
const SHORT: Record<TargetName, string> = { direct: 'direct', pgbouncer: 'pgb', broker: 'broker', 'node-pipe': 'pipe', baseline: 'baseline' };

/**
 * Three tables, one row per case each: throughput (tps and the ratios between targets), what each
 * proxy costs (added latency per statement, CPU per transaction), and pgbench's latency.
 */
export function renderSummary(summaries: readonly CaseSummary[], targets: readonly TargetName[]): string {
  const has = (t: TargetName) => targets.includes(t);
  const proxies = (['broker', 'pgbouncer', 'node-pipe', 'baseline'] as const).filter(has);
  const caseLabel = (s: CaseSummary) => `${s.case.workload.padEnd(13)} ${s.case.protocol.padEnd(8)} c=${s.case.clients}`;
  const failedMark = (st?: TargetStats) => (st && st.okRuns < st.runs ? `(${st.runs - st.okRuns} failed) ` : '');

  const ratios: [string, (s: CaseSummary) => number | undefined, boolean][] = [
    ['broker/direct', (s) => s.brokerVsDirect, has('broker') && has('direct')],
    ['broker/pgb', (s) => s.brokerVsPgbouncer, has('broker') && has('pgbouncer')],
    ['pgb/direct', (s) => s.pgbouncerVsDirect, has('pgbouncer') && has('direct')],
    ['broker/pipe', (s) => s.brokerVsNodePipe, has('broker') && has('node-pipe')],
    ['pipe/pgb', (s) => s.nodePipeVsPgbouncer, has('node-pipe') && has('pgbouncer')],
    ['broker/baseline', (s) => s.brokerVsBaseline, has('broker') && has('baseline')],
  ];
  const shownRatios = ratios.filter(([, , shown]) => shown);
  const throughput = table(
    ['case (throughput)', ...targets.map((t) => `${t} tps`), ...shownRatios.map(([h]) => h), 'spread'],
    summaries.map((s) => [
      caseLabel(s),
      ...targets.map((name) => failedMark(s.targets[name]) + fmt(s.targets[name]?.tps, 0)),
      ...shownRatios.map(([, f]) => fmt(f(s), 2)),
      spreadOf(s, targets),
    ]),
  );

  const added: Record<(typeof proxies)[number], (s: CaseSummary) => number | undefined> = {
    broker: (s) => s.brokerAddedMsPerStatement,
    pgbouncer: (s) => s.pgbouncerAddedMsPerStatement,
    'node-pipe': (s) => s.nodePipeAddedMsPerStatement,
    baseline: (s) => s.baselineAddedMsPerStatement,
  };
  // The broker's CPU above the bare pipe's: what its own work (framing, analysis, rules,
  // recording) costs per transaction, with the sockets' share taken out.
  const ownWork = has('broker') && has('node-pipe');
  // This checkout's CPU above the other build's: what the change between them costs (or saves).
  const vsBaseline = has('broker') && has('baseline');
  const cost = proxies.length
    ? table(
        [
          'case (cost of the proxy)',
          ...proxies.map((p) => `${SHORT[p]} +ms/stmt`),
          ...proxies.map((p) => `${SHORT[p]} µs/tx`),
          ...(ownWork ? ['broker−pipe µs/tx'] : []),
          ...(vsBaseline ? ['broker−baseline µs/tx'] : []),
        ],
        summaries.map((s) => {
          const broker = s.targets.broker?.cpuUsPerTx;
          const pipe = s.targets['node-pipe']?.cpuUsPerTx;
          const baseline = s.targets.baseline?.cpuUsPerTx;
          return [
            caseLabel(s),
            ...proxies.map((p) => fmt(added[p](s), 3)),
            ...proxies.map((p) => fmt(s.targets[p]?.cpuUsPerTx, 1)),
            ...(ownWork ? [fmt(broker !== undefined && pipe !== undefined ? broker - pipe : undefined, 1)] : []),
            ...(vsBaseline ? [fmt(broker !== undefined && baseline !== undefined ? broker - baseline : undefined, 1)] : []),
          ];
        }),
      )
    : undefined;

  const latency = table(
    ['case (latency, ms per transaction)', ...targets.map((t) => `${t} ms`)],
    summaries.map((s) => [caseLabel(s), ...targets.map((name) => fmt(s.targets[name]?.latencyMs, 3))]),
  );
  return [throughput, cost, latency].filter((t): t is string => t !== undefined).join('\n\n');
}

/** The targets with their verdicts, then node-pipe's figures for the same measures when given. */
export function renderChecks(checks: readonly GoalCheck[], nodePipe?: readonly ReferenceFigures[]): string {
  const out: string[] = ['Targets from the issue:'];
  const goals = [...new Set(checks.map((c) => c.goal))];
  for (const goal of goals) {
    const mine = checks.filter((c) => c.goal === goal);
    const verdict = mine.some((c) => c.status === 'FAIL') ? 'FAIL' : mine.every((c) => c.status === 'PASS') ? 'PASS' : mine.some((c) => c.status === 'PASS') ? 'PASS (partly measured)' : 'n/a';
    out.push(`  ${goal}: ${verdict}`);
    const show = (c: GoalCheck, v: number | undefined) =>
      v === undefined ? '—' : `${fmt(v, c.unit === 'ms' ? 3 : c.unit === '×' ? 2 : 1)} ${c.unit}`;
    const rows = mine.map((c) => [
      `    ${c.status}`,
      c.caseId,
      show(c, c.value),
      c.pgbouncer === undefined ? '' : `(pgbouncer: ${show(c, c.pgbouncer)})`,
    ]);
    // Without a value the reason is the same for every row: say it once.
    const notes = [...new Set(mine.filter((c) => c.value === undefined && c.note).map((c) => (c.note ?? '').split('\n')[0] ?? ''))];
    if (mine.every((c) => c.value === undefined && c.pgbouncer === undefined)) out.push(`    n/a — ${notes.join('; ')}`);
    else {
      for (const r of rows) out.push(`${(r[0] ?? '').padEnd(8)}  ${(r[1] ?? '').padEnd(26)}  ${(r[2] ?? '').padStart(10)}  ${r[3] ?? ''}`.trimEnd());
      if (notes.length) out.push(`    (n/a: ${notes.join('; ')})`);
    }
  }
  if (nodePipe) out.push(...renderReference('node-pipe', nodePipe));
  return out.join('\n');
}

function renderReference(name: string, figures: readonly ReferenceFigures[]): string[] {
  const lines = figures
    .map((f) => {
      const parts = [
        f.vsPgbouncer !== undefined ? `${fmt(f.vsPgbouncer, 2)}× pgbouncer` : undefined,
        f.cpuUsPerTx !== undefined ? `${fmt(f.cpuUsPerTx, 1)} µs/tx` : undefined,
        f.addedMsPerStatement !== undefined ? `${f.addedMsPerStatement >= 0 ? '+' : ''}${fmt(f.addedMsPerStatement, 3)} ms` : undefined,
      ].filter((p): p is string => p !== undefined);
      return parts.length ? `${' '.repeat(8)}  ${f.caseId.padEnd(26)}  ${parts.join(', ')}` : undefined;
    })
    .filter((l): l is string => l !== undefined);
  const title = `  ${name} (reference, no checks)`;
  return lines.length ? [`${title}:`, ...lines] : [`${title}: n/a — no successful ${name} run on the judged cases`];
}

/** True when the ref given to `--baseline` is the commit id itself (or a prefix): no need to show both. */
export function refIsCommitId(b: { readonly ref: string; readonly commit: string }): boolean {
  return /^[0-9a-f]{4,}$/i.test(b.ref) && b.commit.startsWith(b.ref.toLowerCase());
}

/**
 * The block printed after the targets when the baseline ran, one line per case, e.g.
 * `select-only/simple/c16      1.04× tps, −3.1 µs/tx  (per round: 0.97–1.10×, −6.0 to +1.2 µs/tx)`.
 */
export function renderBaselineComparison(baseline: { readonly ref: string; readonly commit: string }, comparisons: readonly BaselineComparison[]): string {
  const short = baseline.commit.slice(0, 7);
  const title = `broker vs baseline (${refIsCommitId(baseline) ? short : `${baseline.ref} = ${short}`})`;
  const lines = comparisons
    .map((c) => {
      const main = [
        c.tpsRatio !== undefined ? `${fmt(c.tpsRatio, 2)}× tps` : undefined,
        c.cpuUsPerTxDiff !== undefined ? `${signed(c.cpuUsPerTxDiff, 1)} µs/tx` : undefined,
      ].filter((p): p is string => p !== undefined);
      if (main.length === 0) return undefined;
      const perRound = [
        c.tpsRatioRange ? `${fmt(c.tpsRatioRange[0], 2)}–${fmt(c.tpsRatioRange[1], 2)}×` : undefined,
        c.cpuUsPerTxDiffRange ? `${signed(c.cpuUsPerTxDiffRange[0], 1)} to ${signed(c.cpuUsPerTxDiffRange[1], 1)} µs/tx` : undefined,
      ].filter((p): p is string => p !== undefined);
      return `  ${c.caseId.padEnd(26)}  ${main.join(', ')}${perRound.length ? `  (per round: ${perRound.join(', ')})` : ''}`;
    })
    .filter((l): l is string => l !== undefined);
  return lines.length ? [`${title}:`, ...lines].join('\n') : `${title}: n/a — no case where both the broker and the baseline ran successfully`;
}

// ---------------------------------------------------------------------------------------------
// JSON

export interface BenchReport {
  readonly schemaVersion: 1;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly interrupted: boolean;
  readonly options: BenchOptions;
  readonly environment: Record<string, unknown>;
  readonly targets: Record<string, { available: boolean; version?: string; reason?: string }>;
  readonly goals: typeof GOALS;
  readonly cases: readonly CaseSummary[];
  readonly checks: readonly GoalCheck[];
  /** node-pipe's figures for the judged measures (not judged themselves); absent without node-pipe. */
  readonly nodePipeReference?: readonly ReferenceFigures[];
  /** With `--baseline REF`: what REF resolved to, and the broker against it per case. */
  readonly baseline?: { readonly ref: string; readonly commit: string; readonly version: string };
  readonly baselineComparison?: readonly BaselineComparison[];
  readonly runs: readonly RunRecord[];
}

export function writeReport(path: string, report: BenchReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}
