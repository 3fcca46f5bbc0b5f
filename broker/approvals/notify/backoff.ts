/**
 * When to try a failed notification again. Exponential backoff with jitter, so that many
 * deliveries failing at once (a receiver restarting) do not all come back in the same instant.
 */

/** Spread of the jitter around the nominal delay: ±20%. */
const JITTER = 0.2;

/**
 * Delay before attempt `failedAttempts + 1`, after `failedAttempts` (≥ 1) failures:
 * `baseMs * 2^(failedAttempts - 1)`, capped at `maxMs`, then moved by up to ±20% at random and
 * capped again (the cap is a promise to the operator: no wait is ever longer).
 */
export function backoffDelay(failedAttempts: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, failedAttempts - 1);
  // 2^exponent overflows to Infinity long before it matters; the cap keeps the result finite.
  const nominal = Math.min(maxMs, baseMs * 2 ** exponent);
  const jittered = nominal * (1 + JITTER * (2 * random() - 1));
  return Math.max(0, Math.min(maxMs, Math.round(jittered)));
}

/**
 * A `Retry-After` header as milliseconds from now, or undefined when absent or unreadable.
 * RFC 9110 §10.2.3 allows delay-seconds or an HTTP-date; both are accepted.
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // Every HTTP-date form starts with a day name; this keeps Date.parse from reading "-5" as a year.
  if (!/^[A-Za-z]{3}/.test(value)) return undefined;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/**
 * The delay before the next attempt. A receiver's `Retry-After` (on 429 and 503) is honoured
 * when it is within `maxMs`: retrying sooner than asked would likely be refused again. One
 * asking for longer than `maxMs` gets `maxMs`, so a single receiver cannot park a delivery (and
 * the broker's shutdown) for hours.
 */
export function retryDelay(failedAttempts: number, retryAfterMs: number | undefined, baseMs: number, maxMs: number, random?: () => number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, maxMs);
  return backoffDelay(failedAttempts, baseMs, maxMs, random);
}
