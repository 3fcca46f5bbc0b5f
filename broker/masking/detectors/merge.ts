/**
 * Overlapping hits become one: a masked span must never be partly shown, and two replacements
 * must not cut into each other (`+1 415-555-2671` is found by both phone forms; a Bearer token
 * that is a JWT by both api-token and jwt).
 */
import { DETECTORS } from '../types.js';
import type { DetectorHit } from './types.js';

const RANK = new Map(DETECTORS.map((d, i) => [d, i]));

/**
 * The merged span is labelled by its longest hit (ties: the earlier start, then `DETECTORS`
 * order), the one that best describes what was there. Touching hits (`end === start`) stay apart.
 * Sorts `hits` in place; returns new hit objects in text order.
 */
export function mergeHits(hits: DetectorHit[]): DetectorHit[] {
  hits.sort((a, b) => a.start - b.start || b.end - a.end || (RANK.get(a.detector) ?? 0) - (RANK.get(b.detector) ?? 0));
  const merged: DetectorHit[] = [];
  let label: DetectorHit | undefined;
  let start = 0;
  let end = 0;
  for (const h of hits) {
    if (label !== undefined && h.start < end) {
      if (h.end - h.start > label.end - label.start) label = h;
      if (h.end > end) end = h.end;
      continue;
    }
    if (label !== undefined) merged.push({ detector: label.detector, start, end });
    label = h;
    start = h.start;
    end = h.end;
  }
  if (label !== undefined) merged.push({ detector: label.detector, start, end });
  return merged;
}
