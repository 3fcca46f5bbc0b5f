import { describe, expect, it } from 'vitest';
import { USAGE, buildCases, parseOptions, type BenchOptions } from '../../../../broker/bench/options.js';
import { DEFAULT_TARGETS, TARGET_NAMES } from '../../../../broker/bench/targets.js';

function parse(argv: string[]): BenchOptions {
  const o = parseOptions(argv);
  if (o === 'help') throw new Error('unexpected help');
  return o;
}

describe('bench options: targets', () => {
  it('runs every target by default, node-pipe included, in the canonical order', () => {
    expect(parse([]).targets).toEqual(['direct', 'pgbouncer', 'broker', 'node-pipe']);
    expect(parse(['--quick']).targets).toEqual(DEFAULT_TARGETS);
    expect(TARGET_NAMES).toEqual([...DEFAULT_TARGETS, 'baseline']);
  });

  it('selects node-pipe with --targets and keeps the canonical order whatever the given one', () => {
    expect(parse(['--targets', 'node-pipe']).targets).toEqual(['node-pipe']);
    expect(parse(['--targets', 'node-pipe,direct,broker']).targets).toEqual(['direct', 'broker', 'node-pipe']);
    expect(parse(['--targets=node-pipe,pgbouncer,node-pipe']).targets).toEqual(['pgbouncer', 'node-pipe']);
  });

  it('rejects unknown targets and names node-pipe among the allowed ones', () => {
    expect(() => parse(['--targets', 'direct,pipe'])).toThrow(/--targets: unknown value "pipe" \(expected direct, pgbouncer, broker, node-pipe, baseline\)/);
    expect(() => parse(['--targets', ','])).toThrow(/empty list/);
  });

  it('lists node-pipe in --help', () => {
    expect(parseOptions(['--help'])).toBe('help');
    expect(USAGE).toMatch(/--targets LIST\s+comma-separated subset of direct,pgbouncer,broker,node-pipe/);
  });

  it('does not change the case matrix: targets multiply it, cases do not include them', () => {
    const o = parse(['--targets', 'node-pipe', '--workloads', 'select-only', '--protocols', 'simple,prepared', '--clients', '1,16']);
    expect(buildCases(o).map((c) => c.id)).toEqual([
      'select-only/simple/c1',
      'select-only/simple/c16',
      'select-only/prepared/c1',
      'select-only/prepared/c16',
    ]);
  });
});

describe('bench options: --baseline', () => {
  it('is absent by default: no baseline target, no baseline field', () => {
    const o = parse([]);
    expect(o.targets).not.toContain('baseline');
    expect(o).not.toHaveProperty('baseline');
  });

  it('takes a git ref and adds the baseline target last, after the default four', () => {
    const o = parse(['--baseline', 'HEAD~3', '--quick']);
    expect(o.baseline).toBe('HEAD~3');
    expect(o.targets).toEqual(['direct', 'pgbouncer', 'broker', 'node-pipe', 'baseline']);
    expect(parse(['--baseline=main']).baseline).toBe('main');
    expect(parse(['--baseline', '1a2b3c4d']).baseline).toBe('1a2b3c4d');
  });

  it('adds baseline to an explicit --targets list, in either order, once', () => {
    expect(parse(['--targets', 'broker', '--baseline', 'HEAD~1']).targets).toEqual(['broker', 'baseline']);
    expect(parse(['--baseline', 'HEAD~1', '--targets', 'direct,broker']).targets).toEqual(['direct', 'broker', 'baseline']);
    expect(parse(['--baseline', 'HEAD~1', '--targets', 'baseline,broker']).targets).toEqual(['broker', 'baseline']);
  });

  it('refuses the baseline target without a ref to build it from', () => {
    expect(() => parse(['--targets', 'broker,baseline'])).toThrow(/--targets baseline needs --baseline REF/);
  });

  it('refuses a missing or dash-led ref (the next flag, or something git would read as an option)', () => {
    expect(() => parse(['--baseline'])).toThrow(/--baseline needs a value/);
    expect(() => parse(['--baseline', '--quick'])).toThrow(/--baseline expects a git ref .*got "--quick"/);
    expect(() => parse(['--baseline='])).toThrow(/--baseline expects a git ref/);
  });

  it('is described in --help', () => {
    expect(USAGE).toMatch(/--baseline REF\s+also run the broker built from git ref REF/);
    expect(USAGE).toMatch(/subset of direct,pgbouncer,broker,node-pipe,baseline\s+\(default: all but baseline\)/);
  });
});
