/**
 * `card`: payment card numbers (PANs), 13–19 digits, written contiguously or in groups separated
 * by single spaces or dashes (`4111 1111 1111 1111`, `3782-822463-10005`).
 *
 * Random digit strings are everywhere (ids, timestamps, bigints), so a candidate must pass three
 * independent filters: the Luhn check (1 in 10 random strings pass), an issuer prefix with a
 * length that issuer uses (most 13–19 digit ids start with 1, or with 20 for timestamps, and fail
 * it), and token boundaries (digits glued to letters, inside a longer digit run, a UUID, a decimal
 * or a hyphenated id are not cards).
 */
import { isDigit, isWordChar } from './chars.js';
import { luhnValid } from './luhn.js';
import { F_DIGITS13 } from './profile.js';
import type { Detector, DetectorHit } from './types.js';

/**
 * Maximal runs of 13+ digits joined by single spaces or dashes — shorter runs (dates, times,
 * amounts) fail inside the regex engine, without a match object — not starting inside a word, a
 * signed number (`+`/`-`), a hyphenated id or the fraction of a decimal (`0.30000000000000004`).
 * A comma after a digit is a CSV field separator here, not a decimal one (PostgreSQL prints
 * decimal points).
 */
const RUN = /(?<![A-Za-z0-9_+-]|\d\.)\d(?:[ -]?\d){12,}/g;

const MIN_DIGITS = 13;
const MAX_DIGITS = 19;

/**
 * Issuer identification number (ISO/IEC 7812) ranges and the lengths their cards use: Mir,
 * Mastercard (2-series and 51–55), Amex, Diners, JCB, Visa, Maestro, Discover/UnionPay/RuPay.
 * Prefixes 1 (airlines), 7–9 and 0 are left out: far more ids than cards start with them.
 */
export function plausibleCard(d: string): boolean {
  const n = d.length;
  if (n < MIN_DIGITS || n > MAX_DIGITS) return false;
  const p2 = (d.charCodeAt(0) - 0x30) * 10 + (d.charCodeAt(1) - 0x30);
  switch (d.charCodeAt(0)) {
    case 0x32 /* 2 */: {
      const p4 = Number(d.slice(0, 4));
      return n === 16 && ((p4 >= 2221 && p4 <= 2720) || (p4 >= 2200 && p4 <= 2204));
    }
    case 0x33 /* 3 */: {
      if (p2 === 34 || p2 === 37) return n === 15; // Amex
      if (p2 === 36) return n >= 14; // Diners International
      if (p2 === 38 || p2 === 39) return n >= 14; // Diners
      if (p2 === 35) {
        const p4 = Number(d.slice(0, 4));
        return p4 >= 3528 && p4 <= 3589 && n >= 16; // JCB
      }
      if (p2 === 30) {
        const p3 = Number(d.slice(0, 3));
        return (p3 <= 305 && n >= 14) || (d.startsWith('3095') && n >= 16); // Diners Carte Blanche
      }
      return false;
    }
    case 0x34 /* 4 */:
      return n === 13 || n === 16 || n === 19; // Visa
    case 0x35 /* 5 */:
      if (p2 >= 51 && p2 <= 55) return n === 16; // Mastercard
      return p2 === 50 || (p2 >= 56 && p2 <= 58); // Maestro, 12–19
    case 0x36 /* 6 */:
      return n >= 16; // Discover, UnionPay, Maestro, RuPay
    default:
      return false;
  }
}

const SPACE = 0x20;
const DASH = 0x2d;

function digitsEnd(text: string, from: number, end: number): number {
  let i = from;
  while (i < end && isDigit(text.charCodeAt(i))) i++;
  return i;
}

/** What follows the run glues it to something else: a word, a decimal fraction, a hyphenated id. */
function gluedAfter(text: string, end: number): boolean {
  const c = text.charCodeAt(end);
  if (Number.isNaN(c)) return false;
  if (isWordChar(c)) return true;
  const next = text.charCodeAt(end + 1);
  if (c === 0x2e && isDigit(next)) return true; // 4111….50
  return c === DASH && isWordChar(next); // 4111…-abc
}

/**
 * Windows of consecutive groups that can be a card: one whole group of 13–19 digits, or a first
 * group of 4 followed by groups of 3–6 (4-4-4-4, 4-6-5, 4-3-3-3, 4-4-4-4-3) with one separator
 * throughout. A window shorter than its run must be cut out at spaces (`qty 2 4111 1111 1111 1111`):
 * a dash-joined run is one token (an id), so only the whole of it may be a card. From each start
 * the longest valid window wins, so a 19-digit card never leaves its last group visible.
 *
 * Walks the groups in place, without splitting the run: a run of a million one-digit groups
 * costs one pass.
 */
function findInRun(text: string, start: number, end: number, out: DetectorHit[]): void {
  const tailGlued = gluedAfter(text, end);
  let groupStart = start;
  let sepBefore = 0; // the separator before the window's first group; 0 at the run's start
  while (groupStart < end) {
    const firstEnd = digitsEnd(text, groupStart, end);
    let best = -1;
    if (sepBefore !== DASH) {
      const firstLength = firstEnd - groupStart;
      let digits = firstLength;
      let windowEnd = firstEnd;
      let sep = 0;
      while (digits <= MAX_DIGITS) {
        const edgeOk = windowEnd === end ? !tailGlued : text.charCodeAt(windowEnd) === SPACE;
        if (digits >= MIN_DIGITS && edgeOk) {
          const number = text.slice(groupStart, windowEnd).replace(/[ -]/g, '');
          if (plausibleCard(number) && luhnValid(number)) best = windowEnd;
        }
        if (windowEnd >= end || firstLength !== 4) break;
        const s = text.charCodeAt(windowEnd);
        if (sep === 0) sep = s;
        else if (s !== sep) break;
        const next = digitsEnd(text, windowEnd + 1, end);
        const length = next - windowEnd - 1;
        if (length < 3 || length > 6) break;
        digits += length;
        windowEnd = next;
      }
      if (best !== -1) out.push({ detector: 'card', start: groupStart, end: best });
    }
    const resume = best === -1 ? firstEnd : best;
    if (resume >= end) break;
    sepBefore = text.charCodeAt(resume);
    groupStart = resume + 1;
  }
}

function findCards(text: string, out: DetectorHit[]): void {
  RUN.lastIndex = 0;
  for (let m = RUN.exec(text); m !== null; m = RUN.exec(text)) {
    const run = m[0];
    const end = m.index + run.length;
    if (run.indexOf(' ') === -1 && run.indexOf('-') === -1) {
      // One bare number (ids, epoch milliseconds): the common case, checked without splitting.
      if (run.length <= MAX_DIGITS && !gluedAfter(text, end) && plausibleCard(run) && luhnValid(run)) {
        out.push({ detector: 'card', start: m.index, end });
      }
    } else {
      findInRun(text, m.index, end, out);
    }
  }
}

export const cardDetector: Detector = {
  name: 'card',
  passes: [{ gate: [F_DIGITS13], find: findCards }],
};
