/**
 * CPU time of a process group from `/proc/<pid>/stat` (utime + stime, all threads), in
 * microseconds. Summing the whole group covers wrappers and helper processes a target may start.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** `getconf CLK_TCK` (100 on practically every Linux), read once. */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      const n = Number.parseInt(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5_000 }).trim(), 10);
      ticksPerSecond = Number.isFinite(n) && n > 0 ? n : 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

export function cpuSamplingAvailable(): boolean {
  try {
    readFileSync('/proc/self/stat', 'utf8');
    return true;
  } catch {
    return false;
  }
}

interface StatFields {
  readonly pgrp: number;
  readonly ticks: number;
}

/** Parses `/proc/<pid>/stat`; the command name (field 2) may contain spaces and parentheses. */
export function parseStat(text: string): StatFields | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  // Fields after the name start at field 3 (state): index 0 here.
  const f = text.slice(close + 2).trim().split(/\s+/);
  const pgrp = Number(f[2]); // field 5
  const utime = Number(f[11]); // field 14
  const stime = Number(f[12]); // field 15
  if (![pgrp, utime, stime].every(Number.isFinite)) return undefined;
  return { pgrp, ticks: utime + stime };
}

/** Total CPU ticks of every live process whose process group is `pgid`. */
export function groupCpuTicks(pgid: number): number {
  let total = 0;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return Number.NaN;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const st = parseStat(text);
    if (st && st.pgrp === pgid) total += st.ticks;
  }
  return total;
}

/** CPU microseconds used by a process group so far. */
export function groupCpuMicros(pgid: number): number {
  return (groupCpuTicks(pgid) * 1_000_000) / clockTicksPerSecond();
}
