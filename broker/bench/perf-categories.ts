/**
 * Where a proxy process's CPU goes, by what is on the stack: `perf script` output of a
 * `perf record -g` taken while pgbench ran, each sample classed once —
 *
 *   sys:socket  a system call made from JavaScript (socket reads and writes, the journal's write)
 *   sys:epoll   a system call from the event loop's poll
 *   sys:other   a system call with neither above it (libuv's threads, start-up)
 *   ours        the broker's own JavaScript (a frame from its bundle, `dist/broker/`)
 *   node-js     Node's own JavaScript (streams, timers, Buffer) with none of the broker's above it
 *   native      no JavaScript on the stack at all (GC, the compiler, libuv before a callback)
 *   kernel      interrupts and other kernel work outside a system call
 *
 * and printed as µs of CPU per transaction (samples ÷ frequency ÷ transactions). Run the broker
 * with `--perf-basic-prof` so JIT frames have names (AIRLOCK_BENCH_NODE_ARGS, docs/benchmark.md):
 *
 *   perf record -F 1999 -g -p <pid> -o perf.data   # while pgbench runs; note its transactions
 *   perf script -i perf.data | npx tsx broker/bench/perf-categories.ts --hz 1999 --transactions N
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type Category = 'sys:socket' | 'sys:epoll' | 'sys:other' | 'ours' | 'node-js' | 'native' | 'kernel';

/** One sample's frames, leaf first, as `perf script` prints them (address, symbol, object). */
export function classify(frames: readonly string[], ownCode = 'dist/broker/'): Category {
  if (frames.some((f) => f.includes('entry_SYSCALL'))) {
    const from = frames.find((f) => f.includes('JS:') || f.includes('uv__io_poll') || f.includes('epoll_wait') || f.includes('epoll_pwait'));
    if (from === undefined) return 'sys:other';
    return from.includes('JS:') ? 'sys:socket' : 'sys:epoll';
  }
  if (frames[0]?.includes('[kernel.kallsyms]')) return 'kernel';
  const js = frames.find((f) => f.includes('JS:'));
  if (js === undefined) return 'native';
  return js.includes(ownCode) ? 'ours' : 'node-js';
}

/** Samples per category in `perf script` text (samples are separated by blank lines). */
export function tally(perfScript: string): Map<Category, number> {
  const counts = new Map<Category, number>();
  for (const block of perfScript.split(/\n\s*\n/)) {
    const lines = block.split('\n').map((l) => l.trim()).filter(Boolean);
    // The first line is the sample's header (comm, pid, time, event); frames follow.
    if (lines.length < 2) continue;
    const c = classify(lines.slice(1));
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  return counts;
}

function main(): void {
  const arg = (name: string): number => {
    const i = process.argv.indexOf(name);
    const v = i < 0 ? NaN : Number(process.argv[i + 1]);
    if (!(v > 0)) throw new Error(`usage: perf script | tsx broker/bench/perf-categories.ts --hz HZ --transactions N   (${name} missing)`);
    return v;
  };
  const hz = arg('--hz');
  const transactions = arg('--transactions');
  const chunks: Buffer[] = [];
  process.stdin.on('data', (c: Buffer) => chunks.push(c));
  process.stdin.on('end', () => {
    const counts = tally(Buffer.concat(chunks).toString('utf8'));
    const us = (n: number): string => ((n / hz / transactions) * 1e6).toFixed(1);
    let total = 0;
    for (const n of counts.values()) total += n;
    console.log(`total      ${us(total).padStart(7)} µs/tx  (${total} samples)`);
    for (const [c, n] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`${c.padEnd(10)} ${us(n).padStart(7)} µs/tx`);
  });
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) main();
