import { describe, expect, it } from 'vitest';
import type { BenchCase } from '../../../../broker/bench/options.js';
import {
  checkGoals,
  nodePipeReference,
  renderChecks,
  renderSummary,
  summarize,
  type CaseSummary,
  type RunRecord,
} from '../../../../broker/bench/report.js';
import type { TargetName } from '../../../../broker/bench/targets.js';

const ALL: readonly TargetName[] = ['direct', 'pgbouncer', 'broker', 'node-pipe'];

const kase = (workload: BenchCase['workload'], clients: number, protocol: BenchCase['protocol'] = 'simple'): BenchCase => ({
  id: `${workload}/${protocol}/c${clients}`,
  workload,
  protocol,
  clients,
});

const SEL1 = kase('select-only', 1);
const SEL16 = kase('select-only', 16);
const UPD1 = kase('simple-update', 1);
const UPD16 = kase('simple-update', 16);

function run(c: BenchCase, target: TargetName, tps: number, latencyMs: number, cpuUsPerTx?: number, round = 1): RunRecord {
  return {
    round,
    caseId: c.id,
    target,
    ok: true,
    tps,
    latencyMs,
    transactions: tps * 2,
    ...(cpuUsPerTx !== undefined ? { cpuUs: cpuUsPerTx * tps * 2, cpuUsPerTx } : {}),
    wallMs: 2000,
  };
}

/** Figures per case: direct, pgbouncer, broker, node-pipe as [tps, latency ms, CPU µs/tx]. */
const FIGURES: [BenchCase, Record<TargetName, [number, number, number?]>][] = [
  [SEL1, { direct: [6000, 0.16], pgbouncer: [5000, 0.2, 52], broker: [3000, 0.33, 130], 'node-pipe': [4500, 0.21, 80] }],
  [SEL16, { direct: [24000, 0.66], pgbouncer: [16000, 1.0, 22], broker: [10400, 1.6, 57], 'node-pipe': [12800, 1.25, 48] }],
  [UPD1, { direct: [1000, 1.0], pgbouncer: [900, 1.1, 200], broker: [700, 1.45, 500], 'node-pipe': [850, 1.25, 300] }],
  [UPD16, { direct: [5000, 3.2], pgbouncer: [3500, 4.5, 110], broker: [2000, 8, 320], 'node-pipe': [3000, 5.3, 150] }],
];

function fixture(targets: readonly TargetName[] = ALL): CaseSummary[] {
  const runs = FIGURES.flatMap(([c, per]) => targets.map((t) => run(c, t, ...per[t])));
  return summarize(FIGURES.map(([c]) => c), targets, runs);
}

describe('bench report: node-pipe figures', () => {
  it('computes the node-pipe ratios and its added latency per statement', () => {
    const [sel1, sel16, upd1, upd16] = fixture();
    expect(sel16?.brokerVsNodePipe).toBeCloseTo(10400 / 12800, 6);
    expect(sel16?.nodePipeVsPgbouncer).toBeCloseTo(12800 / 16000, 6);
    expect(sel16?.targets['node-pipe']?.cpuUsPerTx).toBe(48);
    // Added latency only at 1 client, per statement: simple-update has 5 per transaction.
    expect(sel1?.nodePipeAddedMsPerStatement).toBeCloseTo(0.05, 6);
    expect(upd1?.nodePipeAddedMsPerStatement).toBeCloseTo(0.25 / 5, 6);
    expect(sel16?.nodePipeAddedMsPerStatement).toBeUndefined();
    expect(upd16?.nodePipeAddedMsPerStatement).toBeUndefined();
    // The existing figures are unchanged by the new target.
    expect(sel16?.brokerVsPgbouncer).toBeCloseTo(10400 / 16000, 6);
    expect(sel1?.brokerAddedMsPerStatement).toBeCloseTo(0.17, 6);
  });

  it('takes the median over rounds for node-pipe like for the others', () => {
    const runs = [
      run(SEL16, 'pgbouncer', 10000, 1),
      run(SEL16, 'node-pipe', 9000, 1, 40, 1),
      run(SEL16, 'node-pipe', 1000, 1, 90, 2),
      run(SEL16, 'node-pipe', 8000, 1, 50, 3),
    ];
    const [s] = summarize([SEL16], ['pgbouncer', 'node-pipe'], runs);
    expect(s?.targets['node-pipe']).toMatchObject({ runs: 3, okRuns: 3, tps: 8000, tpsMin: 1000, tpsMax: 9000, cpuUsPerTx: 50 });
    expect(s?.nodePipeVsPgbouncer).toBeCloseTo(0.8, 6);
  });

  it('leaves the node-pipe fields out when it did not run', () => {
    const [sel1] = fixture(['direct', 'pgbouncer', 'broker']);
    expect(sel1).not.toHaveProperty('brokerVsNodePipe');
    expect(sel1).not.toHaveProperty('nodePipeVsPgbouncer');
    expect(sel1).not.toHaveProperty('nodePipeAddedMsPerStatement');
    expect(sel1?.targets).not.toHaveProperty('node-pipe');
  });

  it('does not judge node-pipe: the checks are the same with or without it', () => {
    const withPipe = checkGoals(fixture(), undefined);
    const without = checkGoals(fixture(['direct', 'pgbouncer', 'broker']), undefined);
    expect(withPipe).toEqual(without);
    expect(withPipe.map((c) => `${c.status} ${c.unit} ${c.caseId}`)).toEqual([
      'FAIL µs select-only/simple/c1', // 130 µs/tx
      'FAIL ms select-only/simple/c1', // +0.17 ms
      'FAIL × select-only/simple/c16', // 0.65× pgbouncer
      'FAIL µs select-only/simple/c16', // 57 µs/tx
      'PASS ms simple-update/simple/c1', // (1.45 − 1.0) / 5 = +0.09 ms
    ]);
  });
});

describe('bench report: node-pipe reference figures', () => {
  it('gives node-pipe the three judged measures on exactly the judged cases', () => {
    expect(nodePipeReference(fixture())).toEqual([
      // ratio vs pgbouncer is judged at 16 clients only, though it exists at 1 client too
      { caseId: SEL1.id, cpuUsPerTx: 80, addedMsPerStatement: expect.closeTo(0.05, 6) as number },
      { caseId: SEL16.id, vsPgbouncer: expect.closeTo(0.8, 6) as number, cpuUsPerTx: 48 },
      // CPU is judged on select-only only
      { caseId: UPD1.id, addedMsPerStatement: expect.closeTo(0.05, 6) as number },
    ]);
  });

  it('prints them after the three targets, which read exactly as without node-pipe', () => {
    const summaries = fixture();
    const checks = checkGoals(summaries, undefined);
    const plain = renderChecks(checks);
    const withRef = renderChecks(checks, nodePipeReference(summaries));
    expect(withRef.startsWith(`${plain}\n`)).toBe(true);
    const extra = withRef.slice(plain.length + 1).split('\n');
    expect(extra[0]).toBe('  node-pipe (reference, no checks):');
    expect(extra.slice(1).map((l) => l.trim().replace(/\s+/g, ' '))).toEqual([
      'select-only/simple/c1 80.0 µs/tx, +0.050 ms',
      'select-only/simple/c16 0.80× pgbouncer, 48.0 µs/tx',
      'simple-update/simple/c1 +0.050 ms',
    ]);
    expect(plain).not.toContain('node-pipe');
  });

  it('says n/a when node-pipe has no figure on the judged cases', () => {
    const failed: RunRecord[] = FIGURES.flatMap(([c, per]) =>
      ALL.map((t) => (t === 'node-pipe' ? { round: 1, caseId: c.id, target: t, ok: false, wallMs: 10, error: 'boom' } : run(c, t, ...per[t]))),
    );
    const summaries = summarize(FIGURES.map(([c]) => c), ALL, failed);
    const out = renderChecks(checkGoals(summaries, undefined), nodePipeReference(summaries));
    expect(out.split('\n').at(-1)).toBe('  node-pipe (reference, no checks): n/a — no successful node-pipe run on the judged cases');
  });
});

describe('bench report: tables', () => {
  const headerOf = (tableText: string) => tableText.split('\n')[0]?.split(/\s{2,}/) ?? [];
  const rowOf = (tableText: string, label: RegExp) =>
    tableText
      .split('\n')
      .find((l) => label.test(l))
      ?.replace(/^\S+\s+\S+\s+c=\d+\s+/, '')
      .split(/\s{2,}/) ?? [];

  it('splits the summary into throughput, cost and latency tables with node-pipe columns', () => {
    const [throughput = '', cost = '', latency = '', ...rest] = renderSummary(fixture(), ALL).split('\n\n');
    expect(rest).toEqual([]);
    expect(headerOf(throughput)).toEqual([
      'case (throughput)',
      'direct tps',
      'pgbouncer tps',
      'broker tps',
      'node-pipe tps',
      'broker/direct',
      'broker/pgb',
      'pgb/direct',
      'broker/pipe',
      'pipe/pgb',
      'spread',
    ]);
    expect(rowOf(throughput, /select-only\s+simple\s+c=16/)).toEqual(['24,000', '16,000', '10,400', '12,800', '0.43', '0.65', '0.67', '0.81', '0.80', '—']);

    expect(headerOf(cost)).toEqual([
      'case (cost of the proxy)',
      'broker +ms/stmt',
      'pgb +ms/stmt',
      'pipe +ms/stmt',
      'broker µs/tx',
      'pgb µs/tx',
      'pipe µs/tx',
      'broker−pipe µs/tx',
    ]);
    expect(rowOf(cost, /select-only\s+simple\s+c=1\s/)).toEqual(['0.170', '0.040', '0.050', '130.0', '52.0', '80.0', '50.0']);
    expect(rowOf(cost, /select-only\s+simple\s+c=16/)).toEqual(['—', '—', '—', '57.0', '22.0', '48.0', '9.0']);

    expect(headerOf(latency)).toEqual(['case (latency, ms per transaction)', 'direct ms', 'pgbouncer ms', 'broker ms', 'node-pipe ms']);
    expect(rowOf(latency, /simple-update\s+simple\s+c=16/)).toEqual(['3.200', '4.500', '8.000', '5.300']);
  });

  it('shows no node-pipe column when it did not run, and no cost table without a proxy', () => {
    const three = renderSummary(fixture(['direct', 'pgbouncer', 'broker']), ['direct', 'pgbouncer', 'broker']);
    expect(three).not.toMatch(/pipe/);
    expect(headerOf(three.split('\n\n')[1] ?? '')).toEqual(['case (cost of the proxy)', 'broker +ms/stmt', 'pgb +ms/stmt', 'broker µs/tx', 'pgb µs/tx']);
    expect(three).toContain('broker/pgb');
    const directOnly = renderSummary(fixture(['direct']), ['direct']).split('\n\n');
    expect(directOnly.map((t) => headerOf(t)[0])).toEqual(['case (throughput)', 'case (latency, ms per transaction)']);
  });

  it('compares node-pipe with pgbouncer without the broker', () => {
    const text = renderSummary(fixture(['pgbouncer', 'node-pipe']), ['pgbouncer', 'node-pipe']);
    const [throughput = '', cost = ''] = text.split('\n\n');
    expect(headerOf(throughput)).toEqual(['case (throughput)', 'pgbouncer tps', 'node-pipe tps', 'pipe/pgb', 'spread']);
    expect(headerOf(cost)).toEqual(['case (cost of the proxy)', 'pgb +ms/stmt', 'pipe +ms/stmt', 'pgb µs/tx', 'pipe µs/tx']);
  });
});
