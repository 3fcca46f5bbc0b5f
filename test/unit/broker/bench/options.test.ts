import { describe, expect, it } from 'vitest';
import { USAGE, buildCases, parseOptions, type BenchOptions } from '../../../../broker/bench/options.js';
import { TARGET_NAMES } from '../../../../broker/bench/targets.js';

function parse(argv: string[]): BenchOptions {
  const o = parseOptions(argv);
  if (o === 'help') throw new Error('unexpected help');
  return o;
}

describe('bench options: targets', () => {
  it('runs every target by default, node-pipe included, in the canonical order', () => {
    expect(parse([]).targets).toEqual(['direct', 'pgbouncer', 'broker', 'node-pipe']);
    expect(parse(['--quick']).targets).toEqual(TARGET_NAMES);
  });

  it('selects node-pipe with --targets and keeps the canonical order whatever the given one', () => {
    expect(parse(['--targets', 'node-pipe']).targets).toEqual(['node-pipe']);
    expect(parse(['--targets', 'node-pipe,direct,broker']).targets).toEqual(['direct', 'broker', 'node-pipe']);
    expect(parse(['--targets=node-pipe,pgbouncer,node-pipe']).targets).toEqual(['pgbouncer', 'node-pipe']);
  });

  it('rejects unknown targets and names node-pipe among the allowed ones', () => {
    expect(() => parse(['--targets', 'direct,pipe'])).toThrow(/--targets: unknown value "pipe" \(expected direct, pgbouncer, broker, node-pipe\)/);
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
