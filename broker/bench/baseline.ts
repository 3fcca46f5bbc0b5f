/**
 * The `baseline` target of `npm run bench -- --baseline REF`: the broker built from another
 * commit of this repository, measured in the same run as this checkout's broker.
 *
 * On a shared machine the figures move by ±30 % from one run to the next, so two builds measured
 * in separate runs cannot be told apart. Measured in one run, interleaved round by round in a
 * rotating order, both see the same load, and their ratio is what is left of the difference.
 *
 * The commit's files are taken with `git archive` into the run's temporary folder, so nothing in
 * the repository changes (no checkout, no worktree, no index), and the engineer's uncommitted
 * work stays where it is.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand, trackChild } from './processes.js';
import { refIsCommitId } from './report.js';
import { Unavailable, runBuildScript, startBroker, type Database, type Target } from './targets.js';

export interface BaselineRef {
  /** As given to `--baseline`. */
  readonly ref: string;
  /** The full commit id it resolved to when the run started. */
  readonly commit: string;
}

/** Files the baseline cannot do without (relative to the repository root). */
export const BASELINE_REQUIRED_FILES = ['bin/airlock.js', 'scripts/build.mjs'] as const;

export const shortCommit = (commit: string): string => commit.slice(0, 7);

/** `1a2b3c4 (HEAD~3)`, or just `1a2b3c4` when the ref is (a prefix of) the commit id itself. */
export function describeBaseline(b: BaselineRef): string {
  const short = shortCommit(b.commit);
  return refIsCommitId(b) ? short : `${short} (${b.ref})`;
}

/** The target's version label, e.g. `airlock @ 1a2b3c4 (HEAD~3)`. */
export const baselineVersion = (b: BaselineRef): string => `airlock @ ${describeBaseline(b)}`;

const firstLines = (text: string, n = 3) => text.trim().split('\n').filter(Boolean).slice(0, n).join(' | ');

/**
 * Resolves `ref` to a commit of the repository at `repoRoot`. Throws an error naming the ref when
 * it is not one (the run stops before it starts anything).
 */
export async function resolveBaselineRef(repoRoot: string, ref: string): Promise<BaselineRef> {
  // A leading dash would be read by git as an option.
  if (!ref.trim() || ref.startsWith('-')) throw new Error(`--baseline: "${ref}" is not a git ref`);
  const res = await runCommand('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], {
    cwd: repoRoot,
    timeoutMs: 15_000,
    name: 'git rev-parse',
  });
  if (res.error) throw new Error(`--baseline ${ref}: git could not be run (${res.error.message}); it is needed to take the baseline's source`);
  const commit = res.stdout.trim();
  if (res.code !== 0 || !/^[0-9a-f]{40,64}$/.test(commit)) {
    // With --quiet git says nothing about a ref that does not exist; anything it does say is another problem.
    const why = firstLines(res.stderr);
    throw new Error(why ? `--baseline: cannot resolve git ref "${ref}": ${why}` : `--baseline: unknown git ref "${ref}": no commit by that name in this repository`);
  }
  return { ref, commit };
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; error?: Error }> {
  return new Promise((resolve) => {
    let error: Error | undefined;
    child.once('error', (e) => {
      error = e;
      if (child.pid === undefined) resolve({ code: null, error: e });
    });
    child.once('close', (code) => resolve({ code, ...(error ? { error } : {}) }));
  });
}

/** `git archive --format=tar <commit> | tar -x -C <dir>`, bounded in time. */
async function extractCommit(repoRoot: string, commit: string, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const git = spawn('git', ['archive', '--format=tar', commit], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const tar = spawn('tar', ['-x', '-C', dir], { stdio: ['pipe', 'ignore', 'pipe'] });
  const untrack = [trackChild('git archive', git), trackChild('tar', tar)];
  let gitErr = '';
  let tarErr = '';
  git.stderr?.setEncoding('utf8').on('data', (c: string) => (gitErr += c));
  tar.stderr?.setEncoding('utf8').on('data', (c: string) => (tarErr += c));
  // When tar dies early, git's writes fail with EPIPE: its exit status says what happened.
  tar.stdin?.on('error', () => undefined);
  if (git.stdout && tar.stdin) git.stdout.pipe(tar.stdin);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    git.kill('SIGKILL');
    tar.kill('SIGKILL');
  }, 120_000);
  try {
    const [g, t] = await Promise.all([exitOf(git), exitOf(tar)]);
    if (timedOut) throw new Unavailable(`extracting ${shortCommit(commit)} with git archive | tar did not finish within 120 s`);
    if (g.error || g.code !== 0) throw new Unavailable(`git archive ${shortCommit(commit)} failed: ${g.error?.message ?? (firstLines(gitErr, 5) || `exit ${g.code}`)}`);
    if (t.error || t.code !== 0) throw new Unavailable(`tar -x into the temporary folder failed: ${t.error?.message ?? (firstLines(tarErr, 5) || `exit ${t.code}`)}`);
  } finally {
    clearTimeout(timer);
    for (const u of untrack) u();
  }
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Whether the tree in `other` locks other dependency versions than the checkout at `repoRoot` (which has a lock file). */
export function lockFilesDiffer(repoRoot: string, other: string): boolean {
  const ours = readOrUndefined(join(repoRoot, 'package-lock.json'));
  return ours !== undefined && ours !== readOrUndefined(join(other, 'package-lock.json'));
}

export interface BaselineSource {
  readonly dir: string;
  /** The commit's package-lock.json is not the checkout's: it runs with other dependency versions than it was written for. */
  readonly lockDiffers: boolean;
}

/**
 * Puts the commit's files into `dir` (which must not exist or be empty) and links this
 * checkout's node_modules into it. Throws `Unavailable` when the commit cannot be built or run
 * the way the benchmark runs the broker.
 */
export async function prepareBaselineSource(opts: {
  repoRoot: string;
  baseline: BaselineRef;
  dir: string;
  warn: (line: string) => void;
}): Promise<BaselineSource> {
  const { repoRoot, baseline, dir } = opts;
  const modules = join(repoRoot, 'node_modules');
  if (!existsSync(modules)) throw new Unavailable('this checkout has no node_modules (the baseline is built and run with them): run `npm install`');
  await extractCommit(repoRoot, baseline.commit, dir);
  const missing = BASELINE_REQUIRED_FILES.filter((f) => !existsSync(join(dir, f)));
  if (missing.length) {
    const why = missing.map((f) => `${f} (${f === 'scripts/build.mjs' ? 'the build script' : 'the broker CLI'})`).join(' and ');
    throw new Unavailable(`${describeBaseline(baseline)} cannot be benchmarked the way this checkout builds and starts the broker: ${why} ${missing.length > 1 ? 'do' : 'does'} not exist there`);
  }
  // The checkout's dependencies, not the commit's: installing the commit's own would take
  // minutes and the network, and a difference in dependency versions is not what a
  // comparison of two builds of the broker is meant to measure. Said out loud when the
  // lock files differ, since then the baseline runs with versions it was not written for.
  symlinkSync(modules, join(dir, 'node_modules'), 'dir');
  const lockDiffers = lockFilesDiffer(repoRoot, dir);
  if (lockDiffers) {
    opts.warn(`note: the baseline's package-lock.json (${describeBaseline(baseline)}) differs from this checkout's: its dependencies are the checkout's (node_modules), not its own`);
  }
  return { dir, lockDiffers };
}

/**
 * The baseline target: the commit's source in `srcDir`, built with its own `scripts/build.mjs`
 * (always: the extracted tree has no dist/, and `--no-build` is about this checkout), then
 * started by `startBroker` exactly like the broker, with its own configuration, ports and
 * recording folder in `dir`.
 */
export async function startBaseline(opts: {
  repoRoot: string;
  baseline: BaselineRef;
  srcDir: string;
  dir: string;
  database: Database;
  pgbenchBin: string;
  log: (line: string) => void;
  warn: (line: string) => void;
}): Promise<Target> {
  const version = baselineVersion(opts.baseline);
  opts.log(`  extracting ${describeBaseline(opts.baseline)} with git archive ...`);
  const src = await prepareBaselineSource({ repoRoot: opts.repoRoot, baseline: opts.baseline, dir: opts.srcDir, warn: opts.warn });
  await runBuildScript(src.dir, opts.log, `the baseline (${version})`);
  return startBroker({
    repoRoot: src.dir,
    dir: opts.dir,
    database: opts.database,
    pgbenchBin: opts.pgbenchBin,
    build: false,
    log: opts.log,
    name: 'baseline',
    version,
  });
}
