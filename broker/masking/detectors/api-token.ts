/**
 * `api-token`: API tokens whose issuers give them a recognisable prefix, and bearer tokens.
 *
 * - Stripe secret and restricted keys: `sk_live_`, `sk_test_`, `rk_live_`, `rk_test_` + 16 or
 *   more letters/digits (publishable `pk_` keys are public by design).
 * - GitHub: `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_` + 36 letters/digits; fine-grained `github_pat_`.
 * - Slack: `xoxa-`, `xoxb-`, `xoxp-`, `xoxr-`, `xoxs-` + dash-separated parts with digits.
 * - OpenAI-style `sk-` keys (also `sk-proj-…`, `sk-ant-…`): some dash-separated part of 20+
 *   characters mixing letters and digits — which `sk-learn`, `sk-some-long-hyphenated-name` and
 *   other words never do.
 * - `Bearer <token>` (RFC 6750 §2.1): 20+ token characters with a digit or mixed case; the word
 *   Bearer stays, the token is masked.
 */
import { F_DASH, F_LEN20, F_LETTER_B, F_UNDERSCORE } from './profile.js';
import type { Detector, DetectorHit } from './types.js';

const PREFIXED = /(?<![A-Za-z0-9_-])(?:[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,}|xox[abprs]-[A-Za-z0-9-]{10,}|sk-[A-Za-z0-9_-]{20,})(?![A-Za-z0-9_-])/g;

const BEARER = /(?<![A-Za-z0-9])bearer[ \t]+([A-Za-z0-9._~+/-]{20,}=*)(?![A-Za-z0-9._~+/=-])/gi;

const DIGIT = /[0-9]/;
const UPPER = /[A-Z]/;
const LOWER = /[a-z]/;
const LETTER = /[A-Za-z]/;

/** A random-looking part: letters and digits together. */
function mixed(part: string): boolean {
  return DIGIT.test(part) && LETTER.test(part);
}

function plausible(token: string): boolean {
  if (token.startsWith('xox')) return DIGIT.test(token) && token.indexOf('-', 5) !== -1;
  if (token.startsWith('sk-')) return token.slice(3).split('-').some((part) => part.length >= 20 && mixed(part));
  return true;
}

function findPrefixed(text: string, out: DetectorHit[]): void {
  PREFIXED.lastIndex = 0;
  for (let m = PREFIXED.exec(text); m !== null; m = PREFIXED.exec(text)) {
    if (plausible(m[0])) out.push({ detector: 'api-token', start: m.index, end: m.index + m[0].length });
  }
}

function findBearer(text: string, out: DetectorHit[]): void {
  BEARER.lastIndex = 0;
  for (let m = BEARER.exec(text); m !== null; m = BEARER.exec(text)) {
    const token = m[1] ?? '';
    if (!DIGIT.test(token) && !(UPPER.test(token) && LOWER.test(token))) continue;
    const end = m.index + m[0].length;
    out.push({ detector: 'api-token', start: end - token.length, end });
  }
}

export const apiTokenDetector: Detector = {
  name: 'api-token',
  passes: [
    // Every prefix holds `_` or `-`.
    { gate: [F_LEN20 | F_UNDERSCORE, F_LEN20 | F_DASH], find: findPrefixed },
    {
      gate: [F_LEN20 | F_LETTER_B],
      find: (text, out) => {
        // A literal search rules out most texts with a `b` before the case-insensitive regex.
        if (text.includes('earer') || text.includes('EARER')) findBearer(text, out);
      },
    },
  ],
};
