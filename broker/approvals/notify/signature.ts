/**
 * The `airlock-signature` header on generic webhook deliveries, in the style Stripe uses:
 *
 *     airlock-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * HMAC (RFC 2104) with SHA-256 proves the body came from someone holding the shared secret and
 * was not changed. Signing the timestamp with the body lets a receiver refuse old deliveries
 * (replays) by checking `t` against its clock. The broker signs each attempt afresh, so `t` is
 * the time of that attempt while the body (and its `id`) stay the same for every retry of one
 * delivery: receivers deduplicate on the `id`. More than one `v1=` entry is accepted when
 * verifying, so a receiver can roll its secret over while both keys are in use.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'airlock-signature';

/** Hex HMAC-SHA256 over `"<t>.<body>"`. */
export function computeSignature(secret: string, timestampSeconds: number, body: string | Uint8Array): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestampSeconds}.`);
  mac.update(body);
  return mac.digest('hex');
}

/** The header value for `body` signed at `timestampSeconds` (default: now). */
export function signatureHeader(secret: string, body: string | Uint8Array, timestampSeconds: number = Math.floor(Date.now() / 1000)): string {
  return `t=${timestampSeconds},v1=${computeSignature(secret, timestampSeconds, body)}`;
}

/**
 * For receivers (and tests): true when `header` carries a `v1` signature of the raw `body`
 * bytes made with `secret`, at a time within `toleranceSeconds` of `nowSeconds`. Verify the
 * body exactly as received, before any JSON parsing. Comparison is constant-time.
 */
export function verifySignature(
  secret: string,
  header: string | null | undefined,
  body: string | Uint8Array,
  toleranceSeconds: number,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): boolean {
  if (typeof header !== 'string' || secret === '') return false;
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,15}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) candidates.push(value.toLowerCase());
  }
  if (timestamp === undefined || candidates.length === 0) return false;
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(computeSignature(secret, timestamp, body), 'hex');
  let ok = false;
  for (const candidate of candidates) {
    // Both are 32 bytes (the pattern above guarantees it), as timingSafeEqual requires.
    // No early exit, so the time taken does not say which entry matched.
    if (timingSafeEqual(expected, Buffer.from(candidate, 'hex'))) ok = true;
  }
  return ok;
}
