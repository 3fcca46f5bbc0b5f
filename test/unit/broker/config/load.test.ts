import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../broker/config/errors.js';
import { loadConfigFile, parseConfig } from '../../../../broker/config/load.js';
import { isAirlockError } from '../../../../broker/errors/airlock-error.js';
import { baseConfig, baseEnv, errorsOf, failure, fixturesDir, yamlOf } from './helpers.js';

const parse = (obj: unknown, env: NodeJS.ProcessEnv = baseEnv) => parseConfig(yamlOf(obj), { env, baseDir: fixturesDir });

describe('valid configurations', () => {
  it('loads the minimal fixture and applies every default', async () => {
    const cfg = await loadConfigFile(join(fixturesDir, 'minimal.yaml'), { env: {} });
    expect(cfg.listen).toEqual({
      postgres: { host: '127.0.0.1', port: 6432, allowCleartextWithoutTls: false, maxMessageBytes: 16 * 1024 * 1024 },
      http: { host: '127.0.0.1', port: 8484 },
    });
    expect(cfg.publicUrl).toBe('http://127.0.0.1:8484');
    expect(cfg.identity.devProvider).toBeUndefined();
    expect(cfg.identity.issuers).toEqual([{
      name: 'corp',
      issuer: 'https://login.example.com/realms/corp',
      audience: ['airlock'],
      algorithms: ['RS256', 'ES256', 'PS256', 'EdDSA'],
      claims: { groups: 'groups', email: 'email', name: 'name' },
      principalKind: 'human',
      clockToleranceSeconds: 30,
    }]);
    const shop = cfg.connections.get('shop');
    expect(shop).toEqual({
      name: 'shop',
      upstream: { host: 'db.internal', port: 5432, database: 'shop', user: 'airlock_broker', tls: { mode: 'require' }, connectTimeoutMs: 5000 },
      allowGroups: ['engineers'],
      roles: [],
      defaultAction: 'block',
    });
    expect(cfg.rules).toEqual([]);
    expect(cfg.recording).toEqual({ store: 'file', directory: join(fixturesDir, '.airlock/recordings'), fsync: 'write', syncIntervalMs: 200, recordParameters: false, resultRows: 10, resultValueChars: 256, auditorGroups: ['auditors'] });
    expect(cfg.analysis).toEqual({ cacheSize: 10000 });
  });

  it('applies dev provider defaults when the section is present', () => {
    const cfg = parseConfig('identity: { devProvider: {} }\nconnections: { db: { upstream: { host: h, database: d, user: u }, allowGroups: [g] } }\n', { env: {} });
    expect(cfg.identity.issuers).toEqual([]);
    expect(cfg.identity.devProvider).toEqual({
      enabled: true, host: '127.0.0.1', port: 8485, audience: 'airlock', tokenTtlSeconds: 3600,
      users: [], serviceAccounts: [],
      clients: [{ clientId: 'airlock-cli', redirectUris: ['http://127.0.0.1/callback'] }],
    });
  });

  it('loads a full configuration with every key set', () => {
    const c = baseConfig();
    c.listen = {
      postgres: { host: '0.0.0.0', port: 7000, tls: { certFile: 'tls/c.pem', keyFile: '/etc/k.pem' }, allowCleartextWithoutTls: true, maxMessageBytes: 1024 },
      http: { host: '::', port: 9000 },
    };
    c.publicUrl = 'https://airlock.example.com/';
    c.identity.issuers[0] = {
      name: 'corp', issuer: 'https://login.example.com', audience: ['a', 'b'], jwksUri: 'https://login.example.com/jwks',
      algorithms: ['ES384', 'Ed25519'], claims: { groups: 'roles', email: 'mail', name: 'display' }, principalKind: 'service', clockToleranceSeconds: 0,
    };
    c.identity.devProvider = {
      enabled: true, host: '127.0.0.1', port: 0, audience: 'dev', tokenTtlSeconds: 60,
      users: [{ name: 'alice', email: 'alice@example.com', groups: ['dba'] }],
      serviceAccounts: [{ clientId: 'ci', secret: { env: 'CI_SECRET' }, groups: ['agents'] }],
      clients: [{ clientId: 'ext', redirectUris: ['http://127.0.0.1/cb', 'https://app.example.com/cb', 'vscode://airlock.airlock/auth'] }],
    };
    Object.assign(c.connections['shop-prod'], {
      description: 'Shop',
      roles: [{ group: 'dba', role: 'admin' }, { group: 'eng', role: 'rw' }],
      defaultAction: 'approve',
    });
    Object.assign(c.connections['shop-prod'].upstream, {
      port: 5433, tls: { mode: 'verify-full', caFile: 'ca.pem', serverName: 'db.example.com' }, connectTimeoutMs: 100,
    });
    c.connections['an.other_db-2'] = { upstream: { host: 'h', database: 'd', user: 'u', tls: { mode: 'disable' } }, allowGroups: ['x'] };
    c.rules = [{
      name: 'r', description: 'd', action: 'approve', reason: 'why', hint: 'how',
      match: {
        connections: ['shop-prod'], groups: ['eng'], principalKinds: ['service'], kinds: ['update', 'delete'],
        tables: ['public.*'], tablesWritten: ['x'], functions: ['pg_*'], missingWhere: true, modifyingCte: false, copyProgram: false,
      },
      approval: { reviewers: { groups: ['dba', 'leads'], mode: 'all' }, quorum: 2, expiresInSeconds: 60, rowsChangedAbove: 10, notify: ['hook'] },
    }];
    c.approvals = {
      reviewers: { groups: ['dba'], mode: 'any' }, quorum: 1, expiresInSeconds: 300,
      dryRun: { enabled: false, statementTimeoutMs: 100, lockTimeoutMs: 50 },
      notify: [{ name: 'hook', type: 'webhook', url: { env: 'HOOK_URL' }, secret: { env: 'HOOK_KEY' }, events: ['approval.requested'], maxAttempts: 2, timeoutMs: 500 }],
      access: { reviewers: { groups: ['leads'], mode: 'any' }, quorum: 2, maxDurationSeconds: 3600, expiresInSeconds: 600 },
      page: { issuer: 'https://login.example.com/', clientId: 'page', clientSecret: { env: 'PAGE_SECRET' }, scopes: 'openid', resource: 'airlock' },
      store: 'memory', file: 'approvals.json',
    };
    c.recording = { store: 'memory', directory: 'rec', fsync: 'always', syncIntervalMs: 5, recordParameters: true, resultRows: 0, resultValueChars: 64, auditorGroups: ['security'] };
    c.analysis = { cacheSize: 0 };

    const cfg = parse(c, { ...baseEnv, CI_SECRET: 'ci-secret-value', HOOK_URL: 'https://hooks.example.com/x', HOOK_KEY: 'hook-key', PAGE_SECRET: 'page-secret' });
    expect(cfg.listen.postgres.tls).toEqual({ certFile: join(fixturesDir, 'tls/c.pem'), keyFile: '/etc/k.pem' });
    expect(cfg.listen.postgres.allowCleartextWithoutTls).toBe(true);
    expect(cfg.publicUrl).toBe('https://airlock.example.com');
    expect(cfg.identity.issuers[0]).toMatchObject({ audience: ['a', 'b'], algorithms: ['ES384', 'Ed25519'], principalKind: 'service', clockToleranceSeconds: 0, jwksUri: 'https://login.example.com/jwks' });
    expect(cfg.identity.devProvider?.serviceAccounts[0]?.secret.reveal()).toBe('ci-secret-value');
    expect(cfg.identity.devProvider?.port).toBe(0);
    const shop = cfg.connections.get('shop-prod')!;
    expect(shop.upstream.password?.reveal()).toBe('pw-value-123');
    expect(shop.upstream.tls).toEqual({ mode: 'verify-full', caFile: join(fixturesDir, 'ca.pem'), serverName: 'db.example.com' });
    expect(shop.roles).toEqual([{ group: 'dba', role: 'admin' }, { group: 'eng', role: 'rw' }]);
    expect(cfg.connections.get('an.other_db-2')?.upstream.tls).toEqual({ mode: 'disable' });
    expect([...cfg.connections.keys()]).toEqual(['shop-prod', 'an.other_db-2']);
    expect(cfg.rules[0]).toEqual(c.rules[0]);
    expect(cfg.recording).toEqual({ store: 'memory', directory: join(fixturesDir, 'rec'), fsync: 'always', syncIntervalMs: 5, recordParameters: true, resultRows: 0, resultValueChars: 64, auditorGroups: ['security'] });
    expect(cfg.analysis.cacheSize).toBe(0);
    expect(cfg.approvals).toMatchObject({ quorum: 1, expiresInSeconds: 300, dryRun: { enabled: false }, store: 'memory', file: join(fixturesDir, 'approvals.json') });
    expect(cfg.approvals.notify[0]!.url.reveal()).toBe('https://hooks.example.com/x');
    expect(cfg.approvals.notify[0]!.secret?.reveal()).toBe('hook-key');
    expect(cfg.approvals.page).toMatchObject({ issuer: 'https://login.example.com', clientId: 'page', resource: 'airlock' });
    expect(cfg.approvals.page.clientSecret?.reveal()).toBe('page-secret');
    expect(cfg.approvals.access.reviewers.groups).toEqual(['leads']);
  });

  it('refuses approve rules nobody could approve, and approval blocks on other actions', () => {
    const c = baseConfig();
    c.rules = [
      { name: 'a', match: {}, action: 'approve' },
      { name: 'b', match: {}, action: 'block', approval: { quorum: 2 } },
      { name: 'c', match: {}, action: 'approve', approval: { reviewers: { groups: ['x', 'y'], mode: 'all' }, notify: ['nope'] } },
    ];
    expect(() => parse(c)).toThrow(/rules\[0\]: an approve rule needs reviewers[\s\S]*rules\[1\]\.approval: has no effect with action "block"[\s\S]*rules\[2\]\.approval\.quorum: is 1, but mode "all" needs one approval from each of 2 groups[\s\S]*rules\[2\]\.approval\.notify\[0\]: unknown notify target "nope"/);
  });

  it('derives publicUrl from listen.http, mapping wildcard and IPv6 addresses', () => {
    const at = (host: string, port = 8484) => {
      const c = baseConfig();
      c.listen = { http: { host, port } };
      return parse(c).publicUrl;
    };
    expect(at('0.0.0.0', 80)).toBe('http://127.0.0.1:80');
    expect(at('::')).toBe('http://[::1]:8484');
    expect(at('fd00::1')).toBe('http://[fd00::1]:8484');
    expect(at('airlock.internal')).toBe('http://airlock.internal:8484');
  });

  it('accepts http issuers on loopback addresses only', () => {
    const c = baseConfig();
    c.identity.issuers[0].issuer = 'http://127.0.0.1:9999/realms/test';
    expect(parse(c).identity.issuers[0]?.issuer).toBe('http://127.0.0.1:9999/realms/test');
    c.identity.issuers[0].issuer = 'http://localhost:9999';
    expect(() => parse(c)).not.toThrow();
  });

  it('omits a disabled dev provider and does not read its secrets', () => {
    const c = baseConfig();
    c.identity.devProvider = { enabled: false, serviceAccounts: [{ clientId: 'ci', secret: { env: 'NOT_SET_ANYWHERE' } }] };
    expect(parse(c).identity.devProvider).toBeUndefined();
  });

  it('loads the dev fixture meant for integration tests', async () => {
    const cfg = await loadConfigFile(join(fixturesDir, 'dev.yaml'), { env: { AIRLOCK_TEST_AGENT_SECRET: 'a', AIRLOCK_TEST_DB_PASSWORD: 'b' } });
    expect(cfg.identity.devProvider?.users.map((u) => u.name)).toEqual(['alice', 'bob']);
    expect(cfg.recording.store).toBe('memory');
    expect(cfg.listen.postgres.port).toBe(0);
  });
});

describe('the result is deep-frozen', () => {
  const cfg = parse({ ...baseConfig(), rules: [{ name: 'r', match: { kinds: ['select'] }, action: 'allow' }] });

  it('freezes objects and arrays at every depth', () => {
    expect(Object.isFrozen(cfg)).toBe(true);
    expect(Object.isFrozen(cfg.listen.postgres)).toBe(true);
    expect(Object.isFrozen(cfg.identity.issuers)).toBe(true);
    expect(Object.isFrozen(cfg.identity.issuers[0]!.audience)).toBe(true);
    expect(Object.isFrozen(cfg.rules[0]!.match.kinds)).toBe(true);
    const shop = cfg.connections.get('shop-prod')!;
    expect(Object.isFrozen(shop)).toBe(true);
    expect(Object.isFrozen(shop.upstream.tls)).toBe(true);
    expect(Object.isFrozen(shop.allowGroups)).toBe(true);
    expect(() => { (cfg.listen.postgres as { port: number }).port = 1; }).toThrow(TypeError);
    expect(() => { (shop.allowGroups as string[]).push('x'); }).toThrow(TypeError);
  });

  it('refuses changes to the connections map', () => {
    const map = cfg.connections as Map<string, unknown>;
    expect(() => map.set('x', {})).toThrow(TypeError);
    expect(() => map.delete('shop-prod')).toThrow(TypeError);
    expect(() => map.clear()).toThrow(TypeError);
    expect(cfg.connections.size).toBe(1);
  });

  it('keys connections by name with the name filled in', () => {
    expect(cfg.connections.get('shop-prod')?.name).toBe('shop-prod');
  });
});

describe('unknown keys', () => {
  it('are reported at every depth with a suggestion', () => {
    const c = baseConfig();
    c.lisen = {};
    c.identity.issuers[0].audiance = 'x';
    c.connections['shop-prod'].upstream.hots = 'x';
    c.connections['shop-prod'].upstream.tls = { mod: 'require' };
    c.recording = { max_message_bytes: 1 };
    const errors = errorsOf(c);
    expect(errors).toEqual(expect.arrayContaining([
      expect.stringMatching(/^lisen: unknown key "lisen" — did you mean "listen"\?/),
      expect.stringMatching(/^identity\.issuers\[0\]\.audiance: unknown key "audiance" — did you mean "audience"\?/),
      expect.stringMatching(/^connections\.shop-prod\.upstream\.hots: unknown key "hots" — did you mean "host"\?/),
      expect.stringMatching(/^connections\.shop-prod\.upstream\.tls\.mod: unknown key "mod" — did you mean "mode"\?/),
    ]));
    expect(errors.find((e) => e.startsWith('recording.max_message_bytes'))).toMatch(/allowed keys here: store, directory, fsync/);
  });

  it('suggests camelCase for snake_case and transposed letters', () => {
    const c = baseConfig();
    c.listen = { postgres: { max_message_bytes: 2048, prot: 1 } };
    const errors = errorsOf(c);
    expect(errors.join('\n')).toContain('did you mean "maxMessageBytes"?');
    expect(errors.join('\n')).toContain('unknown key "prot" — did you mean "port"?');
  });

  it('reports the line of the unknown key', () => {
    const text = 'identity:\n  issuers:\n    - name: corp\n      issuer: https://x.example.com\n      audience: a\n      claim: {}\nconnections:\n  db: { upstream: { host: h, database: d, user: u }, allowGroups: [g] }\n';
    expect(failure(text).errors).toEqual(['identity.issuers[0].claim: unknown key "claim" — did you mean "claims"? (line 6)']);
  });
});

describe('wrong types, missing keys, bad values', () => {
  it('names the key path and the expected type', () => {
    const c = baseConfig();
    c.connections['shop-prod'].upstream.port = 'abc';
    c.connections['shop-prod'].allowGroups = 'dba';
    c.listen = { postgres: { allowCleartextWithoutTls: 'yes' } };
    c.identity.issuers[0].audience = 5;
    const errors = errorsOf(c);
    expect(errors).toEqual(expect.arrayContaining([
      expect.stringMatching(/^connections\.shop-prod\.upstream\.port: must be an integer between 1 and 65535 \(got a string\)/),
      expect.stringMatching(/^connections\.shop-prod\.allowGroups: must be a list/),
      expect.stringMatching(/^listen\.postgres\.allowCleartextWithoutTls: must be true or false/),
      expect.stringMatching(/^identity\.issuers\[0\]\.audience: must be a non-empty string or a non-empty list of strings/),
    ]));
  });

  it('reports numbers out of range', () => {
    const c = baseConfig();
    c.connections['shop-prod'].upstream.port = 70000;
    c.listen = { postgres: { maxMessageBytes: 10 } };
    c.identity.issuers[0].clockToleranceSeconds = 301;
    const errors = errorsOf(c);
    expect(errors).toContainEqual(expect.stringMatching(/^connections\.shop-prod\.upstream\.port: must be an integer between 1 and 65535 \(got 70000\) \(line \d+\)$/));
    expect(errors.join('\n')).toContain('listen.postgres.maxMessageBytes: must be an integer between 1024 and 1073741824 (got 10)');
    expect(errors.join('\n')).toContain('identity.issuers[0].clockToleranceSeconds: must be an integer between 0 and 300 (got 301)');
  });

  it('reports every missing required key', () => {
    const errors = errorsOf({ identity: { issuers: [{ name: 'x' }] }, connections: { db: { upstream: {} } } });
    for (const key of ['identity.issuers[0].issuer', 'identity.issuers[0].audience', 'connections.db.allowGroups', 'connections.db.upstream.host', 'connections.db.upstream.database', 'connections.db.upstream.user']) {
      expect(errors.some((e) => e.startsWith(`${key}: is required but missing`))).toBe(true);
    }
    expect(errorsOf({ identity: { devProvider: {} } })).toEqual([expect.stringMatching(/^connections: is required but missing/)]);
    expect(errorsOf({ connections: baseConfig().connections })).toEqual([expect.stringMatching(/^identity: is required but missing/)]);
  });

  it('explains an empty section', () => {
    expect(failure('identity:\nconnections: {}\n').errors).toEqual(expect.arrayContaining([
      'identity: is empty — fill it in, or write `{}` to take every default (line 1)',
      'connections: must define at least one connection (line 2)',
    ]));
  });

  it('lists the allowed values of enums, with a suggestion', () => {
    const c = baseConfig();
    c.connections['shop-prod'].defaultAction = 'deny';
    c.connections['shop-prod'].upstream.tls = { mode: 'verify_full' };
    c.recording = { fsync: 'sometimes' };
    c.rules = [{ name: 'r', match: { kinds: ['selct'], principalKinds: ['robot'] }, action: 'allow' }];
    const errors = errorsOf(c);
    expect(errors).toEqual(expect.arrayContaining([
      expect.stringMatching(/^connections\.shop-prod\.defaultAction: must be one of: allow, approve, block \(got "deny"\)/),
      expect.stringMatching(/^connections\.shop-prod\.upstream\.tls\.mode: must be one of: disable, require, verify-full \(got "verify_full"\) — did you mean "verify-full"\?/),
      expect.stringMatching(/^recording\.fsync: must be one of: always, write/),
      expect.stringMatching(/^rules\[0\]\.match\.kinds\[0\]: must be one of: select, insert, .* — did you mean "select"\?/),
      expect.stringMatching(/^rules\[0\]\.match\.principalKinds\[0\]: must be one of: human, service/),
    ]));
  });

  it('refuses HMAC and "none" algorithms and says why', () => {
    const c = baseConfig();
    c.identity.issuers[0].algorithms = ['RS256', 'HS256', 'none'];
    const errors = errorsOf(c);
    expect(errors).toEqual([
      expect.stringMatching(/^identity\.issuers\[0\]\.algorithms\[1\]: "HS256" is not allowed: HMAC algorithms use a shared secret, so anything able to verify tokens could also mint them/),
      expect.stringMatching(/^identity\.issuers\[0\]\.algorithms\[2\]: "none" is not allowed: it means unsigned tokens/),
    ]);
  });

  it('refuses invalid connection names', () => {
    const c = baseConfig();
    const conn = c.connections['shop-prod'];
    c.connections = { '-bad': conn, 'has space': conn, ['x'.repeat(64)]: conn, ok_name: conn };
    const errors = errorsOf(c);
    expect(errors.filter((e) => e.includes('connection names are used as PostgreSQL database names'))).toHaveLength(3);
    expect(errors.join('\n')).not.toContain('ok_name');
  });

  it('refuses a store schema too long for its NOTIFY channel names', () => {
    const c = baseConfig();
    c.store = { type: 'postgres', url: { env: 'SHOP_PW' }, schema: 'a'.repeat(57) };
    expect(errorsOf(c)).toEqual([expect.stringMatching(/^store\.schema: .*at most 56 characters/)]);
    c.store.schema = 'a'.repeat(56);
    expect(parse(c).store.schema).toBe('a'.repeat(56));
  });

  it('refuses empty lists and strings, and duplicate list entries', () => {
    const c = baseConfig();
    c.connections['shop-prod'].allowGroups = [];
    c.connections['shop-prod'].upstream.host = '';
    c.identity.issuers[0].algorithms = ['RS256', 'RS256'];
    c.rules = [{ name: 'r', match: { tables: [] }, action: 'block' }];
    c.identity.devProvider = { clients: [{ clientId: 'x', redirectUris: ['http://127.0.0.1/cb#frag', 'not a uri'] }] };
    const errors = errorsOf(c);
    expect(errors.filter((e) => /^identity\.devProvider\.clients\[0\]\.redirectUris\[[01]\]: must be an absolute URI without a #fragment/.test(e))).toHaveLength(2);
    expect(errors).toEqual(expect.arrayContaining([
      expect.stringMatching(/^connections\.shop-prod\.allowGroups: must list at least one entry/),
      expect.stringMatching(/^connections\.shop-prod\.upstream\.host: must not be empty/),
      expect.stringMatching(/^identity\.issuers\[0\]\.algorithms: lists the same value twice/),
      expect.stringMatching(/^rules\[0\]\.match\.tables: must list at least one entry/),
    ]));
  });

  it('collects all problems into one error with an errors list', () => {
    const c = baseConfig();
    c.lisen = {};
    c.connections['shop-prod'].upstream.port = 0;
    c.rules = [{ name: 'a', match: {}, action: 'allow' }, { name: 'a', match: {}, action: 'nope' }];
    const err = failure(yamlOf(c), { fileName: 'airlock.yaml' });
    expect(isAirlockError(err)).toBe(true);
    expect(err.code).toBe('BRK_ERR_CONFIG_INVALID');
    expect(err.errors.length).toBe(4);
    expect(err.message.split('\n')[0]).toBe('invalid configuration: 4 problems in airlock.yaml:');
    for (const e of err.errors) expect(err.message).toContain(`\n  - ${e}`);
    expect(err.hint).toMatch(/airlock config check/);
  });
});

describe('cross-field checks', () => {
  it('refuses duplicate rule names', () => {
    const c = baseConfig();
    c.rules = [
      { name: 'reads', match: { kinds: ['select'] }, action: 'allow' },
      { name: 'other', match: {}, action: 'block' },
      { name: 'reads', match: { kinds: ['show'] }, action: 'allow' },
    ];
    expect(errorsOf(c)).toEqual([expect.stringMatching(/^rules\[2\]\.name: duplicate rule name "reads" \(also rules\[0\]\)/)]);
  });

  it('refuses rules naming an unknown connection', () => {
    const c = baseConfig();
    c.rules = [{ name: 'r', match: { connections: ['shop-prod', 'shop-prd', 'zzz'] }, action: 'allow' }];
    expect(errorsOf(c)).toEqual([
      expect.stringMatching(/^rules\[0\]\.match\.connections\[1\]: unknown connection "shop-prd" — did you mean "shop-prod"\?/),
      expect.stringMatching(/^rules\[0\]\.match\.connections\[2\]: unknown connection "zzz" — defined connections: shop-prod/),
    ]);
  });

  it('refuses role mappings for groups outside allowGroups', () => {
    const c = baseConfig();
    c.connections['shop-prod'].roles = [{ group: 'dba', role: 'a' }, { group: 'engg', role: 'b' }];
    expect(errorsOf(c)).toEqual([expect.stringMatching(/^connections\.shop-prod\.roles\[1\]\.group: group "engg" is not in allowGroups.* did you mean "eng"\?/)]);
  });

  it('requires keyFile with certFile', () => {
    const c = baseConfig();
    c.listen = { postgres: { tls: { certFile: 'cert.pem' } } };
    expect(errorsOf(c)).toEqual([expect.stringMatching(/^listen\.postgres\.tls\.keyFile: is required but missing/)]);
  });

  it('requires some way to sign in', () => {
    const c = baseConfig();
    c.identity = { issuers: [] };
    expect(errorsOf(c)).toEqual([expect.stringMatching(/^identity: no way to sign in/)]);
    c.identity = { devProvider: { enabled: false } };
    expect(errorsOf(c)).toEqual([expect.stringMatching(/^identity: no way to sign in/)]);
  });

  it('refuses http issuers and JWKS URIs on non-loopback hosts', () => {
    const c = baseConfig();
    c.identity.issuers[0].issuer = 'http://login.example.com';
    c.identity.issuers[0].jwksUri = 'http://login.example.com/jwks';
    expect(errorsOf(c)).toEqual([
      expect.stringMatching(/^identity\.issuers\[0\]\.issuer: must use https:\/\//),
      expect.stringMatching(/^identity\.issuers\[0\]\.jwksUri: must use https:\/\//),
    ]);
  });

  it('refuses duplicate issuer names, dev users and client ids', () => {
    const c = baseConfig();
    c.identity.issuers.push({ ...c.identity.issuers[0], audience: 'other' });
    c.identity.devProvider = {
      users: [{ name: 'a', email: 'a@x.io' }, { name: 'a', email: 'b@x.io' }],
      serviceAccounts: [{ clientId: 'airlock-cli', secret: { env: 'X' } }],
    };
    const errors = errorsOf(c);
    expect(errors).toHaveLength(3);
    expect(errors.join('\n')).toMatch(/duplicate issuer name "corp"/);
    expect(errors.join('\n')).toMatch(/duplicate user name "a"/);
    expect(errors.join('\n')).toMatch(/duplicate clientId "airlock-cli"/);
  });

  it('refuses listeners on the same port', () => {
    const c = baseConfig();
    c.listen = { postgres: { port: 8484 } };
    expect(errorsOf(c)).toEqual([expect.stringMatching(/^listen\.http\.port: port 8484 is already used by listen\.postgres\.port/)]);
    c.listen = { postgres: { port: 0 }, http: { port: 0 } };
    expect(() => parse(c)).not.toThrow();
  });

  it('refuses TLS options that have no effect with mode disable', () => {
    const c = baseConfig();
    c.connections['shop-prod'].upstream.tls = { mode: 'disable', caFile: 'ca.pem' };
    expect(errorsOf(c)).toEqual([expect.stringMatching(/^connections\.shop-prod\.upstream\.tls\.caFile: has no effect with mode "disable"/)]);
  });
});

describe('YAML syntax', () => {
  it('reports syntax errors with line and column', () => {
    const err = failure('identity:\n  issuers: [\n    name: x\nconnections: {}\n', { fileName: 'bad.yaml' });
    expect(err.code).toBe('BRK_ERR_CONFIG_INVALID');
    expect(err.errors[0]).toMatch(/^line \d+, column \d+: .+ \(YAML syntax\)$/);
    expect(err.message).toContain('bad.yaml');
  });

  it('gives the exact line of a bad mapping', () => {
    const err = failure('connections:\n  db: { upstream: { host: h } }\nidentity:\n  issuers: x: y\n');
    expect(err.errors[0]).toMatch(/^line 4, column \d+: /);
  });

  it('refuses duplicate keys', () => {
    const err = failure('identity: {}\nidentity: {}\n');
    expect(err.errors[0]).toMatch(/^line 2, column 1: .*[Uu]nique/);
  });

  it('refuses an empty file and a non-mapping top level', () => {
    expect(failure('').errors).toEqual(['the file is empty — start from examples/airlock.yaml']);
    expect(failure('# just a comment\n').errors).toEqual(['the file is empty — start from examples/airlock.yaml']);
    expect(failure('- a\n- b\n').errors[0]).toMatch(/top level must be a mapping/);
  });
});

describe('loadConfigFile', () => {
  it('resolves relative paths against the file\'s directory', async () => {
    const cfg = await loadConfigFile(join(fixturesDir, 'file-secret.yaml'), { env: {} });
    expect(cfg.connections.get('shop')?.upstream.password?.reveal()).toBe('s3cret-from-file');
    expect(cfg.recording.directory).toBe(join(fixturesDir, '.airlock/recordings'));
  });

  it('names the file in errors', async () => {
    const err = await loadConfigFile(join(fixturesDir, 'invalid.yaml')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain('invalid.yaml');
  });

  it('reports a missing file as BRK_ERR_CONFIG_READ', async () => {
    const err = await loadConfigFile(join(fixturesDir, 'does-not-exist.yaml')).catch((e: unknown) => e);
    expect(isAirlockError(err) && err.code).toBe('BRK_ERR_CONFIG_READ');
    expect((err as Error).message).toContain('no such file');
  });

  it('reads the same result as parseConfig on the text', async () => {
    const path = join(fixturesDir, 'minimal.yaml');
    const a = await loadConfigFile(path, { env: {} });
    const b = parseConfig(await readFile(path, 'utf8'), { env: {}, baseDir: fixturesDir });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});
