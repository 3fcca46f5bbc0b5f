import { describe, expect, it } from 'vitest';
import { contentScanner } from '../../../../../broker/masking/detectors/index.js';
import { mergeHits } from '../../../../../broker/masking/detectors/merge.js';
import { replacement } from '../../../../../broker/masking/detectors/replacement.js';
import { DETECTORS } from '../../../../../broker/masking/types.js';
import type { DetectorName } from '../../../../../broker/masking/types.js';

const all = contentScanner(DETECTORS);
const b64 = (s: string): string => Buffer.from(s).toString('base64url');
const JWT = `${b64('{"alg":"HS256","typ":"JWT"}')}.${b64('{"sub":"1234567890"}')}.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U`;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Ordinary column values: none holds anything to mask. */
const CLEAN = [
  'Ada Lovelace', 'active', 'ORD-2024-000123', '2024-01-02 10:30:00.123+00', '2024-01-02T10:30:00Z',
  '550e8400-e29b-41d4-a716-446655440000', '1234.56', '$1,299.00', 'v1.2.3.4', '1704186000000', '9223372036854775807',
  'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  '{"status":"shipped","items":3,"total":"149.90","updated_at":"2024-05-06T07:08:09Z"}',
  'SKU AB12-CD34, qty 12, warehouse 7', 'pip install sk-learn', 'user@localhost', 'lodash@4.17.21',
  'The quick brown fox jumps over the lazy dog.', 'Привет, мир! 你好，世界 🌍', 'api.example.com', '192.168.0.1',
  'INV-000123456789', 'order #1234567890123456', '10:30:00', 'ISBN 978-3-16-148410-0',
];

describe('contentScanner', () => {
  it('compiles each set of detectors once, whatever the order or repeats', () => {
    expect(contentScanner(['email', 'card'])).toBe(contentScanner(['card', 'email', 'card']));
    expect(contentScanner(['card'])).not.toBe(contentScanner(['card', 'email']));
    expect(contentScanner(['phone', 'card']).detectors).toEqual(['card', 'phone']);
  });

  it('refuses an unknown detector name', () => {
    expect(() => contentScanner(['card', 'dna' as DetectorName])).toThrow(/unknown content detector: dna/);
  });

  it('with no detectors finds nothing', () => {
    const none = contentScanner([]);
    expect(none.scan('4111111111111111 ada@example.com')).toEqual([]);
    expect(none.mask('4111111111111111').text).toBe('4111111111111111');
  });

  it('handles the empty string', () => {
    expect(all.scan('')).toEqual([]);
    expect(all.mask('')).toEqual({ text: '', detectors: [] });
  });

  it.each(CLEAN)('leaves %j alone, returning the same string', (value) => {
    expect(all.scan(value)).toEqual([]);
    const masked = all.mask(value);
    expect(masked.text).toBe(value);
    expect(masked.detectors).toEqual([]);
  });

  it('shares one frozen empty detectors list between clean results', () => {
    const a = all.mask('clean').detectors;
    expect(all.mask('also clean').detectors).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
  });

  it('only applies the detectors it was built with', () => {
    const text = 'card 4111111111111111, mail ada@example.com';
    expect(contentScanner(['email']).mask(text).text).toBe('card 4111111111111111, mail [masked:email]');
    expect(contentScanner(['card']).mask(text).text).toBe('card [masked:card …1111], mail ada@example.com');
  });

  it('masks every kind in one text, keeps the rest, and lists the detectors in DETECTORS order', () => {
    const text = `Ada (ada@example.com, +44 20 7946 0958) paid with 4242 4242 4242 4242 from DE89 3704 0044 0532 0130 00; SSN 078-05-1120; token ${JWT}; key ${['AKIA', 'IOSFODNN7EXAMPLE'].join('')}.`;
    const masked = all.mask(text);
    expect(masked.text).toBe('Ada ([masked:email], [masked:phone]) paid with [masked:card …4242] from [masked:iban]; SSN [masked:ssn]; token [masked:jwt]; key [masked:cloud-key].');
    expect(masked.detectors).toEqual(['card', 'ssn', 'email', 'phone', 'iban', 'jwt', 'cloud-key']);
    expect(all.scan(text).map((h) => h.detector)).toEqual(['email', 'phone', 'card', 'iban', 'ssn', 'jwt', 'cloud-key']);
  });

  it('returns hits in text order with offsets into the text', () => {
    const text = 'é ada@example.com 😀 4111111111111111';
    expect(all.scan(text)).toEqual([
      { detector: 'email', start: 2, end: 17 },
      { detector: 'card', start: 21, end: 37 },
    ]);
  });

  it('merges overlapping hits into one, labelled by the longest', () => {
    // A Bearer JWT is both an api-token and a jwt: one span, labelled jwt (same length, listed first).
    expect(all.scan(`Authorization: Bearer ${JWT}`)).toEqual([{ detector: 'jwt', start: 22, end: 22 + JWT.length }]);
    expect(all.mask(`Authorization: Bearer ${JWT}`).text).toBe('Authorization: Bearer [masked:jwt]');
    // Both phone forms find `415-555-2671` inside `+1 415-555-2671`.
    expect(all.scan('call +1 415-555-2671 now')).toEqual([{ detector: 'phone', start: 5, end: 20 }]);
    // Everything inside a private key block is the key.
    const pem = '-----BEGIN PRIVATE KEY-----\n4111111111111111 ada@example.com\n-----END PRIVATE KEY-----';
    expect(all.mask(`x ${pem} y`)).toEqual({ text: 'x [masked:private-key] y', detectors: ['private-key'] });
  });

  it('merging: partial overlaps join, touching spans stay apart, a widened card loses its digits', () => {
    expect(mergeHits([
      { detector: 'phone', start: 10, end: 20 },
      { detector: 'card', start: 0, end: 16 },
      { detector: 'email', start: 20, end: 30 },
    ])).toEqual([{ detector: 'card', start: 0, end: 20 }, { detector: 'email', start: 20, end: 30 }]);
    expect(mergeHits([])).toEqual([]);
    // The last four digits are shown only when the span is exactly a card number.
    const text = '4111111111111111 +1 5';
    expect(replacement(text, { detector: 'card', start: 0, end: 16 })).toBe('[masked:card …1111]');
    expect(replacement(text, { detector: 'card', start: 0, end: 21 })).toBe('[masked:card]');
  });

  it('a masked text holds nothing more to mask', () => {
    const once = all.mask(`4242424242424242 ada@example.com ${JWT}`).text;
    expect(all.mask(once).text).toBe(once);
  });

  it('keeps surrogate pairs and combining marks around hits intact', () => {
    const text = '👩‍💻 Zoë ada@example.com 🇩🇪 4111111111111111 é';
    const masked = all.mask(text).text;
    expect(masked).toBe('👩‍💻 Zoë [masked:email] 🇩🇪 [masked:card …1111] é');
    expect(masked).not.toMatch(LONE_SURROGATE);
  });

  /** Best of three, after a warm-up run: a guard against accidental quadratic behaviour, not a benchmark (see bench-detectors.ts). */
  function bestMillis(text: string): number {
    expect(all.mask(text).text).toBe(text);
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      all.mask(text);
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  }

  it('scans a 1 MB clean text quickly', () => {
    let big = '';
    for (let i = 0; big.length < 1_000_000; i++) big += `${CLEAN[i % CLEAN.length] ?? ''} `;
    expect(bestMillis(big)).toBeLessThan(50);
  });

  it('scans 1 MB of prose, of dense digits and of one unbroken token quickly', () => {
    expect(bestMillis('The quick brown fox jumps over the lazy dog. '.repeat(23_000))).toBeLessThan(50);
    expect(bestMillis('2024-01-02 10:30:00 1234.56 +0100 '.repeat(30_000))).toBeLessThan(50);
    // Worst cases for backtracking: one huge word, one huge dotted name, one huge digit run.
    expect(bestMillis('a'.repeat(1_000_000))).toBeLessThan(50);
    expect(bestMillis('ab.'.repeat(333_333))).toBeLessThan(50);
    expect(bestMillis('1'.repeat(1_000_000))).toBeLessThan(50);
    expect(bestMillis('a@'.repeat(500_000))).toBeLessThan(50);
  });
});
