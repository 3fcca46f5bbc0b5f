/**
 * `email`: addresses, a pragmatic subset of RFC 5322's addr-spec: a dot-atom local part of
 * letters, digits and `._%+-`, then a domain of at least two dot-separated labels (letters,
 * digits, inner hyphens, at most 63 characters each) ending in a top-level domain of 2+ letters.
 * Quoted local parts, IP-literal domains and non-ASCII (unencoded IDN) addresses are left out;
 * so are the rarer atext characters (`'`, `=`, `/`, `{`…), which in practice border addresses in
 * SQL, URLs and JSON rather than belong to them.
 *
 * Hand-written instead of a regex: find each `@` with `indexOf` and grow left and right, linear
 * whatever the input (a backtracking regex is quadratic on long runs of word characters).
 */
import { F_AT, F_DOT, F_LEN6 } from './profile.js';
import type { Detector, DetectorHit } from './types.js';

const AT = 0x40;
const DOT = 0x2e;
const DASH = 0x2d;

function isLocal(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39)
    || c === DOT || c === 0x5f || c === DASH || c === 0x2b || c === 0x25;
}

function isDomain(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === DOT || c === DASH;
}

function isLetter(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

/** Labels of `text[start, end)`: 2+ labels, 1–63 characters, no edge hyphen, a 2+ letter TLD. */
function validDomain(text: string, start: number, end: number): boolean {
  if (end - start > 253) return false;
  let labels = 0;
  let labelStart = start;
  for (let i = start; i <= end; i++) {
    if (i < end && text.charCodeAt(i) !== DOT) continue;
    const len = i - labelStart;
    if (len < 1 || len > 63) return false;
    if (text.charCodeAt(labelStart) === DASH || text.charCodeAt(i - 1) === DASH) return false;
    labels++;
    if (i === end) {
      if (labels < 2 || len < 2) return false;
      for (let k = labelStart; k < end; k++) if (!isLetter(text.charCodeAt(k))) return false;
    }
    labelStart = i + 1;
  }
  return true;
}

function findEmails(text: string, out: DetectorHit[]): void {
  let floor = 0; // where the previous address ended: local parts never reach back past it
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > floor && isLocal(text.charCodeAt(start - 1))) start--;
    while (start < at && text.charCodeAt(start) === DOT) start++; // `...user@` — dots are not the address
    if (start === at) continue;
    let end = at + 1;
    while (end < text.length && isDomain(text.charCodeAt(end))) end++;
    // A sentence's final dot (or a dash) after the address belongs to the sentence.
    while (end > at + 1 && (text.charCodeAt(end - 1) === DOT || text.charCodeAt(end - 1) === DASH)) end--;
    if (text.charCodeAt(end) === AT) continue; // `a@b.com@c`: not an address
    if (!validDomain(text, at + 1, end)) continue;
    out.push({ detector: 'email', start, end });
    floor = end;
    at = end - 1;
  }
}

export const emailDetector: Detector = {
  name: 'email',
  passes: [{ gate: [F_AT | F_DOT | F_LEN6], find: findEmails }],
};
