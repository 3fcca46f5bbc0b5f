import { beforeAll, describe, expect, it } from 'vitest';
import { AnalysisCache } from '../../../../broker/analysis/cache.js';
import { analyzeSql, initAnalyzer } from '../../../../broker/analysis/analyzer.js';
import { numericShapeKey } from '../../../../broker/analysis/numeric-shape.js';
import { ANALYSIS_CORPUS as CORPUS } from '../../../fixtures/analysis-corpus.js';

beforeAll(async () => {
  await initAnalyzer();
});

describe('numeric shape key', () => {
  it('replaces whole integer constants only', () => {
    expect(numericShapeKey('SELECT abalance FROM pgbench_accounts WHERE aid = 48213;')).toBe('SELECT abalance FROM pgbench_accounts WHERE aid = ?;');
    expect(numericShapeKey('UPDATE t1 SET a = a + -5 WHERE id IN (1,2, 3)')).toBe('UPDATE t1 SET a = a + -? WHERE id IN (?,?, ?)');
    expect(numericShapeKey('SELECT arr[2] FROM x LIMIT 10')).toBe('SELECT arr[?] FROM x LIMIT ?');
  });

  it('leaves decimals, exponents, hex, underscores and identifiers with digits alone', () => {
    expect(numericShapeKey('SELECT 1.5, 1e5, 0x1F, 1_000, t1.c2 FROM t1')).toBeUndefined();
    expect(numericShapeKey('SELECT .5 + 2')).toBe('SELECT .5 + ?');
  });

  it('gives no key to anything with quotes, comments, dollars, parameters, backslashes or non-ASCII', () => {
    for (const sql of [
      "SELECT 1 FROM t WHERE a = 'x'",
      'SELECT "1" FROM t',
      'SELECT 1 -- DROP TABLE t',
      'SELECT 1 /* x */',
      'SELECT $1, 2',
      'SELECT $$1$$',
      'SELECT 1 \\g',
      'SELECT 1 ? 2',
      'SELECT 1 FROM tä',
      'SELECT 1\0; DROP TABLE t',
      'SELECT {1}',
      'SELECT `1`',
      'SELECT a',
      '',
    ]) {
      expect(numericShapeKey(sql), sql).toBeUndefined();
    }
  });

  it('never merges statements whose facts differ: every corpus text with integers varied', () => {
    const cache = new AnalysisCache(10_000);
    let checked = 0;
    for (const c of CORPUS) {
      const sql = (c as { sql: string }).sql;
      if (numericShapeKey(sql) === undefined) continue;
      for (const variant of [sql, sql.replace(/\b\d+\b/g, '7'), sql.replace(/\b\d+\b/g, (d) => String(Number(d) + 12345))]) {
        expect(cache.analyze(variant), variant).toEqual(analyzeSql(variant));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('hits for pgbench-style simple-protocol traffic without re-parsing', () => {
    const cache = new AnalysisCache(100);
    for (let i = 0; i < 200; i++) cache.analyze(`SELECT abalance FROM pgbench_accounts WHERE aid = ${i * 7919};`);
    expect(cache.stats()).toMatchObject({ misses: 1, shapeHits: 199 });
  });
});
