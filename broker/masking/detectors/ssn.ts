/**
 * `ssn`: US Social Security numbers written `ddd-dd-dddd` or `ddd dd dddd`, one separator
 * throughout. Numbers the SSA never issues are skipped: area 000, 666 and 900–999, group 00,
 * serial 0000. Nine bare digits are not matched: as many order numbers, ids and phone fragments
 * look like that as SSNs do.
 *
 * Not part of a longer number: not after a word character, a sign, a dot, a slash or "digit and
 * separator", not before a word character, a dash, a slash, "separator and digit" or a decimal.
 */
import { F_DIGITS9, F_LEN11 } from './profile.js';
import type { Detector, DetectorHit } from './types.js';

const SSN = /(?<![A-Za-z0-9_+\-./]|\d[ -])(?!000|666|9)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?![A-Za-z0-9_\-/]|[ .,]\d)/g;

function findSsns(text: string, out: DetectorHit[]): void {
  SSN.lastIndex = 0;
  for (let m = SSN.exec(text); m !== null; m = SSN.exec(text)) {
    out.push({ detector: 'ssn', start: m.index, end: m.index + m[0].length });
  }
}

export const ssnDetector: Detector = {
  name: 'ssn',
  passes: [{ gate: [F_DIGITS9 | F_LEN11], find: findSsns }],
};
