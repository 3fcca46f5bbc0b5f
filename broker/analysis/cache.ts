/**
 * Two-level cache in front of `analyzeSql`.
 *
 * 1. Exact text → analysis (every result, failures included).
 * 2. Normalised shape (`normalizeSync`: constants replaced by `$n`, all other text kept verbatim)
 *    → analysis, only for successful analyses none of whose statements is `literalDependent`.
 *    Two texts with the same shape differ only in their constants, and every fact that could
 *    depend on a constant makes its statement `literalDependent` — so a shape hit yields exactly
 *    the facts a full parse of that text would.
 * 3. Full parse.
 *
 * Before level 2, texts in the narrow form of `numeric-shape.ts` (no quotes, comments or `$`,
 * only integer constants) are looked up by a key computed in JavaScript, which saves the WASM
 * normalisation on the simple-protocol hot path. The same sharing rule applies.
 *
 * Safety details of the shape level:
 * - Texts containing `$<digit>` neither use nor feed it: normalisation numbers replaced constants
 *   `$1, $2...` too, so `SELECT $1` (a parameter) and `SELECT 1` share a shape, and a parameter
 *   is not accepted everywhere a constant is. Extended-protocol texts repeat verbatim anyway.
 * - Texts containing a NUL character skip it too: the WASM parser reads a C string, so only the
 *   prefix before the NUL would be normalised (`SELECT 1\0; DROP TABLE t` would look like
 *   `SELECT 1`). `analyzeSql` rejects such texts.
 * - libpg-query's `normalizeSync` returns some lexer errors (unterminated string or comment, bad
 *   escapes...) as if they were the normalised text. Such strings are never stored as shapes
 *   (only analyses that parsed are), and no valid statement normalises to an error message, so
 *   they can only miss and fall through to a full parse.
 *
 * Results are frozen and shared: hits return the stored object without copying.
 */
import { normalizeSync } from 'libpg-query';
import { analyzeSql, analyzerReady } from './analyzer.js';
import { numericShapeKey } from './numeric-shape.js';
import type { Analysis } from './types.js';

export interface AnalysisCacheStats {
  exactHits: number;
  shapeHits: number;
  misses: number;
}

export interface AnalysisCacheOptions {
  /** Texts longer than this (UTF-16 code units) are analysed every time, never stored. */
  readonly maxTextLength?: number;
}

const DEFAULT_MAX_TEXT_LENGTH = 64 * 1024;
const PARAM_REF = /\$[0-9]/;

/**
 * A bounded map with two generations: hits in the old generation are promoted, and when the
 * young one is full the old one is dropped whole. Approximately LRU at O(1) per operation.
 * (A `Map` refreshed with delete + set degrades: V8 keeps deleted entries in their bucket chain
 * until a rehash, so a hot key ends up behind thousands of dead ones — measured 25 µs a hit at
 * 10k entries.)
 */
class Lru<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();
  private readonly half: number;

  constructor(private readonly max: number) {
    this.half = Math.max(1, Math.floor(max / 2));
  }

  get(key: string): V | undefined {
    const v = this.young.get(key);
    if (v !== undefined) return v;
    const o = this.old.get(key);
    if (o !== undefined) this.set(key, o);
    return o;
  }

  set(key: string, value: V): void {
    if (this.max <= 0) return;
    if (this.young.size >= this.half) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }

  get size(): number {
    let n = this.young.size;
    for (const k of this.old.keys()) if (!this.young.has(k)) n++;
    return n;
  }
}

export class AnalysisCache {
  private readonly exact: Lru<Analysis>;
  private readonly shapes: Lru<Analysis>;
  private readonly numericShapes: Lru<Analysis>;
  private readonly maxTextLength: number;
  private exactHits = 0;
  private shapeHits = 0;
  private misses = 0;

  /** `maxEntries` bounds each level (exact texts and shapes) separately. */
  constructor(maxEntries: number, options: AnalysisCacheOptions = {}) {
    const max = Number.isFinite(maxEntries) ? Math.max(0, Math.floor(maxEntries)) : 0;
    this.exact = new Lru(max);
    this.shapes = new Lru(max);
    this.numericShapes = new Lru(max);
    this.maxTextLength = options.maxTextLength ?? DEFAULT_MAX_TEXT_LENGTH;
  }

  analyze(sql: string): Analysis {
    if (typeof sql !== 'string' || sql.length > this.maxTextLength || !analyzerReady()) {
      this.misses++;
      return analyzeSql(sql);
    }
    const hit = this.exact.get(sql);
    if (hit !== undefined) {
      this.exactHits++;
      return hit;
    }

    const numeric = numericShapeKey(sql);
    if (numeric !== undefined) {
      const byNumeric = this.numericShapes.get(numeric);
      if (byNumeric !== undefined) {
        // Not copied into the exact level: these texts rarely repeat verbatim.
        this.shapeHits++;
        return byNumeric;
      }
    }

    let shape: string | undefined;
    // The parser reads a C string: with a NUL inside, normalisation would see only a prefix.
    if (sql.length > 0 && !PARAM_REF.test(sql) && !sql.includes('\0')) {
      try {
        const normalized = normalizeSync(sql);
        // Every valid text normalises to something starting like itself (a statement cannot
        // begin with a constant); anything else is an error message in disguise.
        if (normalized.length > 0 && normalized.charCodeAt(0) === sql.charCodeAt(0)) {
          shape = normalized;
        }
      } catch {
        // A parse failure: the full parse below produces PostgreSQL's message.
      }
    }
    if (shape !== undefined) {
      const byShape = this.shapes.get(shape);
      if (byShape !== undefined) {
        // Not copied into the exact level: texts that differ only in constants rarely repeat.
        this.shapeHits++;
        return byShape;
      }
    }

    this.misses++;
    const analysis = analyzeSql(sql);
    this.exact.set(sql, analysis);
    // A text without constants is its own shape: the exact level already covers it.
    if (analysis.ok && shareableByShape(analysis)) {
      if (shape !== undefined && shape !== sql) this.shapes.set(shape, analysis);
      if (numeric !== undefined) this.numericShapes.set(numeric, analysis);
    }
    return analysis;
  }

  stats(): AnalysisCacheStats {
    return { exactHits: this.exactHits, shapeHits: this.shapeHits, misses: this.misses };
  }

  /** Current number of entries per level (for tests and diagnostics). */
  sizes(): { exact: number; shapes: number; numericShapes: number } {
    return { exact: this.exact.size, shapes: this.shapes.size, numericShapes: this.numericShapes.size };
  }
}

function shareableByShape(analysis: Analysis): boolean {
  for (const s of analysis.statements) if (s.literalDependent) return false;
  return true;
}
