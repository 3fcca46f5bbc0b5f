import { describe, expect, it } from 'vitest';
import type { BenchCase } from '../../../../broker/bench/options.js';
import {
  checkGoals,
  compareWithBaseline,
  nodePipeReference,
  renderBaselineComparison,
  renderChecks,
  renderSummary,
  summarize,
  type CaseSummary,
  type RunRecord,
} from '../../../../broker/bench/report.js';
import type { TargetName } from '../../../../broker/bench/targets.js';

const ALL: readonly TargetName[] = ['direct', 'pgbouncer', 'broker', 'node-pipe'];
const WITH_BASELINE: readonly TargetName[] = [...ALL, 'baseline'];

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

/** Figures per case: direct, pgbouncer, broker, node-pipe, baseline as [tps, latency ms, CPU µs/tx]. */
const FIGURES: [BenchCase, Record<TargetName, [number, number, number?]>][] = [
  [SEL1, { direct: [6000, 0.16], pgbouncer: [5000, 0.2, 52], broker: [3000, 0.33, 130], 'node-pipe': [4500, 0.21, 80], baseline: [2800, 0.35, 134] }],
  [SEL16, { direct: [24000, 0.66], pgbouncer: [16000, 1.0, 22], broker: [10400, 1.6, 57], 'node-pipe': [12800, 1.25, 48], baseline: [10000, 1.66, 60] }],
  [UPD1, { direct: [1000, 1.0], pgbouncer: [900, 1.1, 200], broker: [700, 1.45, 500], 'node-pipe': [850, 1.25, 300], baseline: [680, 1.5, 510] }],
  [UPD16, { direct: [5000, 3.2], pgbouncer: [3500, 4.5, 110], broker: [2000, 8, 320], 'node-pipe': [3000, 5.3, 150], baseline: [2100, 7.6, 300] }],
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

/** A rendered table's header cells, and the cells of the row whose case matches `label`. */
const headerOf = (tableText: string) => tableText.split('\n')[0]?.split(/\s{2,}/) ?? [];
const rowOf = (tableText: string, label: RegExp) =>
  tableText
    .split('\n')
    .find((l) => label.test(l))
    ?.replace(/^\S+\s+\S+\s+c=\d+\s+/, '')
    .split(/\s{2,}/) ?? [];

describe('bench report: tables', () => {
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

describe('bench report: baseline (the broker built from --baseline REF)', () => {
  const REF = { ref: 'HEAD~3', commit: '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d' };

  it('computes broker ÷ baseline and the baseline\'s added latency, and leaves them out without it', () => {
    const [sel1, sel16] = fixture(WITH_BASELINE);
    expect(sel16?.brokerVsBaseline).toBeCloseTo(10400 / 10000, 6);
    expect(sel16?.targets.baseline?.cpuUsPerTx).toBe(60);
    expect(sel1?.baselineAddedMsPerStatement).toBeCloseTo(0.19, 6);
    expect(sel16?.baselineAddedMsPerStatement).toBeUndefined();
    const [plain] = fixture();
    expect(plain).not.toHaveProperty('brokerVsBaseline');
    expect(plain).not.toHaveProperty('baselineAddedMsPerStatement');
    expect(plain?.targets).not.toHaveProperty('baseline');
  });

  it('adds baseline tps, broker/baseline, baseline +ms/stmt, baseline µs/tx and broker−baseline µs/tx', () => {
    const [throughput = '', cost = '', latency = ''] = renderSummary(fixture(WITH_BASELINE), WITH_BASELINE).split('\n\n');
    expect(headerOf(throughput)).toEqual([
      'case (throughput)',
      'direct tps',
      'pgbouncer tps',
      'broker tps',
      'node-pipe tps',
      'baseline tps',
      'broker/direct',
      'broker/pgb',
      'pgb/direct',
      'broker/pipe',
      'pipe/pgb',
      'broker/baseline',
      'spread',
    ]);
    expect(rowOf(throughput, /select-only\s+simple\s+c=16/)).toEqual(['24,000', '16,000', '10,400', '12,800', '10,000', '0.43', '0.65', '0.67', '0.81', '0.80', '1.04', '—']);

    expect(headerOf(cost)).toEqual([
      'case (cost of the proxy)',
      'broker +ms/stmt',
      'pgb +ms/stmt',
      'pipe +ms/stmt',
      'baseline +ms/stmt',
      'broker µs/tx',
      'pgb µs/tx',
      'pipe µs/tx',
      'baseline µs/tx',
      'broker−pipe µs/tx',
      'broker−baseline µs/tx',
    ]);
    expect(rowOf(cost, /select-only\s+simple\s+c=1\s/)).toEqual(['0.170', '0.040', '0.050', '0.190', '130.0', '52.0', '80.0', '134.0', '50.0', '-4.0']);
    expect(rowOf(cost, /simple-update\s+simple\s+c=16/)).toEqual(['—', '—', '—', '—', '320.0', '110.0', '150.0', '300.0', '170.0', '20.0']);

    expect(headerOf(latency)).toEqual(['case (latency, ms per transaction)', 'direct ms', 'pgbouncer ms', 'broker ms', 'node-pipe ms', 'baseline ms']);
  });

  it('compares with the baseline without the other proxies, and shows no broker columns without the broker', () => {
    const [throughput = '', cost = ''] = renderSummary(fixture(['direct', 'broker', 'baseline']), ['direct', 'broker', 'baseline']).split('\n\n');
    expect(headerOf(throughput)).toEqual(['case (throughput)', 'direct tps', 'broker tps', 'baseline tps', 'broker/direct', 'broker/baseline', 'spread']);
    expect(headerOf(cost)).toEqual(['case (cost of the proxy)', 'broker +ms/stmt', 'baseline +ms/stmt', 'broker µs/tx', 'baseline µs/tx', 'broker−baseline µs/tx']);
    const alone = renderSummary(fixture(['direct', 'baseline']), ['direct', 'baseline']);
    expect(alone).not.toMatch(/broker/);
    expect(alone).toContain('baseline µs/tx');
  });

  it('does not change the checks or their output', () => {
    const withBaseline = fixture(WITH_BASELINE);
    const without = fixture();
    expect(checkGoals(withBaseline, undefined)).toEqual(checkGoals(without, undefined));
    expect(renderChecks(checkGoals(withBaseline, undefined), nodePipeReference(withBaseline))).toBe(
      renderChecks(checkGoals(without, undefined), nodePipeReference(without)),
    );
  });

  it('compares per case: the ratio and difference of the medians, and their range over paired rounds', () => {
    const runs: RunRecord[] = [
      // select-only c16: three rounds, both ran in each
      run(SEL16, 'broker', 10400, 1.6, 57, 1),
      run(SEL16, 'broker', 9000, 1.7, 60, 2),
      run(SEL16, 'broker', 11000, 1.5, 55, 3),
      run(SEL16, 'baseline', 10000, 1.6, 60, 1),
      run(SEL16, 'baseline', 9500, 1.7, 58, 2),
      run(SEL16, 'baseline', 10000, 1.6, 62, 3),
      // select-only c1: the baseline failed in round 2 — only rounds 1 and 3 pair up
      run(SEL1, 'broker', 3000, 0.33, 130, 1),
      run(SEL1, 'broker', 3100, 0.32, 128, 2),
      run(SEL1, 'broker', 2900, 0.34, 131, 3),
      run(SEL1, 'baseline', 3000, 0.33, 129, 1),
      { round: 2, caseId: SEL1.id, target: 'baseline', ok: false, wallMs: 10, error: 'boom' },
      run(SEL1, 'baseline', 3200, 0.31, 127, 3),
      // simple-update c1: one round, no range
      run(UPD1, 'broker', 700, 1.45, 500, 1),
      run(UPD1, 'baseline', 700, 1.45, 500, 1),
      // simple-update c16: the baseline never succeeded
      run(UPD16, 'broker', 2000, 8, 320, 1),
      { round: 1, caseId: UPD16.id, target: 'baseline', ok: false, wallMs: 10, error: 'boom' },
    ];
    const summaries = summarize([SEL1, SEL16, UPD1, UPD16], ['broker', 'baseline'], runs);
    const cmp = compareWithBaseline(summaries, runs);
    expect(cmp[1]).toEqual({
      caseId: SEL16.id,
      tpsRatio: expect.closeTo(1.04, 6) as number,
      cpuUsPerTxDiff: -3,
      pairedRounds: 3,
      tpsRatioRange: [expect.closeTo(9000 / 9500, 6), expect.closeTo(1.1, 6)],
      cpuUsPerTxDiffRange: [-7, 2],
    });
    expect(cmp[0]).toMatchObject({ caseId: SEL1.id, pairedRounds: 2, tpsRatioRange: [expect.closeTo(2900 / 3200, 6), 1], cpuUsPerTxDiffRange: [1, 4] });
    expect(cmp[2]).toEqual({ caseId: UPD1.id, tpsRatio: 1, cpuUsPerTxDiff: 0, pairedRounds: 1 });
    expect(cmp[3]).toEqual({ caseId: UPD16.id, pairedRounds: 0 });

    const text = renderBaselineComparison(REF, cmp).split('\n');
    expect(text[0]).toBe('broker vs baseline (HEAD~3 = 1a2b3c4):');
    expect(text.slice(1).map((l) => l.trim().replace(/\s{2,}/g, '  '))).toEqual([
      // medians: broker 3,000 tps / 130 µs, baseline 3,100 / 128
      'select-only/simple/c1  0.97× tps, +2.0 µs/tx  (per round: 0.91–1.00×, +1.0 to +4.0 µs/tx)',
      'select-only/simple/c16  1.04× tps, −3.0 µs/tx  (per round: 0.95–1.10×, −7.0 to +2.0 µs/tx)',
      'simple-update/simple/c1  1.00× tps, +0.0 µs/tx',
    ]);
    expect(text[1]).toMatch(/^ {2}select-only\/simple\/c1 {2,}0\.97× tps/);
  });

  it('names only the commit when the ref is the commit id, and says n/a when nothing compares', () => {
    const none = compareWithBaseline(fixture(['direct', 'broker']), []);
    expect(renderBaselineComparison({ ref: '1a2b3c4', commit: REF.commit }, none)).toBe(
      'broker vs baseline (1a2b3c4): n/a — no case where both the broker and the baseline ran successfully',
    );
  });
});
