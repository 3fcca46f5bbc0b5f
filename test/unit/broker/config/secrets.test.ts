import { join } from 'node:path';
import { inspect, format } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../broker/config/load.js';
import { createSecret, isSecret, resolveSecret } from '../../../../broker/config/secrets.js';
import { baseConfig, errorsOf, failure, fixturesDir, yamlOf } from './helpers.js';

const VALUE = 'pw-value-123';

describe('Secret', () => {
  it('reveals its value only through reveal()', () => {
    const s = createSecret(VALUE);
    expect(s.reveal()).toBe(VALUE);
    expect(isSecret(s)).toBe(true);
    expect(String(s)).toBe('[secret]');
    expect(`${s}`).toBe('[secret]');
    expect(JSON.stringify({ s })).toBe('{"s":"[secret]"}');
    expect(inspect(s)).toBe('[secret]');
    expect(inspect({ nested: { s } }, { depth: 5, showHidden: true })).not.toContain(VALUE);
    expect(format('%o %O %s %j', s, s, s, s)).not.toContain(VALUE);
    expect(Object.keys(s)).toEqual([]);
    expect(Object.isFrozen(s)).toBe(true);
  });
});

describe('resolveSecret', () => {
  const ctx = { env: { SET: 'v', EMPTY: '' }, baseDir: fixturesDir };

  it('reads environment variables', () => {
    const r = resolveSecret({ env: 'SET' }, ctx);
    expect(r.ok && r.secret.reveal()).toBe('v');
  });

  it('reports a missing or empty variable by name', () => {
    expect(resolveSecret({ env: 'NOPE' }, ctx)).toEqual({ ok: false, problem: 'environment variable "NOPE" is not set' });
    expect(resolveSecret({ env: 'EMPTY' }, ctx)).toEqual({ ok: false, problem: 'environment variable "EMPTY" is empty' });
  });

  it('reads files relative to the base directory, dropping one trailing newline', () => {
    const r = resolveSecret({ file: 'secrets/db-password' }, ctx);
    expect(r.ok && r.secret.reveal()).toBe('s3cret-from-file');
    const abs = resolveSecret({ file: join(fixturesDir, 'secrets/db-password') }, { ...ctx, baseDir: '/' });
    expect(abs.ok).toBe(true);
  });

  it('reports unreadable and empty files by path', () => {
    const missing = resolveSecret({ file: 'secrets/missing' }, ctx);
    expect(missing).toEqual({ ok: false, problem: `cannot read secret file "${join(fixturesDir, 'secrets/missing')}" (it does not exist)` });
    expect(resolveSecret({ file: 'secrets' }, ctx)).toMatchObject({ ok: false, problem: expect.stringContaining('it is a directory') });
    expect(resolveSecret({ file: 'secrets/empty' }, ctx)).toMatchObject({ ok: false, problem: expect.stringContaining('is empty') });
  });
});

describe('secrets in the configuration', () => {
  it('refuses an inline password and says to use env or file, without echoing it', () => {
    const c = baseConfig();
    c.connections['shop-prod'].upstream.password = 'hunter2-inline';
    const err = failure(yamlOf(c));
    expect(err.errors).toEqual([expect.stringMatching(/^connections\.shop-prod\.upstream\.password: must be `\{ env: VARIABLE_NAME \}` or `\{ file: path\/to\/file \}`.*never written inline/)]);
    expect(err.message).not.toContain('hunter2-inline');
  });

  it('refuses an inline service-account secret and malformed references', () => {
    const c = baseConfig();
    c.identity.devProvider = {
      serviceAccounts: [
        { clientId: 'a', secret: 'inline-value' },
        { clientId: 'b', secret: { env: 'X', file: 'y' } },
        { clientId: 'c', secret: {} },
        { clientId: 'd', secret: { value: 'inline-value-2' } },
        { clientId: 'e', secret: { env: 'has space' } },
      ],
    };
    const errors = errorsOf(c);
    const text = errors.join('\n');
    expect(text).not.toContain('inline-value');
    expect(errors.filter((e) => e.startsWith('identity.devProvider.serviceAccounts[0].secret: must be'))).toHaveLength(1);
    expect(errors.filter((e) => e.startsWith('identity.devProvider.serviceAccounts[1].secret: must be'))).toHaveLength(1);
    expect(errors.filter((e) => e.startsWith('identity.devProvider.serviceAccounts[2].secret: must be'))).toHaveLength(1);
    expect(text).toContain('identity.devProvider.serviceAccounts[3].secret.value: unknown key "value"');
    expect(text).toContain('identity.devProvider.serviceAccounts[4].secret.env: must be an environment variable name');
  });

  it('reports every missing secret with BRK_ERR_CONFIG_SECRET_MISSING, naming key and variable', () => {
    const c = baseConfig();
    c.connections.other = { upstream: { host: 'h', database: 'd', user: 'u', password: { file: 'secrets/nope' } }, allowGroups: ['g'] };
    c.identity.devProvider = { serviceAccounts: [{ clientId: 'ci', secret: { env: 'CI_SECRET' } }] };
    const err = failure(yamlOf(c), { env: { CI_SECRET: '' } });
    expect(err.code).toBe('BRK_ERR_CONFIG_SECRET_MISSING');
    expect(err.errors).toEqual([
      expect.stringMatching(/^identity\.devProvider\.serviceAccounts\[0\]\.secret: environment variable "CI_SECRET" is empty \(line \d+\)$/),
      expect.stringMatching(/^connections\.shop-prod\.upstream\.password: environment variable "SHOP_PW" is not set \(line \d+\)$/),
      expect.stringMatching(/^connections\.other\.upstream\.password: cannot read secret file ".*secrets[/\\]nope" \(it does not exist\)/),
    ]);
  });

  it('keeps resolved secrets out of JSON, String() and util.inspect of the whole configuration', () => {
    const c = baseConfig();
    c.identity.devProvider = { serviceAccounts: [{ clientId: 'ci', secret: { file: 'secrets/db-password' } }] };
    const cfg = parseConfig(yamlOf(c), { env: { SHOP_PW: VALUE }, baseDir: fixturesDir });
    const password = cfg.connections.get('shop-prod')!.upstream.password!;
    expect(password.reveal()).toBe(VALUE);
    const json = JSON.stringify(cfg);
    expect(json).not.toContain(VALUE);
    expect(json).not.toContain('s3cret-from-file');
    expect(json).toContain('"password":"[secret]"');
    expect(JSON.parse(json).connections['shop-prod'].name).toBe('shop-prod');
    for (const shown of [inspect(cfg, { depth: null, showHidden: true }), String(password), `${cfg.identity.devProvider!.serviceAccounts[0]!.secret}`, format('%o', cfg)]) {
      expect(shown).not.toContain(VALUE);
      expect(shown).not.toContain('s3cret-from-file');
    }
  });
});
