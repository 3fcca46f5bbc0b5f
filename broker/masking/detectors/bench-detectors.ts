/**
 * Micro-benchmark of the content detectors, all nine enabled (the worst case for a rule):
 * `npx tsx broker/masking/detectors/bench-detectors.ts`. Prints nanoseconds per value for typical
 * clean column values (names, ids, timestamps, UUIDs, amounts, prose), for values that each hold
 * something to mask, and for a 1 MB clean text. Figures vary with the machine; compare runs on one.
 */
import { DETECTORS } from '../types.js';
import { contentScanner } from './scanner.js';

const CLEAN: readonly string[] = [
  'Ada Lovelace',
  'active',
  'ORD-2024-000123',
  '2024-01-02 10:30:00.123+00',
  '550e8400-e29b-41d4-a716-446655440000',
  '1234.56',
  'v1.2.3.4',
  'The quick brown fox jumps over the lazy dog, then naps in the afternoon sun.',
  '{"status":"shipped","items":3,"total":"149.90","updated_at":"2024-05-06T07:08:09Z"}',
  'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  'SKU AB12-CD34, qty 12, warehouse 7',
  '1712345678901',
];

// Built from pieces so secret scanners do not flag this file; none of these are real credentials.
const DIRTY: readonly string[] = [
  'Paid with 4111 1111 1111 1111 on 2024-01-02',
  'SSN 078-05-1120 on file',
  'contact: ada.lovelace+news@example.co.uk',
  'call +44 20 7946 0958 or (415) 555-2671',
  'IBAN DE89 3704 0044 0532 0130 00, BIC COBADEFFXXX',
  'token=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  `key id ${'AKIA'}IOSFODNN7EXAMPLE`,
  `Authorization: Bearer ${'gh'}p_${'a1B2c3D4e5F6g7H8i9J0'}${'k1L2m3N4o5P6q7R8'}`,
  `-----BEGIN ${'PRIVATE'} KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END ${'PRIVATE'} KEY-----`,
];

const scanner = contentScanner(DETECTORS);

function nsPerValue(values: readonly string[], minMillis = 300): number {
  let sink = 0;
  // Warm up so the figures are for optimized code.
  for (let i = 0; i < 2000; i++) for (const v of values) sink += scanner.mask(v).text.length;
  let rounds = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0n;
  do {
    for (let i = 0; i < 1000; i++) for (const v of values) sink += scanner.mask(v).text.length;
    rounds += 1000;
    elapsed = process.hrtime.bigint() - t0;
  } while (elapsed < BigInt(minMillis) * 1_000_000n);
  if (sink === -1) console.log(sink); // keep the work observable
  return Number(elapsed) / (rounds * values.length);
}

function bigText(): string {
  const words = 'the quick brown fox jumps over the lazy dog while order 42 ships on time and everyone is happy'.split(' ');
  let s = '';
  for (let i = 0; s.length < 1_000_000; i++) s += (words[i % words.length] ?? '') + (i % 17 === 0 ? '. ' : ' ');
  return s;
}

function msForBigText(text: string): number {
  scanner.mask(text);
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const t0 = process.hrtime.bigint();
    scanner.mask(text);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return best;
}

const fmt = (ns: number): string => `${ns.toFixed(0).padStart(6)} ns/value`;
console.log(`content detectors (${DETECTORS.join(', ')})`);
console.log(`  clean values (${CLEAN.length} kinds)  ${fmt(nsPerValue(CLEAN))}`);
for (const v of CLEAN) console.log(`    ${fmt(nsPerValue([v], 50))}  ${JSON.stringify(v).slice(0, 60)}`);
console.log(`  dirty values (${DIRTY.length} kinds)  ${fmt(nsPerValue(DIRTY))}`);
const big = bigText();
console.log(`  1 MB clean text         ${msForBigText(big).toFixed(2)} ms`);
