/**
 * `iban`: International Bank Account Numbers (ISO 13616): country code, two check digits, then
 * the national account number, either contiguous (`DE89370400440532013000`) or printed in groups
 * of four separated by single spaces (`DE89 3704 0044 0532 0130 00`). Upper case only, as both
 * formats are defined. A candidate must have its country's exact length and pass the ISO 7064
 * MOD 97-10 check, which random strings pass about once in 97.
 */
import { isAlnum, isUpperAlnum } from './chars.js';
import { IBAN_LENGTHS } from './iban-lengths.js';
import { F_DIGITS2, F_LEN15, F_UPPER2 } from './profile.js';
import type { Detector, DetectorHit } from './types.js';

/** Country code and check digits at the start of a token. */
const START = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}/g;

const SPACE = 0x20;

/**
 * End of the IBAN that starts at `start` with `length` characters (spaces not counted), or -1.
 * Spaced form: every group but the last has exactly four characters.
 */
function ibanEnd(text: string, start: number, length: number): number {
  let i = start + 4;
  let n = 4;
  if (text.charCodeAt(i) === SPACE) {
    while (n < length) {
      if (text.charCodeAt(i) !== SPACE) return -1;
      i++;
      let g = 0;
      while (g < 4 && n < length && isUpperAlnum(text.charCodeAt(i))) {
        i++;
        g++;
        n++;
      }
      if (g === 0 || (g < 4 && n < length)) return -1;
    }
  } else {
    while (n < length && isUpperAlnum(text.charCodeAt(i))) {
      i++;
      n++;
    }
    if (n < length) return -1;
  }
  return isAlnum(text.charCodeAt(i)) ? -1 : i;
}

/**
 * ISO 7064 MOD 97-10 as ISO 13616 applies it: move the first four characters to the end, read
 * letters as numbers (A = 10 … Z = 35), and the whole must be 1 modulo 97. Computed digit by digit
 * so no big integer is needed.
 */
export function ibanChecksumValid(text: string, start: number, end: number): boolean {
  let r = 0;
  const add = (c: number): void => {
    if (c === SPACE) return;
    r = c <= 0x39 ? (r * 10 + (c - 0x30)) % 97 : (r * 100 + (c - 55)) % 97;
  };
  for (let i = start + 4; i < end; i++) add(text.charCodeAt(i));
  for (let i = start; i < start + 4; i++) add(text.charCodeAt(i));
  return r === 1;
}

function findIbans(text: string, out: DetectorHit[]): void {
  START.lastIndex = 0;
  for (let m = START.exec(text); m !== null; m = START.exec(text)) {
    const length = IBAN_LENGTHS.get(m[0].slice(0, 2));
    if (length === undefined) continue;
    // Check digits are 98 minus a remainder modulo 97: 00, 01 and 99 cannot occur.
    const check = m[0].slice(2);
    if (check === '00' || check === '01' || check === '99') continue;
    const end = ibanEnd(text, m.index, length);
    if (end === -1 || !ibanChecksumValid(text, m.index, end)) continue;
    out.push({ detector: 'iban', start: m.index, end });
    START.lastIndex = end;
  }
}

export const ibanDetector: Detector = {
  name: 'iban',
  passes: [{ gate: [F_LEN15 | F_DIGITS2 | F_UPPER2], find: findIbans }],
};
