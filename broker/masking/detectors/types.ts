/**
 * Content detectors: find sensitive values (card numbers, keys, tokens, …) inside any text, so a
 * masked identity never receives them whatever column they come from — a second line of defence
 * after column lineage. Public contracts here; one detector per file next to this one.
 */
import type { DetectorName } from '../types.js';

/** One sensitive span of a text: `text.slice(start, end)` (UTF-16 offsets, like `String#slice`). */
export interface DetectorHit {
  readonly detector: DetectorName;
  readonly start: number;
  readonly end: number;
}

/** Compiled once per set of detector names (cache by the sorted names). */
export interface ContentScanner {
  /** The detectors this scanner applies, in `DETECTORS` order. */
  readonly detectors: readonly DetectorName[];
  /** Finds every sensitive span; overlapping hits merged; [] when none. */
  scan(text: string): DetectorHit[];
  /**
   * The text with each hit replaced (see `replacement.ts`), and the detectors that fired; `text`
   * itself (same string) and [] when nothing was found.
   */
  mask(text: string): MaskedText;
}

export interface MaskedText {
  readonly text: string;
  /** Detectors whose hits appear in the masked text, in `DETECTORS` order, no repeats. */
  readonly detectors: readonly DetectorName[];
}

/** One detector: one or more passes, each a cheap gate then the real search. */
export interface Detector {
  readonly name: DetectorName;
  readonly passes: readonly DetectorPass[];
}

/** One search of a detector (e.g. phone: international, then North American numbers). */
export interface DetectorPass {
  /**
   * Necessary condition, as alternative sets of `profile.ts` features: the pass looks at a text
   * only when every feature of one of the sets is present (e.g. `[F_DIGITS13]` for cards).
   */
  readonly gate: readonly number[];
  /** Appends every hit in `text` to `out` (in any order; the scanner sorts and merges). */
  find(text: string, out: DetectorHit[]): void;
}
