/**
 * Child-process plumbing for the benchmark: every long-lived process is started in its own
 * process group and registered here, so a normal end, an error or Ctrl-C all stop it.
 * Every wait is bounded in time.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

interface Tracked {
  readonly name: string;
  readonly child: ChildProcess;
  /** Process-group id when started detached, otherwise undefined (signal the pid only). */
  readonly pgid: number | undefined;
}

const tracked = new Set<Tracked>();

/** Keeps the last `max` lines of a stream, for error messages. */
export class Tail {
  private readonly lines: string[] = [];
  private partial = '';
  constructor(private readonly max = 40) {}
  push(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    for (const p of parts) this.add(p);
  }
  add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
  }
  text(): string {
    return [...this.lines, ...(this.partial ? [this.partial] : [])].join('\n');
  }
}

export interface Service {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly stdout: Tail;
  readonly stderr: Tail;
  /** True once the process has exited. */
  exited(): boolean;
  exitDescription(): string;
  stop(): Promise<void>;
}

/** Starts a long-lived process in its own process group (detached) and tracks it. */
export function startService(name: string, cmd: string, args: readonly string[], opts: SpawnOptions = {}): Service {
  const child = spawn(cmd, [...args], { ...opts, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout = new Tail();
  const stderr = new Tail();
  child.stdout?.setEncoding('utf8').on('data', (c: string) => stdout.push(c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => stderr.push(c));
  let exit: string | undefined;
  child.on('exit', (code, signal) => {
    exit = signal ? `killed by ${signal}` : `exited with code ${code}`;
  });
  child.on('error', (e) => {
    exit = `failed to start: ${e.message}`;
  });
  const entry: Tracked = { name, child, pgid: child.pid };
  tracked.add(entry);
  if (child.pid === undefined) {
    // spawn failed synchronously (e.g. ENOENT); the 'error' event follows.
    exit ??= 'failed to start';
  }
  return {
    name,
    child,
    pid: child.pid ?? -1,
    stdout,
    stderr,
    exited: () => exit !== undefined || child.exitCode !== null || child.signalCode !== null,
    exitDescription: () => exit ?? 'running',
    stop: async () => {
      await stopTracked(entry, 5_000);
    },
  };
}

/** Tracks a child someone else spawned (not detached: only its pid is signalled). */
export function trackChild(name: string, child: ChildProcess): () => void {
  const entry: Tracked = { name, child, pgid: undefined };
  tracked.add(entry);
  return () => tracked.delete(entry);
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null && child.pid !== undefined;
}

function signal(entry: Tracked, sig: NodeJS.Signals): void {
  try {
    if (entry.pgid !== undefined) process.kill(-entry.pgid, sig);
    else if (entry.child.pid !== undefined) process.kill(entry.child.pid, sig);
  } catch {
    // already gone
  }
}

async function stopTracked(entry: Tracked, graceMs: number): Promise<void> {
  if (alive(entry.child)) {
    const gone = new Promise<void>((resolve) => entry.child.once('exit', () => resolve()));
    signal(entry, 'SIGTERM');
    const timedOut = await Promise.race([gone.then(() => false), delay(graceMs).then(() => true)]);
    if (timedOut) {
      signal(entry, 'SIGKILL');
      await Promise.race([gone, delay(2_000)]);
    }
  } else if (entry.pgid !== undefined) {
    // The leader is gone; make sure nothing it left in its group survives.
    signal(entry, 'SIGKILL');
  }
  tracked.delete(entry);
}

/** Stops every tracked process (in reverse start order), each bounded in time. */
export async function stopAll(): Promise<void> {
  for (const entry of [...tracked].reverse()) await stopTracked(entry, 5_000);
}

/** Synchronous last resort (signal handlers, `exit` event): signal everything that is left. */
export function killAllNow(sig: NodeJS.Signals = 'SIGKILL'): void {
  for (const entry of tracked) signal(entry, sig);
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
}

/** Waits until a line of the service's stdout satisfies `test`, the process dies, or time runs out. */
export function waitForLine(svc: Service, test: (line: string) => boolean, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let partial = '';
    const onData = (chunk: Buffer | string) => {
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        if (test(line.trim())) {
          done();
          resolve(line.trim());
          return;
        }
      }
    };
    const onExit = () => {
      done();
      reject(new Error(`${svc.name} ${svc.exitDescription()} before it was ready`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${svc.name} was not ready after ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      svc.child.stdout?.off('data', onData);
      svc.child.off('exit', onExit);
    };
    svc.child.stdout?.on('data', onData);
    svc.child.once('exit', onExit);
    if (svc.exited()) onExit();
  });
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  /** Spawn error (e.g. the binary does not exist). */
  readonly error?: Error;
}

/** Runs a short-lived command to completion, killed after `timeoutMs`. */
export function runCommand(
  cmd: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number; name?: string },
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, [...args], { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const untrack = trackChild(opts.name ?? cmd, child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let error: Error | undefined;
    child.stdout?.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    let settled = false;
    const finish = (code: number | null, sig: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      untrack();
      resolve({ code, signal: sig, stdout, stderr, timedOut, ...(error ? { error } : {}) });
    };
    child.on('error', (e) => {
      error = e;
      if (child.pid === undefined) finish(null, null);
    });
    child.on('close', (code, sig) => finish(code, sig));
  });
}

/** Rejects if `p` takes longer than `ms`. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
