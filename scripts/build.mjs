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
process.stdout.write(`built dist/ in ${Date.now() - started} ms\n`);
