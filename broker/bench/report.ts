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
  /** (broker − direct latency) / statements per transaction; meaningful at 1 client. */
  readonly brokerAddedMsPerStatement?: number;
  readonly pgbouncerAddedMsPerStatement?: number;
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
      ...opt('brokerAddedMsPerStatement', added('broker')),
      ...opt('pgbouncerAddedMsPerStatement', added('pgbouncer')),
    };
  });
}

export function checkGoals(summaries: readonly CaseSummary[], brokerNote: string | undefined): GoalCheck[] {
  const checks: GoalCheck[] = [];
  const status = (value: number | undefined, ok: (v: number) => boolean): GoalCheck['status'] =>
    value === undefined ? 'n/a' : ok(value) ? 'PASS' : 'FAIL';
  const ref = (v: number | undefined) => (v === undefined ? {} : { pgbouncer: v });
  const na = (value: number | undefined, why: string) => (value === undefined ? { note: brokerNote ?? why } : {});
  for (const s of summaries) {
    const c = s.case;
    if (c.workload === 'select-only' && c.clients === 16) {
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
    if (c.workload === 'select-only') {
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
    if (c.clients === 1) {
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

export function renderSummary(summaries: readonly CaseSummary[], targets: readonly TargetName[]): string {
  const has = (t: TargetName) => targets.includes(t);
  const header = [
    'case',
    ...targets.map((t) => `${t} tps`),
    ...(has('broker') && has('direct') ? ['broker/direct'] : []),
    ...(has('broker') && has('pgbouncer') ? ['broker/pgb'] : []),
    ...(has('pgbouncer') && has('direct') ? ['pgb/direct'] : []),
    ...(has('broker') ? ['broker +ms/stmt'] : []),
    ...(has('pgbouncer') ? ['pgb +ms/stmt'] : []),
    ...(has('broker') ? ['broker µs/tx'] : []),
    ...(has('pgbouncer') ? ['pgb µs/tx'] : []),
    'spread',
  ];
  const failedMark = (st?: TargetStats) => (st && st.okRuns < st.runs ? `(${st.runs - st.okRuns} failed) ` : '');
  const rows = summaries.map((s) => {
    const t = s.targets;
    return [
      `${s.case.workload.padEnd(13)} ${s.case.protocol.padEnd(8)} c=${s.case.clients}`,
      ...targets.map((name) => failedMark(t[name]) + fmt(t[name]?.tps, 0)),
      ...(has('broker') && has('direct') ? [fmt(s.brokerVsDirect, 2)] : []),
      ...(has('broker') && has('pgbouncer') ? [fmt(s.brokerVsPgbouncer, 2)] : []),
      ...(has('pgbouncer') && has('direct') ? [fmt(s.pgbouncerVsDirect, 2)] : []),
      ...(has('broker') ? [fmt(s.brokerAddedMsPerStatement, 3)] : []),
      ...(has('pgbouncer') ? [fmt(s.pgbouncerAddedMsPerStatement, 3)] : []),
      ...(has('broker') ? [fmt(t.broker?.cpuUsPerTx, 1)] : []),
      ...(has('pgbouncer') ? [fmt(t.pgbouncer?.cpuUsPerTx, 1)] : []),
      spreadOf(s, targets),
    ];
  });
  const latHeader = ['case (latency, ms per transaction)', ...targets.map((t) => `${t} ms`)];
  const latRows = summaries.map((s) => [
    `${s.case.workload.padEnd(13)} ${s.case.protocol.padEnd(8)} c=${s.case.clients}`,
    ...targets.map((name) => fmt(s.targets[name]?.latencyMs, 3)),
  ]);
  return `${table(header, rows)}\n\n${table(latHeader, latRows)}`;
}

export function renderChecks(checks: readonly GoalCheck[]): string {
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
  return out.join('\n');
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
  readonly runs: readonly RunRecord[];
}

export function writeReport(path: string, report: BenchReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}
