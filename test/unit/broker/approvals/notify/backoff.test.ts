import { describe, expect, it } from 'vitest';
import { backoffDelay, parseRetryAfter, retryDelay } from '../../../../../broker/approvals/notify/backoff.js';

describe('backoff', () => {
  it('doubles from the base and is capped', () => {
    const mid = (): number => 0.5; // no jitter
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, 500, 30_000, mid))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffDelay(20, 500, 30_000, mid)).toBe(30_000);
    expect(backoffDelay(5000, 500, 30_000, mid)).toBe(30_000);
  });

  it('adds ±20% jitter, never above the cap', () => {
    expect(backoffDelay(2, 500, 30_000, () => 0)).toBe(800);
    expect(backoffDelay(2, 500, 30_000, () => 0.999999)).toBe(1200);
    expect(backoffDelay(10, 500, 30_000, () => 0.999999)).toBe(30_000);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(3, 100, 30_000);
      expect(d).toBeGreaterThanOrEqual(320);
      expect(d).toBeLessThanOrEqual(480);
    }
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(' 0 ')).toBe(0);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('-5')).toBeUndefined();
  });

  it('honours Retry-After up to the cap', () => {
    expect(retryDelay(1, 2000, 20, 30_000)).toBe(2000);
    expect(retryDelay(1, 60_000, 20, 30_000)).toBe(30_000);
    expect(retryDelay(1, undefined, 20, 30_000, () => 0.5)).toBe(20);
  });
});
