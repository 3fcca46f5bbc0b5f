// Sums the results of every test layer into one line CI recognises: "N passed, N failed".
import { existsSync, readFileSync } from 'node:fs';

const layers = ['.test-results/vitest.json', '.test-results/extension.json'];
let passed = 0;
let failed = 0;
let found = 0;
for (const file of layers) {
  if (!existsSync(file)) continue;
  found++;
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.numPassedTests ?? r.passed ?? 0;
  failed += (r.numFailedTests ?? r.failed ?? 0) + (r.numFailedTestSuites && !r.numFailedTests ? r.numFailedTestSuites : 0);
}
if (found === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
