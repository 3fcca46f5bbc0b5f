/**
 * Runs a real client (psql) asynchronously. Never use spawnSync/execFileSync against a broker
 * running in the test process: a synchronous child blocks the event loop the broker needs.
 */
import { spawn } from 'node:child_process';

export interface ProcessResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly status: number | null;
}

export function runProcess(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, status });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** psql against a broker, with a token as the password. */
export function psql(port: number, user: string, token: string, args: string[], input?: string): Promise<ProcessResult> {
  return runProcess('psql', ['-X', '-v', 'ON_ERROR_STOP=1', `host=127.0.0.1 port=${port} dbname=testdb user=${user} sslmode=disable`, ...args], {
    env: { ...process.env, PGPASSWORD: token },
    ...(input !== undefined ? { input } : {}),
  });
}
