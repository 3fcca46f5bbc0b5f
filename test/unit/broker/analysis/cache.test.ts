import { normalizeSync } from 'libpg-query';
import { beforeAll, describe, expect, it } from 'vitest';
import { AnalysisCache, analyzeSql, initAnalyzer } from '../../../../broker/analysis/index.js';
import type { Analysis } from '../../../../broker/analysis/index.js';
import { ANALYSIS_CORPUS } from '../../../fixtures/analysis-corpus.js';

beforeAll(async () => {
  await initAnalyzer();
});

function literalDependent(a: Analysis): boolean {
  return a.statements.some((s) => s.literalDependent);
}

/** Replacement constants for the `$n` placeholders of a normalised shape. */
const VARIANTS: ReadonlyArray<(k: number) => string> = [
  (k) => `'v${k}'`,
  (k) => String(k * 7 + 1),
  (k) => String.raw`E'it\'s ${k}; DROP TABLE t; --'`,
  (k) => `$q$ DELETE FROM z${k}; $q$`,
  () => `'/etc/passwd'`,
  () => 'true',
  () => 'NULL',
  () => '1.5e3',
  () => `U&'\\0061'`,
];

describe('AnalysisCache', () => {
  it('serves an exact repeat from the exact level, sharing the frozen result', () => {
    const cache = new AnalysisCache(10);
    const first = cache.analyze('SELECT * FROM t WHERE id = 1');
    const second = cache.analyze('SELECT * FROM t WHERE id = 1');
    expect(second).toBe(first);
    expect(cache.stats()).toEqual({ exactHits: 1, shapeHits: 0, misses: 1 });
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.statements)).toBe(true);
    expect(Object.isFrozen(first.statements[0])).toBe(true);
    expect(Object.isFrozen(first.statements[0]?.tablesRead)).toBe(true);
  });

  it('serves other literals from the shape level with identical facts', () => {
    const cache = new AnalysisCache(10);
    const first = cache.analyze("DELETE FROM t WHERE id = 1 AND note = 'a'");
    const other = "DELETE FROM t WHERE id = 99 AND note = 'x''; DROP TABLE u; --'";
    const second = cache.analyze(other);
    expect(cache.stats()).toEqual({ exactHits: 0, shapeHits: 1, misses: 1 });
    expect(second).toBe(first);
    expect(second).toStrictEqual(analyzeSql(other));
    // Shape hits are not copied into the exact level (such texts rarely repeat verbatim).
    cache.analyze(other);
    expect(cache.stats()).toEqual({ exactHits: 0, shapeHits: 2, misses: 1 });
    expect(cache.sizes().exact).toBe(1);
  });

  it('never shares a literal-dependent analysis by shape', () => {
    const cache = new AnalysisCache(10);
    expect(cache.analyze("SET role = 'a'").statements[0]?.setting).toEqual({ name: 'role', value: 'a', local: false });
    expect(cache.analyze("SET role = 'b'").statements[0]?.setting).toEqual({ name: 'role', value: 'b', local: false });
    expect(cache.analyze("SELECT set_config('role', 'a', false)").statements[0]?.setting?.value).toBe('a');
    expect(cache.analyze("SELECT set_config('role', 'b', true)").statements[0]?.setting)
      .toEqual({ name: 'role', value: 'b', local: true });
    expect(cache.analyze("SELECT set_config('application_name', 'b', true)").statements[0]?.setting?.name)
      .toBe('application_name');
    expect(cache.analyze('DO $$ BEGIN NULL; END $$').statements[0]?.kind).toBe('do');
    expect(cache.analyze('DO $$ BEGIN PERFORM 1; END $$').statements[0]?.kind).toBe('do');
    expect(cache.stats().shapeHits).toBe(0);
    expect(cache.sizes().shapes).toBe(0);
  });

  it('keeps a multi-statement text out of the shape level if any statement is literal-dependent', () => {
    const cache = new AnalysisCache(10);
    cache.analyze("SELECT 1; SET search_path = 'a'");
    const b = cache.analyze("SELECT 2; SET search_path = 'b'");
    expect(b.statements[1]?.setting?.value).toBe('b');
    expect(cache.stats().shapeHits).toBe(0);
  });

  it('does not share shapes between parameters and constants', () => {
    const cache = new AnalysisCache(10);
    cache.analyze('SELECT * FROM t WHERE a = $1');
    cache.analyze('SELECT * FROM t WHERE a = 5');
    expect(cache.stats()).toEqual({ exactHits: 0, shapeHits: 0, misses: 2 });
    cache.analyze('SELECT * FROM t WHERE a = $1');
    expect(cache.stats().exactHits).toBe(1);
  });

  it('never lets a NUL-truncated text match the shape of its prefix', () => {
    const cache = new AnalysisCache(10);
    cache.analyze('SELECT 1');
    cache.analyze('SELECT 2');
    const hidden = cache.analyze('SELECT 3\u0000; DROP TABLE t');
    expect(hidden.ok).toBe(false);
    expect(hidden.statements[0]?.kind).toBe('unknown');
  });

  it('caches parse errors as unknown by exact text only', () => {
    const cache = new AnalysisCache(10);
    const a = cache.analyze('SELECT FROM FROM');
    expect(a.ok).toBe(false);
    expect(a.statements).toEqual([expect.objectContaining({ kind: 'unknown', writes: true })]);
    expect(cache.analyze('SELECT FROM FROM')).toBe(a);
    expect(cache.stats()).toEqual({ exactHits: 1, shapeHits: 0, misses: 1 });
    expect(cache.sizes().shapes).toBe(0);
  });

  it('handles lexer errors that normalisation reports as text', () => {
    const cache = new AnalysisCache(10);
    const a = cache.analyze("SELECT 'abc");
    const b = cache.analyze("SELECT 'abd");
    expect(a).toMatchObject({ ok: false, error: `unterminated quoted string at or near "'abc"` });
    expect(b).toMatchObject({ ok: false, error: `unterminated quoted string at or near "'abd"` });
    expect(cache.stats()).toEqual({ exactHits: 0, shapeHits: 0, misses: 2 });
    // A valid statement afterwards is unaffected.
    expect(cache.analyze('SELECT 1').ok).toBe(true);
  });

  it('respects its bound, evicting the least recently used entry', () => {
    const cache = new AnalysisCache(3);
    for (let i = 0; i < 10; i++) cache.analyze(`SELECT * FROM t${i}`);
    expect(cache.sizes().exact).toBeLessThanOrEqual(3);
    expect(cache.sizes().shapes).toBeLessThanOrEqual(3);

    const lru = new AnalysisCache(2);
    lru.analyze('SELECT * FROM a');
    lru.analyze('SELECT * FROM b');
    lru.analyze('SELECT * FROM a'); // refresh a
    lru.analyze('SELECT * FROM c'); // evicts b
    const before = lru.stats();
    lru.analyze('SELECT * FROM a');
    expect(lru.stats().exactHits).toBe(before.exactHits + 1);
    lru.analyze('SELECT * FROM b');
    expect(lru.stats().exactHits).toBe(before.exactHits + 1);
    expect(lru.stats().misses).toBe(before.misses + 1);
  });

  it('works with a zero bound (no caching) and bypasses very long texts', () => {
    const none = new AnalysisCache(0);
    expect(none.analyze('SELECT 1').ok).toBe(true);
    expect(none.analyze('SELECT 1').ok).toBe(true);
    expect(none.stats()).toEqual({ exactHits: 0, shapeHits: 0, misses: 2 });

    const small = new AnalysisCache(10, { maxTextLength: 20 });
    const sql = 'SELECT * FROM a_rather_long_table_name';
    expect(small.analyze(sql)).toStrictEqual(analyzeSql(sql));
    small.analyze(sql);
    expect(small.stats()).toEqual({ exactHits: 0, shapeHits: 0, misses: 2 });
    expect(small.sizes()).toEqual({ exact: 0, shapes: 0, numericShapes: 0 });
  });

  it('answers empty and comment-only texts', () => {
    const cache = new AnalysisCache(10);
    expect(cache.analyze('')).toStrictEqual({ ok: true, statements: [] });
    expect(cache.analyze('-- nothing')).toStrictEqual({ ok: true, statements: [] });
    expect(cache.analyze('/* still nothing */')).toStrictEqual({ ok: true, statements: [] });
  });

  it('gives, over the whole corpus with literals varied, exactly the facts of a full parse', () => {
    let shapeHitsChecked = 0;
    let literalDependentChecked = 0;
    let variantsChecked = 0;
    for (const c of ANALYSIS_CORPUS) {
      if (c.error !== undefined || c.sql === '' || /\$[0-9]/.test(c.sql)) continue;
      const shape = normalizeSync(c.sql);
      const variants = /\$[0-9]/.test(shape)
        ? VARIANTS.map((lit) => shape.replace(/\$([0-9]+)/g, (_m, k: string) => lit(Number(k))))
        : [];
      for (const variant of variants) {
        const fresh = analyzeSql(variant);
        if (!fresh.ok) continue; // this constant is not accepted at that position
        variantsChecked++;

        // Original first, then the variant.
        const cache = new AnalysisCache(16, { maxTextLength: Number.POSITIVE_INFINITY });
        const original = cache.analyze(c.sql);
        const got = cache.analyze(variant);
        expect(got, `${c.name}: ${variant.slice(0, 200)}`).toStrictEqual(fresh);
        const sameShape = variant !== c.sql && normalizeSync(variant) === shape;
        if (sameShape && !literalDependent(original)) {
          expect(cache.stats().shapeHits, c.name).toBe(1);
          shapeHitsChecked++;
        } else {
          expect(cache.stats().shapeHits, c.name).toBe(0);
          if (literalDependent(original)) literalDependentChecked++;
        }

        // Variant first, then the original.
        const reverse = new AnalysisCache(16, { maxTextLength: Number.POSITIVE_INFINITY });
        reverse.analyze(variant);
        expect(reverse.analyze(c.sql), c.name).toStrictEqual(analyzeSql(c.sql));
      }
    }
    expect(variantsChecked).toBeGreaterThan(200);
    expect(shapeHitsChecked).toBeGreaterThan(150);
    expect(literalDependentChecked).toBeGreaterThan(20);
  });

  it('gives the same facts across one shared cache fed the corpus twice in different orders', () => {
    const cache = new AnalysisCache(64);
    const texts = ANALYSIS_CORPUS.map((c) => c.sql);
    for (const sql of [...texts, ...[...texts].reverse()]) {
      expect(cache.analyze(sql)).toStrictEqual(analyzeSql(sql));
    }
    expect(cache.stats().exactHits).toBeGreaterThan(0);
  });
});

describe('AnalysisCache bounds', () => {
  it('keeps a hot key while unique texts churn through a full cache, within the bound', () => {
    const cache = new AnalysisCache(1_000);
    const hot = 'SELECT 1 FROM hot';
    cache.analyze(hot);
    for (let i = 0; i < 5_000; i++) {
      cache.analyze(`SELECT c${i} FROM t`);
      if (i % 100 === 0) cache.analyze(hot);
    }
    const before = cache.stats().exactHits;
    cache.analyze(hot);
    expect(cache.stats().exactHits).toBe(before + 1);
    expect(cache.sizes().exact).toBeLessThanOrEqual(1_000);
  });
});
