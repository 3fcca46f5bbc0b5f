/**
 * `private-key`: PEM private keys (RFC 7468): `-----BEGIN [RSA |EC |DSA |OPENSSH |ENCRYPTED ]PRIVATE
 * KEY-----` through the matching `-----END … PRIVATE KEY-----`, and OpenPGP secret key blocks
 * (RFC 4880 §6.2). The whole block is masked, armour lines included. A BEGIN line without its END
 * (a truncated value) is masked to the end of the text: whatever follows it is key material.
 * Public keys and certificates are not secrets and are left alone.
 */
import { F_DASHES10, F_LEN35 } from './profile.js';
import type { Detector, DetectorHit } from './types.js';

const BEGIN = /-----BEGIN (?:(?:RSA|EC|DSA|OPENSSH|ENCRYPTED) )?PRIVATE KEY-----|-----BEGIN PGP PRIVATE KEY BLOCK-----/g;
const END = /-----END (?:(?:RSA|EC|DSA|OPENSSH|ENCRYPTED) )?PRIVATE KEY-----|-----END PGP PRIVATE KEY BLOCK-----/g;

function findPrivateKeys(text: string, out: DetectorHit[]): void {
  BEGIN.lastIndex = 0;
  for (let m = BEGIN.exec(text); m !== null; m = BEGIN.exec(text)) {
    END.lastIndex = m.index + m[0].length;
    const e = END.exec(text);
    const end = e === null ? text.length : e.index + e[0].length;
    out.push({ detector: 'private-key', start: m.index, end });
    BEGIN.lastIndex = end;
  }
}

export const privateKeyDetector: Detector = {
  name: 'private-key',
  passes: [{ gate: [F_DASHES10 | F_LEN35], find: findPrivateKeys }],
};
