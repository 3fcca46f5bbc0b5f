import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AnalysisCache, KIND_BY_NODE, STATEMENT_KINDS, analyzeSql, initAnalyzer, isReadOnlyBuiltin,
} from '../../../../broker/analysis/index.js';
import type { Analysis, StatementSummary } from '../../../../broker/analysis/index.js';
import { STRUCT_FIELDS } from '../../../../broker/analysis/node-fields.js';
import { ANALYSIS_CORPUS } from '../../../fixtures/analysis-corpus.js';
import { prng } from '../../../support/prng.js';

beforeAll(async () => {
  await initAnalyzer();
});

function parserTypes(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@pgsql/types/package.json');
  return readFileSync(join(dirname(pkg), 'types.d.ts'), 'utf8');
}

function expectDeeplyFrozen(v: unknown, path = 'analysis'): void {
  if (typeof v !== 'object' || v === null) return;
  expect(Object.isFrozen(v), path).toBe(true);
  for (const [k, child] of Object.entries(v)) expectDeeplyFrozen(child, `${path}.${k}`);
}

function expectWellFormed(a: Analysis): void {
  expectDeeplyFrozen(a);
  if (!a.ok) {
    expect(typeof a.error).toBe('string');
    expect(a.statements).toHaveLength(1);
    expect(a.statements[0]).toMatchObject({ kind: 'unknown', writes: true });
  }
  for (const s of a.statements) {
    expect(STATEMENT_KINDS).toContain(s.kind);
    for (const list of [s.tablesRead, s.tablesWritten, s.functions]) {
      expect([...list].sort()).toEqual(list);
      expect(new Set(list).size).toBe(list.length);
    }
  }
}

describe('analyzer tables', () => {
  it('maps every statement node type of the parser to a kind', () => {
    const nodeUnion = parserTypes().split('export interface')[0] ?? '';
    const statements = [...nodeUnion.matchAll(/^\s+(\w+Stmt): \w+;/gm)].map((m) => m[1] ?? '');
    expect(statements.length).toBeGreaterThan(100);
    // Only post-analysis or PL/pgSQL nodes are left to the conservative `other`.
    const unmapped = statements.filter((s) => KIND_BY_NODE[s] === undefined).sort();
    expect(unmapped).toEqual(['PLAssignStmt', 'RawStmt', 'ReturnStmt', 'SetOperationStmt']);
    for (const kind of Object.values(KIND_BY_NODE)) expect(STATEMENT_KINDS).toContain(kind);
  });

  it('knows every bare struct field that can hold a relation, a call or a query', () => {
    const text = parserTypes();
    let current = '';
    const missing: string[] = [];
    for (const line of text.split('\n')) {
      const iface = /^export interface (\w+)/.exec(line);
      if (iface) {
        current = iface[1] ?? '';
        continue;
      }
      const field = /^\s+(\w+)\?: (RangeVar|FuncCall|IntoClause|SelectStmt|WithClause|CreateStmt|GrantStmt|VariableSetStmt|PublicationTable);/.exec(line);
      if (field && STRUCT_FIELDS[current]?.[field[1] ?? ''] !== field[2]) missing.push(`${current}.${field[1]}`);
    }
    expect(missing).toEqual([]);
  });

  it('allow-lists functions only unqualified or in pg_catalog', () => {
    expect(isReadOnlyBuiltin('now')).toBe(true);
    expect(isReadOnlyBuiltin('pg_catalog.now')).toBe(true);
    expect(isReadOnlyBuiltin('public.now')).toBe(false);
    expect(isReadOnlyBuiltin('x.pg_catalog.now')).toBe(false);
    expect(isReadOnlyBuiltin('nextval')).toBe(false);
    expect(isReadOnlyBuiltin('set_config')).toBe(false);
    expect(isReadOnlyBuiltin('pg_read_file')).toBe(false);
  });
});

describe('analyzeSql', () => {
  it('returns deeply frozen, well-formed results for the whole corpus', () => {
    for (const c of ANALYSIS_CORPUS) expectWellFormed(analyzeSql(c.sql));
  });

  it('carries the prepared statement inside PREPARE, sharing nothing mutable', () => {
    const a = analyzeSql('PREPARE p AS WITH d AS (DELETE FROM t RETURNING id) SELECT * FROM d');
    const s = a.statements[0] as StatementSummary;
    expect(s.prepare?.inner).toMatchObject({ kind: 'select', modifyingCte: true, writes: true, tablesWritten: ['t'] });
    expect(s).toMatchObject({ kind: 'prepare', modifyingCte: true, missingWhere: true, writes: true });
    expectDeeplyFrozen(a);
  });

  it('fails closed on nesting deeper than it can walk', () => {
    const deep = `SELECT ${'f('.repeat(5000)}1${')'.repeat(5000)}`;
    const a = analyzeSql(deep);
    expect(a.ok).toBe(false);
    expect(a.statements[0]).toMatchObject({ kind: 'unknown', writes: true });
    expect(analyzeSql('DELETE FROM x').statements[0]?.tablesWritten).toEqual(['x']);
    const parens = `SELECT ${'('.repeat(50_000)}1${')'.repeat(50_000)}`;
    expect(analyzeSql(parens)).toMatchObject({ ok: false, error: expect.stringContaining('memory exhausted') });
  });

  it('never throws on arbitrary input, and the cache agrees with a fresh parse', () => {
    const fragments = [
      'SELECT', 'DELETE FROM t', 'UPDATE t SET a = 1', 'WHERE', 'id = 1', ';', '--', '/*', '*/', "'", '"',
      '$$', '$x$', "E'\\''", 'FROM', 'x', '(', ')', ',', 'WITH q AS (SELECT 1)', 'q', 'DROP TABLE y',
      '\n', ' ', 'U&"\\0061"', "set_config('role', 'a', false)", 'EXPLAIN ANALYZE', 'COPY t TO STDOUT',
      "SET role = 'x'", '1', "'lit'", 'now()', 'nextval(1)', 'RETURNING *', 'INSERT INTO z VALUES (2)',
      '\u00e9', '\\', '::int', 'AND', 'OR', 'NULL', 'true',
    ];
    const random = prng(20_251_122);
    const cache = new AnalysisCache(128);
    for (let i = 0; i < 3_000; i++) {
      const n = 1 + Math.floor(random() * 8);
      const parts: string[] = [];
      for (let j = 0; j < n; j++) parts.push(fragments[Math.floor(random() * fragments.length)] ?? '');
      const sql = parts.join(random() < 0.5 ? ' ' : '');
      const fresh = analyzeSql(sql);
      expectWellFormed(fresh);
      expect(cache.analyze(sql), sql).toStrictEqual(fresh);
    }
    const stats = cache.stats();
    expect(stats.exactHits + stats.shapeHits + stats.misses).toBe(3_000);
  });

  it('treats non-string input as a failure instead of throwing', () => {
    expect(analyzeSql(undefined as unknown as string).ok).toBe(false);
    expect(analyzeSql(42 as unknown as string).ok).toBe(false);
    expect(new AnalysisCache(4).analyze(null as unknown as string).ok).toBe(false);
  });
});
