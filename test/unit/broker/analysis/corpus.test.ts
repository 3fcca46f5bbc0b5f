import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeSql, initAnalyzer } from '../../../../broker/analysis/index.js';
import { ANALYSIS_CORPUS } from '../../../fixtures/analysis-corpus.js';
import { expand } from './expected.js';

beforeAll(async () => {
  await initAnalyzer();
});

describe('analysis corpus', () => {
  it('holds at least 110 statements with unique names', () => {
    const statements = ANALYSIS_CORPUS.reduce((n, c) => n + Math.max(1, c.statements.length), 0);
    expect(ANALYSIS_CORPUS.length).toBeGreaterThanOrEqual(110);
    expect(statements).toBeGreaterThanOrEqual(110);
    expect(new Set(ANALYSIS_CORPUS.map((c) => c.name)).size).toBe(ANALYSIS_CORPUS.length);
  });

  it.each(ANALYSIS_CORPUS.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const analysis = analyzeSql(c.sql);
    if (c.error === undefined) {
      expect(analysis).toStrictEqual({ ok: true, statements: c.statements.map(expand) });
    } else {
      expect(analysis).toStrictEqual({ ok: false, error: c.error, statements: c.statements.map(expand) });
    }
  });
});
