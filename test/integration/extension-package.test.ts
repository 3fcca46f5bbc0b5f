/**
 * Contract: `npm run package` builds a .vsix of the bundled extension only — no broker, tests
 * or sources — small enough to install anywhere (under 2 MB), offline.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runProcess } from '../support/run-process.js';

const vsce = (args: string[]) => runProcess('node', ['node_modules/@vscode/vsce/vsce', ...args, '--no-dependencies', '--readme-path', 'extension/README.md'], { timeoutMs: 60_000 });

beforeAll(() => {
  execFileSync('node', ['scripts/build.mjs'], { stdio: 'ignore' });
});

describe('extension package', () => {
  it('contains the bundles (extension, webview), the manifest, the readme, the licence and media only', async () => {
    const r = await vsce(['ls']);
    expect(r.status).toBe(0);
    const files = r.stdout.trim().split('\n').sort();
    expect(files).toEqual(['LICENSE', 'dist/extension.cjs', 'dist/webview.js', 'extension/README.md', 'media/airlock.svg', 'package.json']);
  });

  it('packages under 2 MB', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'airlock-vsix-')), 'airlock.vsix');
    const r = await vsce(['package', '-o', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(statSync(out).size).toBeLessThan(2 * 1024 * 1024);
  }, 90_000);
});
