// Bundles the broker CLI (and later the extension and webview) with esbuild.
import { build } from 'esbuild';

const started = Date.now();
await build({
  entryPoints: { 'broker/cli': 'broker/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
// The extension: one CommonJS file with its dependencies inside (the .vsix ships no
// node_modules); `vscode` is provided by the editor.
await build({
  entryPoints: { extension: 'extension/extension.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  minify: true,
  sourcemap: false,
  logLevel: 'warning',
});
// The live panel's webview: one browser IIFE, loaded by a nonce'd <script> under a strict CSP.
await build({
  entryPoints: { webview: 'webview/main.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'chrome120',
  minify: true,
  sourcemap: false,
  logLevel: 'warning',
});
process.stdout.write(`built dist/ in ${Date.now() - started} ms\n`);
