/**
 * `phone`: telephone numbers in two written forms.
 *
 * - International: `+`, an E.164 country calling code, then digits with optional single spaces,
 *   dashes, dots and one parenthesised group (`+44 20 7946 0958`, `+1 (415) 555-2671`,
 *   `+44 (0)20 7946 0958`, `+4915112345678`): 8–15 digits in all. When the number is written in
 *   groups, the first group must be the country code itself; +1 (NANP) and +7 numbers have
 *   exactly 11 digits.
 * - North American: `(415) 555-2671`, `415-555-2671`, `415.555.2671`, optionally after `1-`. Area
 *   code and exchange start with 2–9 (NANP numbering plan).
 *
 * Not matched: dates (`2024-01-02`), times, UTC offsets (`+05:30`, `+0530`), bare numbers, signed
 * amounts (`+12 345 678`, `+1 234 567.89`, `+12.345.678,90`).
 */
import { callingCodeLength } from './calling-codes.js';
import { isDigit, isWordChar } from './chars.js';
import { F_DIGITS8, F_DIGITS9, F_LEN11, F_PLUS } from './profile.js';
import type { Detector, DetectorHit } from './types.js';

/** `+`, a digit, then digits and separators, ending on a digit; validated group by group below. */
const INTERNATIONAL = /(?<![A-Za-z0-9_+])\+[1-9][0-9 .()-]{6,30}[0-9]/g;

/** North American numbers; one separator throughout the dashed or dotted form. */
const NANP = /(?<![A-Za-z0-9_+\-./(])(?:1[ .-])?(?:\([2-9]\d{2}\) ?[2-9]\d{2}[.-]\d{4}|[2-9]\d{2}([.-])[2-9]\d{2}\1\d{4})(?![A-Za-z0-9_-]|[.,]\d)/g;

const MIN_DIGITS = 8;
const MAX_DIGITS = 15;

interface Group {
  readonly end: number;
  /** Characters between the previous group and this one (`''` for the first). */
  readonly sep: string;
  readonly digits: string;
}

const SEPARATORS = new Set(['', ' ', '-', '.', '(', ' (', ')', ') ', ')-', ').']);

function splitGroups(text: string, start: number, end: number): Group[] | undefined {
  const groups: Group[] = [];
  let i = start + 1; // after `+`
  let sep = '';
  let parens: 'none' | 'open' | 'closed' = 'none';
  while (i < end) {
    const g = i;
    while (i < end && isDigit(text.charCodeAt(i))) i++;
    groups.push({ end: i, sep, digits: text.slice(g, i) });
    const s = i;
    while (i < end && !isDigit(text.charCodeAt(i))) i++;
    sep = text.slice(s, i);
    if (!SEPARATORS.has(sep)) {
      // Two separators in a row (`+1  415`, `+1 - 415`): the number stops before them.
      return groups;
    }
    // One parenthesised group of 1–4 digits at most (`(0)`, `(415)`); prefixes that leave it
    // open are refused by validPrefix.
    if (sep.includes('(')) {
      if (parens !== 'none') return groups;
      parens = 'open';
    } else if (sep.includes(')')) {
      if (parens !== 'open' || (groups.at(-1)?.digits.length ?? 0) > 4) return undefined;
      parens = 'closed';
    }
  }
  return groups;
}

/** Whether the first `count` groups (a prefix of the candidate) form a phone number. */
function validPrefix(text: string, groups: readonly Group[], count: number): boolean {
  let digits = '';
  let dots = 0;
  let parensOpen = false;
  for (let k = 0; k < count; k++) {
    const g = groups[k];
    if (g === undefined) return false;
    digits += g.digits;
    if (g.sep.includes('.')) dots++;
    if (g.sep.includes('(')) parensOpen = true;
    if (g.sep.includes(')')) parensOpen = false;
  }
  if (parensOpen) return false;
  if (digits.length < MIN_DIGITS || digits.length > MAX_DIGITS) return false;
  // One dot reads as a decimal point (`+12345678.90`); dotted phones use several.
  if (dots === 1) return false;
  const cc = callingCodeLength(digits);
  if (cc === 0) return false;
  if (count > 1 && groups[0]?.digits.length !== cc) return false;
  if (cc === 1) {
    if (digits.length !== 11) return false;
    // NANP: area code and exchange start with 2–9.
    if (digits[0] === '1' && (digits[1] === '0' || digits[1] === '1' || digits[4] === '0' || digits[4] === '1')) return false;
  }
  const end = groups[count - 1]?.end ?? 0;
  const c = text.charCodeAt(end);
  if (isWordChar(c)) return false;
  // `+12 345 678,90`: the fraction of an amount follows.
  if ((c === 0x2e || c === 0x2c) && isDigit(text.charCodeAt(end + 1))) return false;
  return true;
}

function findInternational(text: string, out: DetectorHit[]): void {
  INTERNATIONAL.lastIndex = 0;
  for (let m = INTERNATIONAL.exec(text); m !== null; m = INTERNATIONAL.exec(text)) {
    const groups = splitGroups(text, m.index, m.index + m[0].length);
    if (groups === undefined) continue;
    // Longest prefix that is a number: `+1 415 555 2671 2 items` keeps `+1 415 555 2671`.
    for (let count = groups.length; count > 0; count--) {
      if (validPrefix(text, groups, count)) {
        const end = groups[count - 1]?.end ?? m.index;
        out.push({ detector: 'phone', start: m.index, end });
        INTERNATIONAL.lastIndex = end;
        break;
      }
    }
  }
}

function findNorthAmerican(text: string, out: DetectorHit[]): void {
  NANP.lastIndex = 0;
  for (let m = NANP.exec(text); m !== null; m = NANP.exec(text)) {
    out.push({ detector: 'phone', start: m.index, end: m.index + m[0].length });
  }
}

/** `+1 415-555-2671` is found by both passes; the scanner merges overlapping hits. */
export const phoneDetector: Detector = {
  name: 'phone',
  passes: [
    { gate: [F_PLUS | F_DIGITS8], find: findInternational },
    { gate: [F_DIGITS9 | F_LEN11], find: findNorthAmerican },
  ],
};
