/** The README is the newcomer's manual: its configuration section must match docs/configuration.md. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- plain ESM script without type declarations
import { syncReadme } from '../../scripts/sync-readme.mjs';

describe('README', () => {
  const readme = readFileSync('README.md', 'utf8');

  it('embeds the current configuration reference (run `node scripts/sync-readme.mjs`)', () => {
    const doc = readFileSync('docs/configuration.md', 'utf8');
    expect((syncReadme as (r: string, d: string) => string)(readme, doc)).toBe(readme);
  });

  it('states the two-command demo and the test command CI runs', () => {
    expect(readme).toContain('npm install\nnpm start');
    expect(readme).toMatch(/npm test {2,}#/);
  });
});
