import { describe, expect, it } from 'vitest';
import { classify, tally } from '../../../../broker/bench/perf-categories.js';

// Frames as `perf script` prints them, leaf first (shortened real ones from a broker under pgbench).
const SOCKET_WRITE = [
  'ffffffff813a2413 tcp_sendmsg+0x93 ([kernel.kallsyms])',
  'ffffffff81000130 entry_SYSCALL_64_after_hwframe+0x76 ([kernel.kallsyms])',
  'f838f __GI___libc_write+0x4f (/usr/lib/x86_64-linux-gnu/libc.so.6)',
  '7f127c1faf4c JS:*handleWriteReq node:internal/stream_base_commons:46:24+0x18c (/tmp/perf-1.map)',
  '7f127c1e3381 JS:*run file:///srv/airlock/dist/broker/cli.js:15946:13+0x8c1 (/tmp/perf-1.map)',
];
const EPOLL = [
  'ffffffff821f8914 __schedule+0x3d4 ([kernel.kallsyms])',
  'ffffffff81000130 entry_SYSCALL_64_after_hwframe+0x76 ([kernel.kallsyms])',
  '14ac92c epoll_pwait+0x20c (/usr/lib/x86_64-linux-gnu/libc.so.6)',
  '14ac92c uv__io_poll+0x20c (/usr/bin/node)',
];
const OURS = ['7f12 JS:*onQuery file:///srv/airlock/dist/broker/cli.js:12765:14+0x1 (/tmp/perf-1.map)', '7f13 JS:*onStreamRead node:internal/stream_base_commons:168:22+0x2 (/tmp/perf-1.map)'];
const NODE_UNDER_OURS = ['c4a574 Builtins_LoadIC+0x64 (/usr/bin/node)', '7f14 JS:*write node:buffer:1102:40+0x3 (/tmp/perf-1.map)', '7f12 JS:*appendJson file:///srv/airlock/dist/broker/cli.js:1773:17+0x1 (/tmp/perf-1.map)'];
const GC = ['c4a574 v8::internal::Scavenger::ScavengePage+0x64 (/usr/bin/node)', '14b4309 start_thread+0x89 (/usr/lib/x86_64-linux-gnu/libc.so.6)'];
const IRQ = ['ffffffff821f8914 net_rx_action+0x3d4 ([kernel.kallsyms])', '7f12 JS:*onQuery file:///srv/airlock/dist/broker/cli.js:12765:14+0x1 (/tmp/perf-1.map)'];

describe('perf sample categories', () => {
  it('classes each stack once, by what is on it', () => {
    expect(classify(SOCKET_WRITE)).toBe('sys:socket');
    expect(classify(EPOLL)).toBe('sys:epoll');
    expect(classify(OURS)).toBe('ours');
    // The innermost JavaScript frame decides: Node's Buffer.write called by the broker is Node's.
    expect(classify(NODE_UNDER_OURS)).toBe('node-js');
    expect(classify(GC)).toBe('native');
    expect(classify(IRQ)).toBe('kernel');
    expect(classify(['ffffffff81000130 entry_SYSCALL_64_after_hwframe+0x76 ([kernel.kallsyms])', '14b4309 start_thread+0x89 (/usr/lib/x86_64-linux-gnu/libc.so.6)'])).toBe('sys:other');
  });

  it('counts samples of `perf script` text, skipping blocks without frames', () => {
    const sample = (frames: string[]): string => `node 10628   781.707856:     333444 cpu-clock:ppp:\n\t${frames.join('\n\t')}\n`;
    const text = [sample(SOCKET_WRITE), sample(OURS), sample(OURS), sample(GC), 'node 1 2: 3 cpu-clock:\n'].join('\n');
    expect(Object.fromEntries(tally(text))).toEqual({ 'sys:socket': 1, ours: 2, native: 1 });
  });
});
