/**
 * Micro-benchmark of the content detectors, all nine enabled (the worst case for a rule):
 * `npx tsx broker/masking/detectors/bench-detectors.ts`. Prints nanoseconds per value for typical
 * clean column values (names, ids, timestamps, UUIDs, amounts, prose, JSON), for values that each
 * hold something to mask, and milliseconds for 1 MB texts. Each figure is the best of several
 * rounds, as the least disturbed by other processes; compare runs on one machine only.
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
  '1712345678901',
  'SKU AB12-CD34, qty 12, warehouse 7',
  'The quick brown fox jumps over the lazy dog, then naps in the afternoon sun.',
  '{"status":"shipped","items":3,"total":"149.90","updated_at":"2024-05-06T07:08:09Z"}',
  'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
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
let sink = 0;

const ITERATIONS = 2000;
const ROUNDS = 7;

/** Best of ROUNDS rounds of ITERATIONS masks of each of `values`, in ns per value. */
function nsPerValue(values: readonly string[]): number {
  for (let i = 0; i < ITERATIONS; i++) for (const v of values) sink += scanner.mask(v).text.length; // warm up
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < ITERATIONS; i++) for (const v of values) sink += scanner.mask(v).text.length;
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / (ITERATIONS * values.length));
  }
  return best;
}

/**
 * The machine's yardstick, measured the same way: one bare `charCodeAt` pass over each value, the
 * least any scan can cost. (A separate loop, not a callback: a shared call site would slow both.)
 */
function nsPerCharPass(values: readonly string[]): number {
  const pass = (): void => {
    for (let i = 0; i < ITERATIONS; i++) {
      for (const v of values) for (let k = 0; k < v.length; k++) sink += v.charCodeAt(k);
    }
  };
  pass();
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    pass();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / (ITERATIONS * values.length));
  }
  return best;
}

function msPerText(text: string): number {
  sink += scanner.mask(text).text.length;
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const t0 = process.hrtime.bigint();
    sink += scanner.mask(text).text.length;
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return best;
}

function repeatTo(size: number, values: readonly string[]): string {
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const v = values[i % values.length] ?? '';
    parts.push(v);
    length += v.length + 1;
  }
  return parts.join(' ');
}

const ns = (n: number): string => `${n.toFixed(0).padStart(6)} ns/value`;
const ms = (n: number): string => `${n.toFixed(1).padStart(6)} ms`;
const label = (v: string): string => JSON.stringify(v.length > 48 ? `${v.slice(0, 45)}…` : v);

console.log(`content detectors: ${DETECTORS.join(', ')}`);
console.log(`clean values, mixed   ${ns(nsPerValue(CLEAN))}   (a bare charCodeAt pass over them: ${nsPerCharPass(CLEAN).toFixed(0)} ns/value)`);
for (const v of CLEAN) console.log(`  ${ns(nsPerValue([v]))}  ${label(v)}`);
console.log(`dirty values, mixed   ${ns(nsPerValue(DIRTY))}`);
for (const v of DIRTY) console.log(`  ${ns(nsPerValue([v]))}  ${label(v)}`);
console.log('1 MB texts');
console.log(`  ${ms(msPerText(repeatTo(1_000_000, CLEAN)))}  clean values joined`);
console.log(`  ${ms(msPerText('The quick brown fox jumps over the lazy dog. '.repeat(23_000)))}  prose`);
console.log(`  ${ms(msPerText('2024-01-02 10:30:00 1234.56 +0100 '.repeat(30_000)))}  dense digits and separators`);
console.log(`  ${ms(msPerText(repeatTo(1_000_000, DIRTY)))}  dirty values joined (${scanner.scan(repeatTo(1_000_000, DIRTY)).length} hits)`);
if (sink === -1) console.log(sink); // keeps the work observable to the optimizer
