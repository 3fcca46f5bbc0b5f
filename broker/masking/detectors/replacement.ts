/**
 * What a hit becomes in the masked text: `[masked:<detector>]`, so the reader (an agent, a human)
 * knows a value was withheld and what kind it was, without seeing it.
 *
 * Cards keep their last four digits, `[masked:card …4242]`: PCI DSS (requirement 3.4) allows
 * showing at most the first six and last four digits of a PAN, and the last four is what
 * receipts, statements and support desks use to tell one customer card from another, so
 * queries like "which card failed" stay answerable. Only when the span is exactly a card number:
 * a card merged with another detector's hit is masked whole.
 */
import type { DetectorName } from '../types.js';
import { luhnValid } from './luhn.js';
import type { DetectorHit } from './types.js';

const LABELS = new Map<DetectorName, string>();

function label(detector: DetectorName): string {
  let l = LABELS.get(detector);
  if (l === undefined) {
    l = `[masked:${detector}]`;
    LABELS.set(detector, l);
  }
  return l;
}

export function replacement(text: string, hit: DetectorHit): string {
  if (hit.detector !== 'card') return label(hit.detector);
  const digits = text.slice(hit.start, hit.end).replace(/[ -]/g, '');
  if (!/^\d{13,19}$/.test(digits) || !luhnValid(digits)) return label('card');
  return `[masked:card …${digits.slice(-4)}]`;
}
