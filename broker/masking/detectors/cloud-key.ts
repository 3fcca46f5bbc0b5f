/**
 * `cloud-key`: cloud provider credentials.
 *
 * - AWS access key ids: `AKIA` (long-term) or `ASIA` (temporary) + 16 upper-case letters/digits.
 *   Other AWS id prefixes (`AIDA`, `AROA`, …) name users and roles and are not secrets.
 * - Google API keys: `AIza` + 35 base64url characters.
 * - AWS secret access keys (40 base64 characters) and Azure storage / Service Bus keys
 *   (`AccountKey=`, `SharedAccessKey=`): random base64 with no marker of their own, so only when
 *   labelled (`aws_secret_access_key = …`, `"SecretAccessKey": "…"`, connection strings). Only
 *   the value is masked; the label stays, so the reader knows what was there.
 */
import { F_LEN20, F_LEN50, F_UPPER2 } from './profile.js';
import type { Detector, DetectorHit } from './types.js';

const KEY_ID = /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])|(?<![A-Za-z0-9_-])AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/g;

/** The value is the last capture and ends the match: its start is `index + length - value length`. */
const AWS_SECRET = /(?<![A-Za-z0-9])(?:aws[_-]?secret[_-]?(?:access[_-]?)?key|secret[_-]?access[_-]?key)["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi;
const AZURE_KEY = /(?<![A-Za-z0-9])(?:AccountKey|SharedAccessKey)\s*=\s*([A-Za-z0-9+/]{40,}={0,2})/gi;

function findAll(re: RegExp, text: string, out: DetectorHit[]): void {
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const end = m.index + m[0].length;
    const value = m[1];
    out.push({ detector: 'cloud-key', start: value === undefined ? m.index : end - value.length, end });
  }
}

export const cloudKeyDetector: Detector = {
  name: 'cloud-key',
  passes: [
    { gate: [F_LEN20 | F_UPPER2], find: (text, out) => findAll(KEY_ID, text, out) },
    {
      // A label and 40 characters; a literal search rules most texts out before the regex.
      gate: [F_LEN50],
      find: (text, out) => {
        if (text.includes('ecret') || text.includes('ECRET')) findAll(AWS_SECRET, text, out);
      },
    },
    // `AccountKey`'s capitals, or those of a random base64 value.
    { gate: [F_LEN50 | F_UPPER2], find: (text, out) => findAll(AZURE_KEY, text, out) },
  ],
};
