/**
 * A real VS Code for the editor tests: code-server (VS Code's server and web workbench) from
 * `.vscode-test/`, installed by `scripts/editor/install.mjs`, run with Node 24 in a scratch
 * folder of its own (HOME, XDG folders, TMPDIR, user data, extensions), so it never reads or
 * writes the real home and every run starts from nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { editorPaths } from '../../../scripts/editor/paths.mjs';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const EDITOR = editorPaths(ROOT);

/** Whether the editor is installed; the reason when it is not. */
export function editorMissing(): string | undefined {
  for (const file of [EDITOR.stamp, EDITOR.node, EDITOR.codeServer]) {
    if (!existsSync(file)) return `${file} does not exist (run: node scripts/editor/install.mjs)`;
  }
  return undefined;
}

export interface ScratchDirs {
  readonly root: string;
  readonly home: string;
  readonly userData: string;
  readonly extensions: string;
  readonly workspace: string;
}

export function scratchDirs(root: string): ScratchDirs {
  const d = { root, home: join(root, 'home'), userData: join(root, 'user-data'), extensions: join(root, 'extensions'), workspace: join(root, 'workspace') };
  for (const dir of [d.home, d.userData, d.extensions, d.workspace, join(root, 'tmp'), join(root, 'config'), join(root, 'data'), join(root, 'cache')]) {
    mkdirSync(dir, { recursive: true });
  }
  return d;
}

/**
 * The editor's environment, built from nothing rather than inherited: the integrated terminal
 * inherits it too, so a PG* variable in a terminal can only come from the extension.
 */
export function editorEnv(dirs: ScratchDirs): NodeJS.ProcessEnv {
  return {
    PATH: `${EDITOR.nodeBin}:/usr/local/bin:/usr/bin:/bin`,
    LANG: 'C.UTF-8',
    SHELL: '/bin/bash',
    HOME: dirs.home,
    XDG_CONFIG_HOME: join(dirs.root, 'config'),
    XDG_DATA_HOME: join(dirs.root, 'data'),
    XDG_CACHE_HOME: join(dirs.root, 'cache'),
    TMPDIR: join(dirs.root, 'tmp'),
    // No marketplace: nothing may try to reach the network.
    EXTENSIONS_GALLERY: '{}',
  };
}

/** Writes the editor user's settings.json (code-server keeps it in the user data folder). */
export function writeUserSettings(dirs: ScratchDirs, settings: Record<string, unknown>): void {
  const dir = join(dirs.userData, 'User');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
}

function run(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(EDITOR.node, [EDITOR.codeServer, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`code-server ${args.join(' ')} exited with ${code}:\n${out}`));
    });
  });
}

/** `code-server --install-extension <vsix>`: the same command a user runs, offline. */
export function installExtension(dirs: ScratchDirs, vsix: string): Promise<string> {
  return run(['--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions, '--install-extension', vsix, '--force'], editorEnv(dirs), 60_000);
}

export interface CodeServer extends AsyncDisposable {
  readonly url: string;
  /** Everything code-server printed so far (for failure messages). */
  output(): string;
}

/** Starts code-server on 127.0.0.1, a free port, without authentication, on `dirs.workspace`. */
export async function startCodeServer(dirs: ScratchDirs): Promise<CodeServer> {
  const args = [
    EDITOR.codeServer,
    '--bind-addr', '127.0.0.1:0',
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--user-data-dir', dirs.userData,
    '--extensions-dir', dirs.extensions,
    dirs.workspace,
  ];
  // Its own process group: the extension host, the terminal's shell and psql go with it.
  const child: ChildProcess = spawn(EDITOR.node, args, { cwd: dirs.workspace, env: editorEnv(dirs), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-server did not start in 30 s:\n${out}`)), 30_000);
    const onData = (d: string): void => {
      out += d;
      const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.stderr!.setEncoding('utf8').on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`code-server exited with ${code}:\n${out}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url,
    output: () => out,
    async [Symbol.asyncDispose]() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const group = -child.pid!;
      try {
        process.kill(group, 'SIGTERM');
      } catch {
        return;
      }
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5_000).unref());
      if ((await Promise.race([exited, timeout])) === 'timeout') {
        try {
          process.kill(group, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}
