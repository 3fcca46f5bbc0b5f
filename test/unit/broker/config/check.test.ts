import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConfigFile } from '../../../../broker/config/check.js';
import { fixturesDir } from './helpers.js';

describe('checkConfigFile', () => {
  let dir: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'airlock-config-check-'));
  });
  afterAll(async () => {
    process.env = saved;
    await rm(dir, { recursive: true, force: true });
  });

  it('summarizes a valid file without revealing secrets', async () => {
    process.env.AIRLOCK_TEST_AGENT_SECRET = 'agent-secret-value';
    process.env.AIRLOCK_TEST_DB_PASSWORD = 'db-password-value';
    const path = join(fixturesDir, 'dev.yaml');
    const { ok, text } = await checkConfigFile(path);
    expect(ok).toBe(true);
    expect(text).toContain(`${path}: OK`);
    expect(text).toContain('  connections:  1');
    expect(text).toContain('local → postgres@127.0.0.1:5432/postgres (tls disable, password set)');
    expect(text).toContain('  rules:        1 (0 allow, 0 approve, 1 block)');
    expect(text).toContain('  issuers:      none');
    expect(text).toMatch(/  dev provider: ON at 127\.0\.0\.1:0 — 2 users, 1 service account/);
    expect(text).not.toContain('agent-secret-value');
    expect(text).not.toContain('db-password-value');
    expect(text).not.toContain('AIRLOCK_TEST');
  });

  it('says when the dev provider is off and lists issuers', async () => {
    const { ok, text } = await checkConfigFile(join(fixturesDir, 'minimal.yaml'));
    expect(ok).toBe(true);
    expect(text).toContain('  dev provider: off');
    expect(text).toContain('  issuers:      corp (https://login.example.com/realms/corp)');
    expect(text).toContain('  recording:    file in');
  });

  it('lists every problem of an invalid file, without echoing the inline password', async () => {
    const { ok, text } = await checkConfigFile(join(fixturesDir, 'invalid.yaml'));
    expect(ok).toBe(false);
    const lines = text.split('\n').filter((l) => l.startsWith('  - '));
    expect(lines).toHaveLength(6);
    expect(text).toContain('listen.postgres.prot: unknown key "prot" — did you mean "port"? (line 4)');
    expect(text).toContain('"HS256" is not allowed');
    expect(text).toContain('connections.shop-prod.upstream.port: must be an integer between 1 and 65535 (got 70000) (line 15)');
    expect(text).toContain('connections.shop-prod.upstream.password: must be `{ env: VARIABLE_NAME }`');
    expect(text).toContain('unknown connection "shop-prd" — did you mean "shop-prod"?');
    expect(text).toContain('duplicate rule name "r1"');
    expect(text).not.toContain('hunter2');
  });

  it('reports missing secrets', async () => {
    delete process.env.AIRLOCK_TEST_DB_PASSWORD;
    const { ok, text } = await checkConfigFile(join(fixturesDir, 'dev.yaml'));
    expect(ok).toBe(false);
    expect(text).toContain('a secret named in the configuration is not available');
    expect(text).toContain('connections.local.upstream.password: environment variable "AIRLOCK_TEST_DB_PASSWORD" is not set');
  });

  it('reports YAML syntax errors and unreadable files', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'identity:\n  issuers: [\n');
    const syntax = await checkConfigFile(bad);
    expect(syntax.ok).toBe(false);
    expect(syntax.text).toMatch(/line \d+, column \d+/);

    const missing = await checkConfigFile(join(dir, 'nope.yaml'));
    expect(missing).toEqual({ ok: false, text: expect.stringContaining('cannot read the configuration file') });
  });
});
