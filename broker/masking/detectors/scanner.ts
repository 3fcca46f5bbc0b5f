/**
 * `contentScanner(names)`: the detectors of one masking rule, compiled once and cached by their
 * sorted names. On the hot path (every text value of every result row a masked identity
 * receives), a value with nothing to find costs one table-driven pass over its characters
 * (profileText) plus an integer test per gate of each enabled detector's passes; only values that
 * pass a gate reach the regexes behind it. Nothing is allocated on that path but `mask`'s result
 * object.
 */
import { DETECTORS } from '../types.js';
import type { DetectorName } from '../types.js';
import { mergeHits } from './merge.js';
import { profileText } from './profile.js';
import { DETECTOR_IMPLEMENTATIONS } from './registry.js';
import { replacement } from './replacement.js';
import type { ContentScanner, DetectorHit, DetectorPass, MaskedText } from './types.js';

const NOTHING: readonly DetectorName[] = Object.freeze([]);

/** Shortest text any detector can match (`a@b.co`); shorter values skip even the profile pass. */
const MIN_TEXT = 6;

/** The `detectors` list of a mask result for each set of detectors (bit i = DETECTORS[i]). */
const firedLists = new Map<number, readonly DetectorName[]>();
const BIT = new Map(DETECTORS.map((d, i) => [d, 1 << i]));

function firedList(mask: number): readonly DetectorName[] {
  let list = firedLists.get(mask);
  if (list === undefined) {
    list = Object.freeze(DETECTORS.filter((_, i) => (mask & (1 << i)) !== 0));
    firedLists.set(mask, list);
  }
  return list;
}

class Scanner implements ContentScanner {
  readonly detectors: readonly DetectorName[];
  readonly #passes: readonly DetectorPass[];
  /** The gates of all passes, flattened: pass `#gateOwner[k]` may match if `#gates[k]` ⊆ features. */
  readonly #gates: Int32Array;
  readonly #gateOwner: Int32Array;
  /** Raw hits of the current call; reused so a clean value allocates no array. */
  readonly #scratch: DetectorHit[] = [];

  constructor(names: readonly DetectorName[]) {
    this.detectors = Object.freeze([...names]);
    this.#passes = names.flatMap((n) => DETECTOR_IMPLEMENTATIONS[n].passes);
    const gates = this.#passes.flatMap((p, i) => p.gate.map((g) => [g, i] as const));
    this.#gates = Int32Array.from(gates, ([g]) => g);
    this.#gateOwner = Int32Array.from(gates, ([, i]) => i);
  }

  /** Merged hits, or undefined when there are none. */
  #find(text: string): DetectorHit[] | undefined {
    if (text.length < MIN_TEXT || this.#passes.length === 0) return undefined;
    const features = profileText(text);
    const raw = this.#scratch;
    if (raw.length !== 0) raw.length = 0; // left over only if a detector threw
    const gates = this.#gates;
    const owner = this.#gateOwner;
    let last = -1; // a pass whose gates are listed together runs once
    for (let k = 0; k < gates.length; k++) {
      const g = gates[k] ?? 0;
      const i = owner[k] ?? 0;
      if (i !== last && (features & g) === g) {
        last = i;
        this.#passes[i]?.find(text, raw);
      }
    }
    if (raw.length === 0) return undefined;
    const merged = mergeHits(raw);
    raw.length = 0; // only ever cleared when used: setting `length` is not free
    return merged;
  }

  scan(text: string): DetectorHit[] {
    return this.#find(text) ?? [];
  }

  mask(text: string): MaskedText {
    const hits = this.#find(text);
    if (hits === undefined) return { text, detectors: NOTHING };
    let out = '';
    let at = 0;
    let fired = 0;
    for (const h of hits) {
      out += text.slice(at, h.start) + replacement(text, h);
      at = h.end;
      fired |= BIT.get(h.detector) ?? 0;
    }
    return { text: out + text.slice(at), detectors: firedList(fired) };
  }
}

const cache = new Map<string, ContentScanner>();

/**
 * The scanner for `names` (duplicates and order ignored; unknown names throw — the configuration
 * schema already refuses them). The same instance is returned for the same set.
 */
export function contentScanner(names: readonly DetectorName[]): ContentScanner {
  const unique = [...new Set(names)].sort();
  const key = unique.join(',');
  let scanner = cache.get(key);
  if (scanner === undefined) {
    for (const n of unique) {
      if (!Object.hasOwn(DETECTOR_IMPLEMENTATIONS, n)) throw new Error(`unknown content detector: ${String(n)}`);
    }
    // Run in DETECTORS order so results and the fired list never depend on the caller's order.
    scanner = new Scanner(DETECTORS.filter((d) => unique.includes(d)));
    cache.set(key, scanner);
  }
  return scanner;
}
