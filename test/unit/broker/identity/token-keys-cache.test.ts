import { SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssuerConfig } from '../../../../broker/config/types.js';
import type { AirlockError } from '../../../../broker/errors/airlock-error.js';
import type { DevProvider } from '../../../../broker/identity/dev-provider.js';
import { createTokenVerifier } from '../../../../broker/identity/token-verifier.js';
import { startTestDevProvider } from '../../../support/dev-idp.js';
import { ciClaimsFor, ciIssuerFor, expectRefused } from './fixtures.js';
import { makeKey, sign, startJwksServer, type JwksServer, type TestKey } from './jwks-server.js';

let dev: DevProvider;
let ci: JwksServer;
let ciKey: TestKey;

const ciIssuer = (overrides: Partial<IssuerConfig> = {}): IssuerConfig => ciIssuerFor(ci.issuer, overrides);
const ciClaims = (overrides: JWTPayload = {}): JWTPayload => ciClaimsFor(ci.issuer, overrides);

beforeAll(async () => {
  dev = await startTestDevProvider();
  ciKey = await makeKey('ci-1');
  ci = await startJwksServer([ciKey]);
});
afterAll(async () => {
  await dev?.close();
  await ci?.close();
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
    expect(code(() => createTokenVerifier([ciIssuer({ clockToleranceSeconds: -1 })]))).toBe('BRK_ERR_CONFIG_INVALID');
    expect(code(() => createTokenVerifier([ciIssuer({ issuer: 'not a url' })]))).toBe('BRK_ERR_CONFIG_INVALID');
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
