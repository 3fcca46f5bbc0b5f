import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProcess } from '../../../support/run-process.js';

const root = join(import.meta.dirname, '..', '..', '..', '..');

describe('bench:path', () => {
  it('pushes every protocol through real sessions and reports CPU and journal bytes per transaction', async () => {
    const r = await runProcess(process.execPath, ['--import', 'tsx', join(root, 'broker', 'bench', 'hot-path.ts'), '--transactions', '640', '--sessions', '4'], { timeoutMs: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(['simple', 'extended', 'prepared']);
    for (const l of lines) {
      const m = /(\d+) sessions\s+([\d.]+) µs CPU per transaction\s+\(journal (\d+) bytes per transaction\)/.exec(l);
      expect(m, l).not.toBeNull();
      expect(Number(m![1])).toBe(4);
      expect(Number(m![2])).toBeGreaterThan(0);
      // Two records per transaction (the statement and its outcome), each a few hundred bytes.
      expect(Number(m![3])).toBeGreaterThan(400);
    }
  });
});
