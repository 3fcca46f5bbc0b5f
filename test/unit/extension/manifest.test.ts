/**
 * The extension manifest stays installable in Cursor (which lags VS Code: Cursor 2.x reports
 * VS Code 1.99.3 and refuses a .vsix whose `engines.vscode` is newer), declares only what the
 * code implements, and keeps the editor API typings at the same floor.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  engines: { vscode: string; node: string };
  devDependencies: Record<string, string>;
  main: string;
  contributes: { commands: { command: string }[]; views: Record<string, { id: string }[]>; configuration: { properties: Record<string, unknown> } };
};

/** Every .ts file under extension/, as text. */
function extensionSources(dir = join(root, 'extension')): string {
  return readdirSync(dir).map((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? extensionSources(p) : f.endsWith('.ts') ? readFileSync(p, 'utf8') : '';
  }).join('\n');
}

const CURSOR_FLOOR = [1, 99];

function minVersion(range: string): number[] {
  const m = /^[\^~]?(\d+)\.(\d+)/.exec(range);
  if (!m) throw new Error(`cannot read version range ${range}`);
  return [Number(m[1]), Number(m[2])];
}

describe('extension manifest', () => {
  it('asks for no newer editor than Cursor 2.x (VS Code 1.99), with matching API typings', () => {
    const [major, minor] = minVersion(pkg.engines.vscode);
    expect(major).toBe(CURSOR_FLOOR[0]);
    expect(minor).toBeLessThanOrEqual(CURSOR_FLOOR[1]!);
    const [tMajor, tMinor] = minVersion(pkg.devDependencies['@types/vscode']!);
    expect([tMajor, tMinor]).toEqual([major, minor]);
  });

  it('registers every contributed command and setting the code reads', () => {
    const src = extensionSources();
    for (const { command } of pkg.contributes.commands) expect(src, command).toContain(`'${command}'`);
    for (const key of Object.keys(pkg.contributes.configuration.properties)) expect(src, key).toContain(`'${key.replace(/^airlock\./, '')}'`);
    for (const view of pkg.contributes.views.airlock!) expect(src, view.id).toContain(`'${view.id}'`);
  });

  it('ships a CommonJS bundle as its entry point', () => {
    expect(pkg.main).toBe('./dist/extension.cjs');
  });
});
