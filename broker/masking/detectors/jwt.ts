/**
 * `jwt`: JSON Web Tokens in the compact serialization (RFC 7519 §3, RFC 7515 §7.1): three
 * base64url segments separated by dots — header, payload, signature (empty for an unsecured
 * token, RFC 7519 §6) — or five for an encrypted one (RFC 7516 §7.1). The header is a JSON object
 * with an `alg` member (RFC 7515 §4.1.1); `{"` encodes to `eyJ`, so a header starting so is
 * taken as is, any other is decoded and parsed. At least 30 characters: shorter dotted words are
 * host names and file names. A token is not part of a longer dotted name (`a.b.c.d`) — except
 * when its header starts with `eyJ`, a signal strong enough to mask the whole dotted run
 * (`prefix.<jwt>`, `<jwt>.extra`) rather than let a token through. A sentence's final dot after
 * the token is not part of it.
 *
 * Hand-written rather than a regex: a regex tries every word of a text as a first segment, while
 * walking from dot to dot (`indexOf`) touches each character about once.
 */
import { F_DOTS2, F_LEN30 } from './profile.js';
import type { Detector, DetectorHit } from './types.js';

const DOT = 0x2e;
const MIN_LENGTH = 30;

/** base64url alphabet (RFC 4648 §5). */
function isSeg(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f;
}

function segmentEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && isSeg(text.charCodeAt(i))) i++;
  return i;
}

function segmentStart(text: string, from: number): number {
  let i = from;
  while (i > 0 && isSeg(text.charCodeAt(i - 1))) i--;
  return i;
}

/** A dot followed by a segment character: the dotted name goes on. */
function continues(text: string, at: number): boolean {
  return text.charCodeAt(at) === DOT && isSeg(text.charCodeAt(at + 1));
}

function isJoseHeader(segment: string): boolean {
  if (segment.startsWith('eyJ')) return true;
  // base64url without padding never leaves one character over.
  if (segment.length % 4 === 1) return false;
  const json = Buffer.from(segment, 'base64url').toString('utf8');
  if (!json.trimStart().startsWith('{')) return false;
  try {
    const header: unknown = JSON.parse(json);
    return typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string';
  } catch {
    return false;
  }
}

/** End of the whole dotted run from `at` on. */
function runEnd(text: string, at: number): number {
  let end = at;
  while (continues(text, end)) end = segmentEnd(text, end + 1);
  return end;
}

/** End of the token whose first dot is `dot`, or -1; `eyJ`: the header starts with `eyJ`. */
function tokenEnd(text: string, dot: number, eyJ: boolean): number {
  const payloadEnd = segmentEnd(text, dot + 1);
  if (payloadEnd - dot - 1 < 2 || text.charCodeAt(payloadEnd) !== DOT) return -1;
  const signatureEnd = segmentEnd(text, payloadEnd + 1);
  if (!continues(text, signatureEnd)) return signatureEnd;
  // Five segments (JWE): two more, the last non-empty, and nothing after.
  const ivEnd = segmentEnd(text, signatureEnd + 1);
  if (text.charCodeAt(ivEnd) === DOT) {
    const end = segmentEnd(text, ivEnd + 1);
    if (end > ivEnd + 1 && !continues(text, end)) return end;
  }
  return eyJ ? runEnd(text, signatureEnd) : -1;
}

function findJwts(text: string, out: DetectorHit[]): void {
  let dot = text.indexOf('.');
  while (dot !== -1) {
    let start = segmentStart(text, dot);
    const eyJ = text.startsWith('eyJ', start);
    // A header of 2+ characters that does not follow a dot (`a.b.c.d` from its second name on).
    if (dot - start >= 2 && (eyJ || text.charCodeAt(start - 1) !== DOT)) {
      const end = tokenEnd(text, dot, eyJ);
      if (end !== -1 && end - start >= MIN_LENGTH && isJoseHeader(text.slice(start, dot))) {
        // `prefix.eyJ…`: the dotted run is masked from its start.
        while (eyJ && text.charCodeAt(start - 1) === DOT && isSeg(text.charCodeAt(start - 2))) {
          start = segmentStart(text, start - 1);
        }
        out.push({ detector: 'jwt', start, end });
        dot = text.indexOf('.', end);
        continue;
      }
    }
    dot = text.indexOf('.', dot + 1);
  }
}

export const jwtDetector: Detector = {
  name: 'jwt',
  passes: [{ gate: [F_DOTS2 | F_LEN30], find: findJwts }],
};
