/** Runs in its own module context: the parser is not loaded until the last test. */
import { describe, expect, it } from 'vitest';
import { AnalysisCache, analyzeSql, analyzerReady, initAnalyzer } from '../../../../broker/analysis/index.js';

describe('analyzer before initialisation', () => {
  it('fails closed instead of throwing, and the cache does not keep the failure', async () => {
    expect(analyzerReady()).toBe(false);
    const before = analyzeSql('SELECT 1');
    expect(before.ok).toBe(false);
    expect(before.statements).toEqual([expect.objectContaining({ kind: 'unknown', writes: true })]);

    const cache = new AnalysisCache(10);
    expect(cache.analyze('SELECT 1').ok).toBe(false);
    expect(cache.sizes()).toEqual({ exact: 0, shapes: 0, numericShapes: 0 });

    await Promise.all([initAnalyzer(), initAnalyzer()]);
    expect(analyzerReady()).toBe(true);
    expect(cache.analyze('SELECT 1').ok).toBe(true);
  });
});
