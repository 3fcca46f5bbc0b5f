/** Character-class tests on UTF-16 code units, shared by the hand-written scanners. */

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

export function isUpperAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a);
}

/** ASCII letter or digit. */
export function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** ASCII letter, digit or `_`: what glues a number to an identifier. */
export function isWordChar(c: number): boolean {
  return isAlnum(c) || c === 0x5f;
}
