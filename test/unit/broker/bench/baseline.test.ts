/**
 * The baseline's source preparation, for real: this repository's own commits are extracted with
 * `git archive` into a temporary folder (the repository itself is only read).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  baselineVersion,
  describeBaseline,
  lockFilesDiffer,
  prepareBaselineSource,
  resolveBaselineRef,
  type BaselineRef,
} from '../../../../broker/bench/baseline.js';
import { runBuildScript, Unavailable } from '../../../../broker/bench/targets.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const git = (...args: string[]) => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim();
const temp = mkdtempSync(join(tmpdir(), 'airlock-baseline-test-'));

afterAll(() => {
  rmSync(temp, { recursive: true, force: true });
  // Removing the extracted tree removes the link, never what it points to.
  expect(existsSync(join(repoRoot, 'node_modules', 'esbuild'))).toBe(true);
});

describe('baseline: resolving the ref', () => {
  it('resolves HEAD and HEAD~1 to their commits', async () => {
    const head = await resolveBaselineRef(repoRoot, 'HEAD');
    expect(head).toEqual({ ref: 'HEAD', commit: git('rev-parse', 'HEAD') });
    if (git('rev-list', '--count', 'HEAD') !== '1') {
      expect((await resolveBaselineRef(repoRoot, 'HEAD~1')).commit).toBe(git('rev-parse', 'HEAD~1'));
    }
  });

  it('resolves a short commit id and labels it without repeating it', async () => {
    const commit = git('rev-parse', 'HEAD');
    const b = await resolveBaselineRef(repoRoot, commit.slice(0, 10));
    expect(b.commit).toBe(commit);
    expect(baselineVersion(b)).toBe(`airlock @ ${commit.slice(0, 7)}`);
    expect(baselineVersion({ ref: 'HEAD~3', commit })).toBe(`airlock @ ${commit.slice(0, 7)} (HEAD~3)`);
  });

  it('names an unknown ref in its error', async () => {
    await expect(resolveBaselineRef(repoRoot, 'no-such-branch-for-the-bench')).rejects.toThrow(/unknown git ref "no-such-branch-for-the-bench"/);
    await expect(resolveBaselineRef(repoRoot, 'HEAD~100000')).rejects.toThrow(/unknown git ref "HEAD~100000"/);
  });

  it('does not hand git something it would read as an option', async () => {
    await expect(resolveBaselineRef(repoRoot, '--all')).rejects.toThrow(/"--all" is not a git ref/);
  });
});

describe('baseline: preparing the source', () => {
  it('extracts HEAD with git archive, links node_modules, and the extracted tree builds and runs', async () => {
    const baseline: BaselineRef = await resolveBaselineRef(repoRoot, 'HEAD');
    const dir = join(temp, 'head');
    const warnings: string[] = [];
    const src = await prepareBaselineSource({ repoRoot, baseline, dir, warn: (l) => warnings.push(l) });
    expect(src.dir).toBe(dir);

    for (const f of ['bin/airlock.js', 'scripts/build.mjs', 'package.json', 'broker/cli/main.ts']) expect(existsSync(join(dir, f)), f).toBe(true);
    // The committed file, not the working tree's.
    expect(readFileSync(join(dir, 'package.json'), 'utf8')).toBe(`${git('show', 'HEAD:package.json')}\n`);
    expect(existsSync(join(dir, 'dist'))).toBe(false);

    const link = join(dir, 'node_modules');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(realpathSync(link)).toBe(realpathSync(join(repoRoot, 'node_modules')));

    // Only a package-lock.json changed since HEAD (in the working tree) makes the lock files differ.
    const lockChanged = readFileSync(join(repoRoot, 'package-lock.json'), 'utf8') !== `${git('show', 'HEAD:package-lock.json')}\n`;
    expect(src.lockDiffers).toBe(lockChanged);
    expect(warnings.length).toBe(lockChanged ? 1 : 0);

    // esbuild takes well under a second here: build it as the benchmark does, and start its CLI.
    await runBuildScript(dir, () => undefined, 'the baseline');
    expect(existsSync(join(dir, 'dist', 'broker', 'cli.js'))).toBe(true);
    const version = execFileSync(process.execPath, [join(dir, 'bin', 'airlock.js'), '--version'], { cwd: dir, encoding: 'utf8' }).trim();
    expect(version).toBe((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version);
  });

  it('tells a commit\'s lock file from the checkout\'s', () => {
    const [a, b, c, none] = ['a', 'b', 'c', 'none'].map((n) => join(temp, `lock-${n}`)) as [string, string, string, string];
    for (const d of [a, b, c, none]) mkdirSync(d, { recursive: true });
    writeFileSync(join(a, 'package-lock.json'), '{"lockfileVersion":3,"packages":{"node_modules/pg":{"version":"8.16.0"}}}\n');
    writeFileSync(join(b, 'package-lock.json'), '{"lockfileVersion":3,"packages":{"node_modules/pg":{"version":"8.16.0"}}}\n');
    writeFileSync(join(c, 'package-lock.json'), '{"lockfileVersion":3,"packages":{"node_modules/pg":{"version":"8.11.3"}}}\n');
    expect(lockFilesDiffer(a, b)).toBe(false);
    expect(lockFilesDiffer(a, c)).toBe(true);
    expect(lockFilesDiffer(a, none)).toBe(true); // a commit from before the lock file
    expect(lockFilesDiffer(none, a)).toBe(false); // a checkout without one has nothing to compare
  });

  it('reports a commit without the build script or the CLI as unavailable, saying which files are missing', async () => {
    const added = git('log', '--diff-filter=A', '--format=%H', '--', 'scripts/build.mjs').split('\n').at(-1) ?? '';
    let before: string;
    try {
      before = git('rev-parse', '--verify', '--quiet', `${added}^`);
    } catch {
      return; // the build script came with the first commit (or a shallow clone): nothing older to try
    }
    const baseline = { ref: `${added.slice(0, 12)}^`, commit: before };
    const err = await prepareBaselineSource({ repoRoot, baseline, dir: join(temp, 'before-build-script'), warn: () => undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Unavailable);
    expect((err as Error).message).toContain(describeBaseline(baseline));
    expect((err as Error).message).toMatch(/scripts\/build\.mjs \(the build script\)/);
  });
});
