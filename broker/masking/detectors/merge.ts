/**
 * Overlapping hits become one: a masked span must never be partly shown, and two replacements
 * must not cut into each other (`+1 415-555-2671` is found by both phone forms; a Bearer token
 * that is a JWT by both api-token and jwt).
 */
import { DETECTORS } from '../types.js';
import type { DetectorHit } from './types.js';

const RANK = new Map(DETECTORS.map((d, i) => [d, i]));

function byPosition(a: DetectorHit, b: DetectorHit): number {
  return a.start - b.start || b.end - a.end || (RANK.get(a.detector) ?? 0) - (RANK.get(b.detector) ?? 0);
}

/** One detector's hits usually come in text order, apart: no sort needed. */
function inOrder(hits: readonly DetectorHit[]): boolean {
  for (let i = 1; i < hits.length; i++) {
    const prev = hits[i - 1];
    const cur = hits[i];
    if (prev === undefined || cur === undefined || cur.start < prev.end) return false;
  }
  return true;
}

/**
 * The merged span is labelled by its longest hit (ties: the earlier start, then `DETECTORS`
 * order), the one that best describes what was there. Touching hits (`end === start`) stay apart.
 * Sorts `hits` in place; returns the hits in text order (a merged span is a new object).
 */
export function mergeHits(hits: DetectorHit[]): DetectorHit[] {
  if (!inOrder(hits)) hits.sort(byPosition);
  const merged: DetectorHit[] = [];
  let label: DetectorHit | undefined;
  let start = 0;
  let end = 0;
  let alone = true; // the group is one hit: reuse its object
  const flush = (l: DetectorHit): void => {
    merged.push(alone ? l : { detector: l.detector, start, end });
  };
  for (const h of hits) {
    if (label !== undefined && h.start < end) {
      if (h.end - h.start > label.end - label.start) label = h;
      if (h.end > end) end = h.end;
      alone = false;
      continue;
    }
    if (label !== undefined) flush(label);
    label = h;
    start = h.start;
    end = h.end;
    alone = true;
  }
  if (label !== undefined) flush(label);
  return merged;
}
