/**
 * ITU-T E.164 country calling codes, as a prefix test. Codes are prefix-free: 1 and 7 are one
 * digit, the two-digit codes below are whole codes, and every other assigned code is three digits
 * under one of the two-digit prefixes listed in THREE_DIGIT_PREFIXES (21x, 22x, …, 99x).
 * Unassigned ranges (28x, 83x, 89x, 0) are what make `+28 …` or `+0530` no phone.
 */
const TWO_DIGIT = new Set([
  20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54, 55, 56, 57, 58,
  60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98,
]);

const THREE_DIGIT_PREFIXES = new Set([21, 22, 23, 24, 25, 26, 29, 35, 37, 38, 42, 50, 59, 67, 68, 69, 80, 85, 87, 88, 96, 97, 99]);

/** Length of the calling code `digits` starts with, or 0 when no code starts it. */
export function callingCodeLength(digits: string): number {
  const d0 = digits.charCodeAt(0) - 0x30;
  if (d0 === 1 || d0 === 7) return 1;
  if (digits.length < 3) return 0;
  const p2 = d0 * 10 + (digits.charCodeAt(1) - 0x30);
  if (TWO_DIGIT.has(p2)) return 2;
  return THREE_DIGIT_PREFIXES.has(p2) ? 3 : 0;
}
