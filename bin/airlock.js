#!/usr/bin/env node
// The `airlock` command: runs the bundled CLI built by `npm run build` (run automatically by npm install).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../dist/broker/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(bundle))) {
  process.stderr.write('airlock: the broker is not built yet. Run `npm install` (or `npm run build`) in the Airlock folder first.\n');
  process.exit(2);
}
const { main } = await import(bundle.href);
const code = await main(process.argv.slice(2));
// The PostgreSQL parser's WebAssembly runtime sets process.exitCode when it winds down;
// ours is decided here and re-asserted last.
process.exitCode = code;
process.on('exit', () => {
  process.exitCode = code;
});
