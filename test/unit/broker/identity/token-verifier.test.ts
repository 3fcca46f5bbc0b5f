import { inspect } from 'node:util';
import { base64url, CompactSign, decodeJwt, exportSPKI, SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssuerConfig } from '../../../../broker/config/types.js';
import { AirlockError } from '../../../../broker/errors/airlock-error.js';
import type { ErrorCode } from '../../../../broker/errors/registry.js';
import type { DevProvider } from '../../../../broker/identity/dev-provider.js';
import { createTokenVerifier, MAX_TOKEN_LENGTH, type CachingTokenVerifier } from '../../../../broker/identity/token-verifier.js';
import { startTestDevProvider } from '../../../support/dev-idp.js';
import { makeKey, sign, startJwksServer, type JwksServer, type TestKey } from './jwks-server.js';

let dev: DevProvider;
let ci: JwksServer;
let ciKey: TestKey;
let verifier: CachingTokenVerifier;

const nowS = (): number => Math.floor(Date.now() / 1000);

function ciIssuer(overrides: Partial<IssuerConfig> = {}): IssuerConfig {
  return {
    name: 'ci',
    issuer: ci.issuer,
    audience: ['airlock-ci', 'airlock-other'],
    algorithms: [],
    claims: { groups: 'groups', email: 'email', name: 'name' },
    principalKind: 'service',
    clockToleranceSeconds: 0,
    ...overrides,
  };
}

function ciClaims(overrides: JWTPayload = {}): JWTPayload {
  return { iss: ci.issuer, sub: 'pipeline-42', aud: 'airlock-ci', iat: nowS(), exp: nowS() + 300, groups: ['deployers'], ...overrides };
}

function unsigned(header: Record<string, unknown>, payload: unknown, signature = ''): string {
  const enc = (v: unknown): string => base64url.encode(JSON.stringify(v));
  return `${enc(header)}.${enc(payload)}.${signature}`;
}

/** Asserts a refusal with `code` whose message, hint, cause and rendering never contain the token. */
async function expectRefused(v: CachingTokenVerifier, token: string, code: ErrorCode): Promise<AirlockError> {
  const err = await v.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `token should be refused with ${code}`).toBeInstanceOf(AirlockError);
  const e = err as AirlockError;
  expect(e.code).toBe(code);
  const secretish = token.length > 40 ? [token, token.slice(-40), token.slice(0, 200)] : token.trim() === '' ? [] : [token];
  const renderings = [e.message, e.hint ?? '', String(e), JSON.stringify(e), inspect(e, { depth: 5 }), String((e.cause as Error | undefined)?.message ?? '')];
  for (const r of renderings) for (const s of secretish) expect(r.includes(s)).toBe(false);
  return e;
}

beforeAll(async () => {
  dev = await startTestDevProvider();
  ciKey = await makeKey('ci-1');
  ci = await startJwksServer([ciKey]);
  verifier = createTokenVerifier([dev.issuerConfig(), ciIssuer()], { cache: false });
});
afterAll(async () => {
  await dev?.close();
  await ci?.close();
});

describe('valid tokens from two issuers', () => {
  it('maps a dev-provider token to a human principal', async () => {
    const p = await verifier.verify(await dev.mintToken('alice'));
    expect(p).toEqual({
      subject: 'alice',
      issuer: dev.issuer,
      issuerName: 'dev',
      email: 'alice@example.test',
      name: 'alice',
      groups: ['engineering', 'dba'],
      kind: 'human',
      expiresAt: expect.any(Number),
    });
    expect(Object.isFrozen(p)).toBe(true);
  });

  it('maps a CI token to a service principal (issuer principalKind) with any configured audience', async () => {
    const p = await verifier.verify(await sign(ciKey, ciClaims({ aud: ['elsewhere', 'airlock-other'], email: 'ci@example.test' })));
    expect(p).toMatchObject({ subject: 'pipeline-42', issuer: ci.issuer, issuerName: 'ci', kind: 'service', groups: ['deployers'], email: 'ci@example.test' });
    expect(p.name).toBeUndefined();
  });

  it('a token whose sub equals its client_id (client credentials) is a service even from a human issuer', async () => {
    const human = createTokenVerifier([ciIssuer({ principalKind: 'human' })], { cache: false });
    expect((await human.verify(await sign(ciKey, ciClaims({ client_id: 'pipeline-42' })))).kind).toBe('service');
    expect((await human.verify(await sign(ciKey, ciClaims({ client_id: 'editor' })))).kind).toBe('human');
    expect((await human.verify(await sign(ciKey, ciClaims()))).kind).toBe('human');
  });

  it('tolerates leading/trailing whitespace around the token', async () => {
    await expect(verifier.verify(` ${await dev.mintToken('bob')}\n`)).resolves.toMatchObject({ subject: 'bob' });
  });
});

describe('claim mapping', () => {
  it('reads groups from a dotted path, and email/name from other claims', async () => {
    const v = createTokenVerifier([ciIssuer({ claims: { groups: 'realm_access.roles', email: 'upn', name: 'preferred_username' } })], { cache: false });
    const t = await sign(ciKey, ciClaims({ groups: undefined, realm_access: { roles: ['dba', 'readers'] }, upn: 'p@example.test', preferred_username: 'Pipeline' }));
    expect(await v.verify(t)).toMatchObject({ groups: ['dba', 'readers'], email: 'p@example.test', name: 'Pipeline' });
  });

  it('reads groups given as one space/comma separated string', async () => {
    const v = createTokenVerifier([ciIssuer({ claims: { groups: 'scp', email: 'email', name: 'name' } })], { cache: false });
    expect((await v.verify(await sign(ciKey, ciClaims({ scp: 'db.read db.write, deployers,,' })))).groups).toEqual(['db.read', 'db.write', 'deployers']);
  });

  it('prefers a namespaced claim whose name contains dots, ignores non-strings, and defaults to no groups', async () => {
    const v = createTokenVerifier([ciIssuer({ claims: { groups: 'https://airlock.test/groups', email: 'email', name: 'name' } })], { cache: false });
    expect((await v.verify(await sign(ciKey, ciClaims({ 'https://airlock.test/groups': ['a', 7, 'b', 'a'] })))).groups).toEqual(['a', 'b']);
    expect((await v.verify(await sign(ciKey, ciClaims({ groups: ['x'] })))).groups).toEqual([]);
  });
});

describe('refusals', () => {
  it('expired → BRK_ERR_TOKEN_EXPIRED (clock tolerance honoured)', async () => {
    await expectRefused(verifier, await sign(ciKey, ciClaims({ iat: nowS() - 600, exp: nowS() - 60 })), 'BRK_ERR_TOKEN_EXPIRED');
    const tolerant = createTokenVerifier([ciIssuer({ clockToleranceSeconds: 120 })], { cache: false });
    await expect(tolerant.verify(await sign(ciKey, ciClaims({ exp: nowS() - 60 })))).resolves.toBeDefined();
    const later = createTokenVerifier([dev.issuerConfig()], { now: () => Date.now() + 3600_000, cache: false });
    await expectRefused(later, await dev.mintToken('alice'), 'BRK_ERR_TOKEN_EXPIRED');
  });

  it('not yet valid → BRK_ERR_TOKEN_NOT_YET_VALID', async () => {
    await expectRefused(verifier, await sign(ciKey, ciClaims({ nbf: nowS() + 600 })), 'BRK_ERR_TOKEN_NOT_YET_VALID');
  });

  it('unknown or missing issuer → BRK_ERR_TOKEN_ISSUER (nothing is fetched from it)', async () => {
    const before = { ...ci.counts };
    await expectRefused(verifier, await sign(ciKey, ciClaims({ iss: 'https://evil.example' })), 'BRK_ERR_TOKEN_ISSUER');
    await expectRefused(verifier, await sign(ciKey, ciClaims({ iss: `${ci.issuer}.evil.example` })), 'BRK_ERR_TOKEN_ISSUER');
    await expectRefused(verifier, await sign(ciKey, ciClaims({ iss: undefined })), 'BRK_ERR_TOKEN_ISSUER');
    expect(ci.counts.discovery).toBe(before.discovery);
  });

  it('wrong or missing audience → BRK_ERR_TOKEN_AUDIENCE', async () => {
    await expectRefused(verifier, await sign(ciKey, ciClaims({ aud: 'someone-else' })), 'BRK_ERR_TOKEN_AUDIENCE');
    await expectRefused(verifier, await sign(ciKey, ciClaims({ aud: undefined })), 'BRK_ERR_TOKEN_AUDIENCE');
    // A dev token presented to a broker trusting the dev issuer for another audience.
    const other = createTokenVerifier([{ ...dev.issuerConfig(), audience: ['another-broker'] }], { cache: false });
    await expectRefused(other, await dev.mintToken('alice'), 'BRK_ERR_TOKEN_AUDIENCE');
  });

  it('alg none → BRK_ERR_TOKEN_ALGORITHM', async () => {
    await expectRefused(verifier, unsigned({ alg: 'none', typ: 'JWT' }, ciClaims()), 'BRK_ERR_TOKEN_ALGORITHM');
    await expectRefused(verifier, unsigned({ alg: 'None' }, ciClaims(), 'c2ln'), 'BRK_ERR_TOKEN_ALGORITHM');
  });

  it('HS256 signed with the public key bytes (key confusion) → BRK_ERR_TOKEN_ALGORITHM, even if HS256 is configured', async () => {
    const pem = await exportSPKI(ciKey.publicKey);
    const forged = await new SignJWT(ciClaims({ groups: ['admin'] }))
      .setProtectedHeader({ alg: 'HS256', kid: ciKey.kid })
      .sign(new TextEncoder().encode(pem));
    await expectRefused(verifier, forged, 'BRK_ERR_TOKEN_ALGORITHM');
    const careless = createTokenVerifier([ciIssuer({ algorithms: ['HS256', 'RS256'] })], { cache: false });
    await expectRefused(careless, forged, 'BRK_ERR_TOKEN_ALGORITHM');
    const jwkBytes = await new SignJWT(ciClaims()).setProtectedHeader({ alg: 'HS512' }).sign(new TextEncoder().encode(JSON.stringify(ciKey.publicJwk)));
    await expectRefused(careless, jwkBytes, 'BRK_ERR_TOKEN_ALGORITHM');
  });

  it('an algorithm outside the issuer allow-list → BRK_ERR_TOKEN_ALGORITHM', async () => {
    const es = await makeKey('ci-es', 'ES256');
    ci.keys = [ciKey, es];
    try {
      const onlyRs = createTokenVerifier([ciIssuer({ algorithms: ['RS256'] })], { cache: false });
      const token = await sign(es, ciClaims());
      await expectRefused(onlyRs, token, 'BRK_ERR_TOKEN_ALGORITHM');
      await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'pipeline-42' });
    } finally {
      ci.keys = [ciKey];
    }
  });

  it('a key id the issuer does not publish → BRK_ERR_TOKEN_KEY_UNKNOWN', async () => {
    const rogue = await makeKey('rogue-key');
    await expectRefused(verifier, await sign(rogue, ciClaims()), 'BRK_ERR_TOKEN_KEY_UNKNOWN');
  });

  it('an unrelated key claiming the published key id → BRK_ERR_TOKEN_SIGNATURE', async () => {
    const impostor = await makeKey(ciKey.kid);
    await expectRefused(verifier, await sign(impostor, ciClaims()), 'BRK_ERR_TOKEN_SIGNATURE');
  });

  it('a tampered payload (groups changed, not re-signed) → BRK_ERR_TOKEN_SIGNATURE', async () => {
    for (const token of [await sign(ciKey, ciClaims()), await dev.mintToken('bob')]) {
      const [h, p, s] = token.split('.') as [string, string, string];
      const claims = JSON.parse(new TextDecoder().decode(base64url.decode(p))) as Record<string, unknown>;
      claims['groups'] = ['dba', 'admin'];
      const tampered = `${h}.${base64url.encode(JSON.stringify(claims))}.${s}`;
      await expectRefused(verifier, tampered, 'BRK_ERR_TOKEN_SIGNATURE');
    }
  });

  it('missing or unusable sub/exp → BRK_ERR_TOKEN_CLAIMS', async () => {
    await expectRefused(verifier, await sign(ciKey, ciClaims({ sub: undefined })), 'BRK_ERR_TOKEN_CLAIMS');
    await expectRefused(verifier, await sign(ciKey, ciClaims({ sub: '' })), 'BRK_ERR_TOKEN_CLAIMS');
    await expectRefused(verifier, await sign(ciKey, { ...ciClaims(), sub: 42 } as unknown as JWTPayload), 'BRK_ERR_TOKEN_CLAIMS');
    await expectRefused(verifier, await sign(ciKey, ciClaims({ exp: undefined })), 'BRK_ERR_TOKEN_CLAIMS');
    const badExp = await new CompactSign(new TextEncoder().encode(JSON.stringify({ ...ciClaims(), exp: 'tomorrow' })))
      .setProtectedHeader({ alg: 'RS256', kid: ciKey.kid })
      .sign(ciKey.privateKey);
    await expectRefused(verifier, badExp, 'BRK_ERR_TOKEN_CLAIMS');
  });

  it('garbage → BRK_ERR_TOKEN_MALFORMED (empty → BRK_ERR_TOKEN_MISSING)', async () => {
    await expectRefused(verifier, '', 'BRK_ERR_TOKEN_MISSING');
    await expectRefused(verifier, '  \n', 'BRK_ERR_TOKEN_MISSING');
    await expectRefused(verifier, undefined as unknown as string, 'BRK_ERR_TOKEN_MISSING');
    const garbage = [
      'hunter2',
      'a.b',
      'a.b.c',
      'eyJhbGciOiJSUzI1NiJ9.%%%.sig',
      'eyJhbGciOi.eyJpc3MiOiJ4In0.c2ln',
      `${base64url.encode('[1,2]')}.${base64url.encode('{}')}.c2ln`,
      unsigned({ typ: 'JWT' }, ciClaims(), 'c2ln'),
      unsigned({ alg: 'RS256' }, [1, 2, 3], 'c2ln'),
      `${base64url.encode('{"alg":"RS256"}')}.${base64url.encode('not json')}.c2ln`,
      'eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d',
      '..',
      'Bearer abc.def.ghi jkl',
    ];
    for (const g of garbage) await expectRefused(verifier, g, 'BRK_ERR_TOKEN_MALFORMED');
  });

  it('a huge token (1 MB) → BRK_ERR_TOKEN_MALFORMED before any decoding', async () => {
    const huge = await sign(ciKey, ciClaims({ pad: 'x'.repeat(1024 * 1024) }));
    expect(huge.length).toBeGreaterThan(MAX_TOKEN_LENGTH);
    const e = await expectRefused(verifier, huge, 'BRK_ERR_TOKEN_MALFORMED');
    expect(e.message.length).toBeLessThan(200);
    await expectRefused(verifier, 'A'.repeat(1024 * 1024), 'BRK_ERR_TOKEN_MALFORMED');
  });
});

describe('keys and issuers', () => {
  it('an unreachable issuer → BRK_ERR_ISSUER_UNREACHABLE, and a later attempt retries discovery', async () => {
    const deadKey = await makeKey('dead');
    const dead = await startJwksServer([deadKey]);
    const issuer = dead.issuer;
    await dead.close();
    const v = createTokenVerifier([ciIssuer({ name: 'gone', issuer })], { cache: false, timeoutMs: 2000 });
    const token = await sign(deadKey, ciClaims({ iss: issuer }));
    await expectRefused(v, token, 'BRK_ERR_ISSUER_UNREACHABLE');
    await expectRefused(v, token, 'BRK_ERR_ISSUER_UNREACHABLE');
  });

  it('a discovery document for another issuer → BRK_ERR_ISSUER_UNREACHABLE', async () => {
    const fakeFetch: typeof fetch = async () => Response.json({ issuer: 'https://elsewhere.example', jwks_uri: ci.jwksUri });
    const v = createTokenVerifier([ciIssuer()], { cache: false, fetch: fakeFetch });
    await expectRefused(v, await sign(ciKey, ciClaims()), 'BRK_ERR_ISSUER_UNREACHABLE');
  });

  it('a configured jwksUri skips discovery; an issuer configured with a trailing slash still matches', async () => {
    const before = ci.counts.discovery;
    const v = createTokenVerifier([ciIssuer({ issuer: `${ci.issuer}/`, jwksUri: ci.jwksUri })], { cache: false });
    await expect(v.verify(await sign(ciKey, ciClaims()))).resolves.toMatchObject({ subject: 'pipeline-42' });
    expect(ci.counts.discovery).toBe(before);
  });

  it('key rotation: a token signed with a newly published key verifies after a JWKS refetch', async () => {
    const a = await makeKey('rot-a');
    const b = await makeKey('rot-b');
    const srv = await startJwksServer([a]);
    try {
      const v = createTokenVerifier([ciIssuer({ issuer: srv.issuer })], { cache: false, jwksCooldownMs: 0 });
      const claims = ciClaims({ iss: srv.issuer });
      await expect(v.verify(await sign(a, claims))).resolves.toBeDefined();
      expect(srv.counts).toEqual({ discovery: 1, jwks: 1 });
      srv.keys = [b, a];
      await expect(v.verify(await sign(b, claims))).resolves.toMatchObject({ subject: 'pipeline-42' });
      expect(srv.counts).toEqual({ discovery: 1, jwks: 2 });
      await expect(v.verify(await sign(a, { ...claims, jti: 'again' }))).resolves.toBeDefined();
      expect(srv.counts.jwks).toBe(2);
    } finally {
      await srv.close();
    }
  });

  it('an unknown kid within the refetch cooldown is refused without hammering the issuer', async () => {
    const a = await makeKey('cool-a');
    const srv = await startJwksServer([a]);
    try {
      const v = createTokenVerifier([ciIssuer({ issuer: srv.issuer })], { cache: false });
      await v.verify(await sign(a, ciClaims({ iss: srv.issuer })));
      const stranger = await makeKey('cool-b');
      for (let i = 0; i < 3; i++) await expectRefused(v, await sign(stranger, ciClaims({ iss: srv.issuer })), 'BRK_ERR_TOKEN_KEY_UNKNOWN');
      expect(srv.counts.jwks).toBe(1);
    } finally {
      await srv.close();
    }
  });

  it('keys without kid: every matching key is tried', async () => {
    const k1 = await makeKey('x');
    const k2 = await makeKey('y');
    const strip = (k: TestKey): TestKey => ({ ...k, publicJwk: { ...k.publicJwk, kid: undefined } });
    const srv = await startJwksServer([strip(k1), strip(k2)]);
    try {
      const v = createTokenVerifier([ciIssuer({ issuer: srv.issuer })], { cache: false });
      const token = await new SignJWT(ciClaims({ iss: srv.issuer })).setProtectedHeader({ alg: 'RS256' }).sign(k2.privateKey);
      await expect(v.verify(token)).resolves.toMatchObject({ subject: 'pipeline-42' });
      const rogue = await makeKey('z');
      const bad = await new SignJWT(ciClaims({ iss: srv.issuer })).setProtectedHeader({ alg: 'RS256' }).sign(rogue.privateKey);
      await expectRefused(v, bad, 'BRK_ERR_TOKEN_SIGNATURE');
    } finally {
      await srv.close();
    }
  });
});

describe('configuration checks', () => {
  it('refuses issuers that allow only none/HMAC, have no audience, or appear twice', () => {
    const code = (f: () => unknown): unknown => {
      try {
        f();
      } catch (e) {
        return (e as AirlockError).code;
      }
      return undefined;
    };
    expect(code(() => createTokenVerifier([ciIssuer({ algorithms: ['HS256'] })]))).toBe('BRK_ERR_CONFIG_INVALID');
    expect(code(() => createTokenVerifier([ciIssuer({ algorithms: ['none'] })]))).toBe('BRK_ERR_CONFIG_INVALID');
    expect(code(() => createTokenVerifier([ciIssuer({ audience: [] })]))).toBe('BRK_ERR_CONFIG_INVALID');
    expect(code(() => createTokenVerifier([ciIssuer(), ciIssuer({ name: 'again', issuer: `${ci.issuer}/` })]))).toBe('BRK_ERR_CONFIG_INVALID');
    expect(code(() => createTokenVerifier([]))).toBeUndefined();
  });
});

describe('verification cache', () => {
  it('serves a repeated token from the cache', async () => {
    const v = createTokenVerifier([dev.issuerConfig()]);
    const token = await dev.mintToken('alice');
    const first = await v.verify(token);
    const second = await v.verify(token);
    expect(second).toBe(first);
    expect(v.stats()).toMatchObject({ cacheSize: 1, cacheHits: 1, cacheMisses: 1 });
    const bobToken = await dev.mintToken('bob');
    const [a, b, c] = await Promise.all([v.verify(bobToken), v.verify(bobToken), v.verify(bobToken)]);
    expect(a).toBe(b);
    expect(b).toBe(c);
    v.clearCache();
    expect(v.stats().cacheSize).toBe(0);
  });

  it('never serves an entry at or after exp, nor within the margin before it', async () => {
    let t = Date.now();
    const v = createTokenVerifier([ciIssuer({ clockToleranceSeconds: 60 })], { now: () => t });
    const exp = Math.floor(t / 1000) + 120;
    const token = await sign(ciKey, ciClaims({ exp }));
    const first = await v.verify(token);
    expect(await v.verify(token)).toBe(first);

    t = exp * 1000 - 2000; // inside the 5 s margin: re-verified (still valid), not served from the cache
    const hitsBefore = v.stats().cacheHits;
    const again = await v.verify(token);
    expect(again).not.toBe(first);
    expect(v.stats().cacheHits).toBe(hitsBefore);

    t = exp * 1000 + 30_000; // past exp but inside the 60 s clock tolerance: accepted by jose, never cached
    await v.verify(token);
    expect(v.stats().cacheSize).toBe(0);

    t = exp * 1000 + 120_000;
    await expectRefused(v, token, 'BRK_ERR_TOKEN_EXPIRED');
  });

  it('is bounded', async () => {
    const v = createTokenVerifier([ciIssuer()], { cache: { maxEntries: 2 } });
    for (const jti of ['1', '2', '3', '4']) await v.verify(await sign(ciKey, ciClaims({ jti })));
    expect(v.stats().cacheSize).toBe(2);
  });

  it('does not cache refusals', async () => {
    const v = createTokenVerifier([ciIssuer()]);
    const bad = await sign(ciKey, ciClaims({ aud: 'nope' }));
    await expectRefused(v, bad, 'BRK_ERR_TOKEN_AUDIENCE');
    await expectRefused(v, bad, 'BRK_ERR_TOKEN_AUDIENCE');
    expect(v.stats().cacheSize).toBe(0);
  });
});

describe('decoding helpers used in tests', () => {
  it('dev tokens carry what the tests above assume', async () => {
    expect(decodeJwt(await dev.mintToken('alice'))['email']).toBe('alice@example.test');
  });
});
