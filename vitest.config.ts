import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The editor API does not exist outside an editor: unit tests of extension code get a fake
  // (test/support/vscode-fake.ts); the real one is exercised in an editor.
  resolve: { alias: { vscode: fileURLToPath(new URL('test/support/vscode-fake.ts', import.meta.url)) } },
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/editor/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', 'json'],
    outputFile: { json: '.test-results/vitest.json' },
  },
});
