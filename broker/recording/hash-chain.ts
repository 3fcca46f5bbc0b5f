/**
 * The journal's hash chain. Each line is a JSON object whose last member is
 * `"hash":"<64 hex>"`, where
 *
 *     hash(n) = SHA-256( hash(n-1) as hex  ||  line(n) up to, not including, `,"hash":…}` )
 *
 * and hash(0) is 64 zeros. A record therefore commits to its own bytes and to every record
 * before it: editing, deleting or reordering a record breaks the first hash after the change.
 * The hash covers the stored bytes, not a re-serialisation, so the verifier needs no canonical
 * JSON. Cost: one one-shot `crypto.hash` per record, ~0.7 µs for a 400-byte record here (an
 * incremental `createHash` was ~1.3 µs, an HMAC ~2.6 µs).
 *
 * A chain alone cannot show that its newest records were cut off; `airlock audit verify` prints
 * the head (sequence number and hash) so it can be anchored elsewhere, and the PostgreSQL store
 * keeps a second copy.
 */
import { hash } from 'node:crypto';

export const GENESIS = '0'.repeat(64);
const SUFFIX_START = ',"hash":"';
/** `,"hash":"` + 64 hex digits + `"}` */
const SUFFIX_LENGTH = SUFFIX_START.length + 64 + 2;

export function linkHash(previous: string, body: string): string {
  return hash('sha256', previous + body, 'hex');
}

/** Closes `body` (a JSON object without its closing brace) with its hash; returns the line without newline. */
export function sealLine(previous: string, body: string): { line: string; hash: string } {
  const h = linkHash(previous, body);
  return { line: `${body}${SUFFIX_START}${h}"}`, hash: h };
}

/** The hashed body and the stored hash of a line, or undefined when the line carries no hash member last. */
export function splitLine(line: string): { body: string; hash: string } | undefined {
  if (line.length <= SUFFIX_LENGTH || !line.endsWith('"}')) return undefined;
  const at = line.length - SUFFIX_LENGTH;
  if (!line.startsWith(SUFFIX_START, at)) return undefined;
  const h = line.slice(at + SUFFIX_START.length, line.length - 2);
  if (!/^[0-9a-f]{64}$/.test(h)) return undefined;
  return { body: line.slice(0, at), hash: h };
}
