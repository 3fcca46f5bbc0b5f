/**
 * Successful verifications, so a client that opens many connections with one token is not
 * re-verified each time. Keyed by the token's SHA-256 (tokens themselves are not kept), bounded,
 * least-recently-used first out. An entry is dropped shortly before the token's `exp` and never
 * served after it.
 */
import { createHash } from 'node:crypto';
import type { Principal } from './types.js';

export interface VerificationCacheOptions {
  readonly maxEntries: number;
  /** Entries are dropped this long before the token expires. */
  readonly marginMs: number;
  /** Upper bound on how long any entry is used, so configuration and key changes take effect. */
  readonly maxAgeMs: number;
  readonly now: () => number;
}

interface Entry {
  readonly principal: Principal;
  readonly until: number;
}

export function tokenKey(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export class VerificationCache {
  readonly #entries = new Map<string, Entry>();
  readonly #opts: VerificationCacheOptions;
  hits = 0;
  misses = 0;

  constructor(opts: VerificationCacheOptions) {
    this.#opts = opts;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): Principal | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) {
      this.misses++;
      return undefined;
    }
    const now = this.#opts.now();
    // `until` is already before exp; the second test is a belt against a misbehaving clock.
    if (now >= entry.until || now >= entry.principal.expiresAt * 1000) {
      this.#entries.delete(key);
      this.misses++;
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    this.hits++;
    return entry.principal;
  }

  set(key: string, principal: Principal): void {
    const now = this.#opts.now();
    const until = Math.min(principal.expiresAt * 1000 - this.#opts.marginMs, now + this.#opts.maxAgeMs);
    if (until <= now || this.#opts.maxEntries <= 0) return;
    this.#entries.delete(key);
    if (this.#entries.size >= this.#opts.maxEntries) this.#evict();
    this.#entries.set(key, { principal, until });
  }

  clear(): void {
    this.#entries.clear();
  }

  /** Least recently used first; expired entries also leave lazily, when looked up. */
  #evict(): void {
    while (this.#entries.size >= this.#opts.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
  }
}
