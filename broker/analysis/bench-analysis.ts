/**
 * Micro-benchmark of statement analysis: full parse vs. shape hit vs. exact hit.
 *
 *   npx tsx broker/analysis/bench-analysis.ts
 *
 * "shape hit" analyses texts that differ from a cached one only in their constants (each text is
 * new, so the cost includes normalisation and recording the text in the exact level); "exact hit"
 * repeats one text.
 */
import { AnalysisCache } from './cache.js';
import { analyzeSql, initAnalyzer } from './analyzer.js';

interface Case {
  readonly name: string;
  /** Builds the i-th text; all share one shape. */
  readonly sql: (i: number) => string;
}

const CASES: readonly Case[] = [
  { name: 'point select', sql: (i) => `SELECT id, email, created_at FROM users WHERE id = ${i}` },
  {
    name: 'join + aggregate',
    sql: (i) => `SELECT u.id, count(o.id), sum(o.total) FROM users u JOIN orders o ON o.user_id = u.id `
      + `WHERE o.created_at > now() - interval '${i} days' AND u.status = 'active' GROUP BY u.id `
      + `ORDER BY 2 DESC LIMIT ${i % 100}`,
  },
  { name: 'insert', sql: (i) => `INSERT INTO events (kind, payload, at) VALUES ('click', '{"n": ${i}}', now())` },
  { name: 'update', sql: (i) => `UPDATE accounts SET balance = balance - ${i} WHERE id = ${i * 3} AND balance >= ${i}` },
  {
    name: 'CTE + subquery',
    sql: (i) => `WITH recent AS (SELECT * FROM orders WHERE created_at > '2024-01-${(i % 28) + 1}') `
      + `SELECT r.id FROM recent r WHERE EXISTS (SELECT 1 FROM refunds f WHERE f.order_id = r.id AND f.amount > ${i})`,
  },
];

/** Median µs per call over several rounds (the machine may be shared: medians resist noise). */
function measure(iterations: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(iterations, 2_000); i++) fn(i); // warm-up
  const rounds = 9;
  const results: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn(i);
    const ns = Number(process.hrtime.bigint() - start);
    results.push(ns / iterations / 1000);
  }
  results.sort((a, b) => a - b);
  return results[Math.floor(rounds / 2)] ?? 0; // median µs per call
}

async function main(): Promise<void> {
  await initAnalyzer();
  // Global warm-up so the WASM and JS code of every path is fully optimised before measuring.
  const warm = new AnalysisCache(1_000);
  for (let i = 0; i < 4_000; i++) {
    for (const c of CASES) {
      analyzeSql(c.sql(i));
      warm.analyze(c.sql(i));
    }
  }
  const rows: Array<Record<string, string>> = [];
  for (const c of CASES) {
    const fixed = c.sql(1);
    const full = measure(2_000, () => {
      analyzeSql(fixed);
    });

    const texts = Array.from({ length: 50_000 }, (_, i) => c.sql(i + 2));
    const shapeCache = new AnalysisCache(10_000);
    shapeCache.analyze(fixed);
    let next = 0;
    const shape = measure(5_000, () => {
      shapeCache.analyze(texts[next++ % texts.length] ?? fixed);
    });

    const exactCache = new AnalysisCache(10_000);
    exactCache.analyze(fixed);
    const exact = measure(200_000, () => {
      exactCache.analyze(fixed);
    });

    rows.push({
      statement: c.name,
      chars: String(fixed.length),
      'full parse µs': full.toFixed(1),
      'shape hit µs': shape.toFixed(1),
      'exact hit µs': exact.toFixed(2),
      'shape/exact hits': `${shapeCache.stats().shapeHits}/${exactCache.stats().exactHits}`,
    });
  }
  console.table(rows);
}

await main();
