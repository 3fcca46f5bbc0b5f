/**
 * The one cheap pass every scan starts with: counts of the few characters the detectors' gates
 * look at, folded into a bit set of features. A plain `charCodeAt` loop, no allocation.
 *
 * Each detector states its gate as feature sets (`Detector.gate`): a card needs 13 digits, an
 * email an `@`, a dot and 6 characters, … A value with nothing to find usually fails every gate,
 * so it costs this pass and a few integer comparisons.
 */

export const F_LEN6 = 1 << 0;
export const F_LEN11 = 1 << 1;
export const F_LEN15 = 1 << 2;
export const F_LEN20 = 1 << 3;
export const F_LEN30 = 1 << 4;
export const F_LEN35 = 1 << 5;
export const F_DIGITS2 = 1 << 6;
export const F_DIGITS8 = 1 << 7;
export const F_DIGITS9 = 1 << 8;
export const F_DIGITS13 = 1 << 9;
export const F_UPPER2 = 1 << 10;
export const F_AT = 1 << 11;
export const F_DOT = 1 << 12;
export const F_DOTS2 = 1 << 13;
export const F_DASH = 1 << 14;
export const F_DASHES10 = 1 << 15;
export const F_UNDERSCORE = 1 << 16;
/** A `b` or `B` (as in Bearer). */
export const F_LETTER_B = 1 << 17;

const DASH = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const AT = 0x40;
const UPPER_A = 0x41;
const UPPER_B = 0x42;
const UPPER_Z = 0x5a;
const UNDERSCORE = 0x5f;
const LOWER_B = 0x62;

export function profileText(text: string): number {
  let digits = 0;
  let upper = 0;
  let at = 0;
  let dots = 0;
  let dashes = 0;
  let underscores = 0;
  let b = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    // Ordered by code point so most characters (lower-case letters, spaces) take a few comparisons.
    if (c <= NINE) {
      if (c >= ZERO) digits++;
      else if (c === DOT) dots++;
      else if (c === DASH) dashes++;
    } else if (c <= UPPER_Z) {
      if (c >= UPPER_A) {
        upper++;
        if (c === UPPER_B) b++;
      } else if (c === AT) at++;
    } else if (c === UNDERSCORE) underscores++;
    else if (c === LOWER_B) b++;
  }
  let f = 0;
  if (n >= 6) f |= F_LEN6;
  if (n >= 11) f |= F_LEN11;
  if (n >= 15) f |= F_LEN15;
  if (n >= 20) f |= F_LEN20;
  if (n >= 30) f |= F_LEN30;
  if (n >= 35) f |= F_LEN35;
  if (digits >= 2) f |= F_DIGITS2;
  if (digits >= 8) f |= F_DIGITS8;
  if (digits >= 9) f |= F_DIGITS9;
  if (digits >= 13) f |= F_DIGITS13;
  if (upper >= 2) f |= F_UPPER2;
  if (at > 0) f |= F_AT;
  if (dots > 0) f |= F_DOT;
  if (dots >= 2) f |= F_DOTS2;
  if (dashes > 0) f |= F_DASH;
  if (dashes >= 10) f |= F_DASHES10;
  if (underscores > 0) f |= F_UNDERSCORE;
  if (b > 0) f |= F_LETTER_B;
  return f;
}
