import { decodeJwt, decodeProtectedHeader } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { AirlockError } from '../../../../broker/errors/airlock-error.js';
import { startDevProvider, type DevProvider } from '../../../../broker/identity/dev-provider.js';
import { createTokenVerifier, type CachingTokenVerifier } from '../../../../broker/identity/token-verifier.js';
import {
  devProviderConfig,
  followAuthorization,
  startTestDevProvider,
  TEST_AUDIENCE,
  TEST_CLIENT_ID,
  TEST_REDIRECT_URI,
  TEST_SERVICE_ID,
  TEST_SERVICE_SECRET,
} from '../../../support/dev-idp.js';

let dev: DevProvider;
let verifier: CachingTokenVerifier;
let consoleSpies: MockInstance[] = [];

beforeAll(async () => {
  consoleSpies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) => vi.spyOn(console, m));
  dev = await startTestDevProvider();
  verifier = createTokenVerifier([dev.issuerConfig()]);
});
afterAll(async () => {
  await dev?.close();
});

async function discover(clientId: string, auth: oidc.ClientAuth = oidc.None()): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(dev.issuer), clientId, undefined, auth, { execute: [oidc.allowInsecureRequests] });
}

async function codeFlow(user: string, scope = 'openid email profile groups', redirectUri = TEST_REDIRECT_URI): Promise<oidc.TokenEndpointResponse> {
  const config = await discover(TEST_CLIENT_ID);
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const authUrl = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
  });
  const callback = await followAuthorization(authUrl, user, redirectUri);
  return oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state });
}

describe('dev provider: startup', () => {
  it('listens on a real port named in the issuer and serves discovery', async () => {
    expect(dev.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(dev.issuer.endsWith(':0')).toBe(false);
    const meta = (await (await fetch(`${dev.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(meta['issuer']).toBe(dev.issuer);
    expect(meta['code_challenge_methods_supported']).toEqual(['S256']);
    expect(meta['grant_types_supported']).toEqual(expect.arrayContaining(['authorization_code', 'client_credentials']));
    const jwks = (await (await fetch(String(meta['jwks_uri']))).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]?.['d']).toBeUndefined();
  });

  it('refuses to start when disabled', async () => {
    await expect(startDevProvider(devProviderConfig({ enabled: false }))).rejects.toMatchObject({ code: 'BRK_ERR_DEV_PROVIDER_OFF' });
  });

  it('two providers get different ports and keys', async () => {
    const other = await startTestDevProvider();
    try {
      expect(other.issuer).not.toBe(dev.issuer);
      const a = decodeProtectedHeader(await dev.mintToken('alice')).kid;
      const b = decodeProtectedHeader(await other.mintToken('alice')).kid;
      expect(a).not.toBe(b);
    } finally {
      await other.close();
    }
  });
});

describe('dev provider: mintToken', () => {
  it('mints a JWT for a configured user with the configured groups', async () => {
    const token = await dev.mintToken('alice');
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: dev.issuer, sub: 'alice', aud: TEST_AUDIENCE, email: 'alice@example.test', groups: ['engineering', 'dba'] });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(900);
    const p = await verifier.verify(token);
    expect(p).toMatchObject({ subject: 'alice', issuerName: 'dev', email: 'alice@example.test', groups: ['engineering', 'dba'], kind: 'human' });
  });

  it('explicit groups override the configured ones, and the lifetime can be set', async () => {
    const token = await dev.mintToken('bob', { groups: ['dba'], ttlSeconds: 60 });
    const claims = decodeJwt(token);
    expect(claims['groups']).toEqual(['dba']);
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(60);
    expect((await verifier.verify(token)).groups).toEqual(['dba']);
  });

  it('an unknown user needs explicit groups', async () => {
    const p = await verifier.verify(await dev.mintToken('mallory', { groups: ['support'] }));
    expect(p).toMatchObject({ subject: 'mallory', groups: ['support'] });
    expect(p.email).toBeUndefined();
    const err = await dev.mintToken('mallory').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AirlockError);
    expect((err as AirlockError).code).toBe('BRK_ERR_BAD_REQUEST');
    await expect(dev.mintToken('alice', { ttlSeconds: 0 })).rejects.toMatchObject({ code: 'BRK_ERR_BAD_REQUEST' });
  });
});

describe('dev provider: authorization code + PKCE', () => {
  it('completes the flow headlessly and yields ID and access tokens that verify', async () => {
    const tokens = await codeFlow('alice');
    expect(tokens.id_token).toBeTypeOf('string');
    const id = decodeJwt(tokens.id_token ?? '');
    expect(id).toMatchObject({ iss: dev.issuer, sub: 'alice', aud: TEST_CLIENT_ID, email: 'alice@example.test', groups: ['engineering', 'dba'] });

    const fromId = await verifier.verify(tokens.id_token ?? '');
    expect(fromId).toMatchObject({ subject: 'alice', issuer: dev.issuer, email: 'alice@example.test', name: 'alice', groups: ['engineering', 'dba'], kind: 'human' });

    const access = decodeJwt(tokens.access_token);
    expect(decodeProtectedHeader(tokens.access_token).typ).toBe('at+jwt');
    expect(access).toMatchObject({ aud: TEST_AUDIENCE, sub: 'alice', client_id: TEST_CLIENT_ID, groups: ['engineering', 'dba'] });
    expect(await verifier.verify(tokens.access_token)).toMatchObject({ subject: 'alice', groups: ['engineering', 'dba'], kind: 'human' });
  });

  it('groups are in the ID token even when only `openid` is requested', async () => {
    const tokens = await codeFlow('bob', 'openid');
    expect(decodeJwt(tokens.id_token ?? '')['groups']).toEqual(['support']);
  });

  it('a loopback redirect may use any port (native client, RFC 8252)', async () => {
    const tokens = await codeFlow('bob', 'openid', 'http://127.0.0.1:40123/callback');
    expect(decodeJwt(tokens.id_token ?? '').sub).toBe('bob');
  });

  it('cancelling on the login page returns access_denied to the client', async () => {
    const config = await discover(TEST_CLIENT_ID);
    const authUrl = oidc.buildAuthorizationUrl(config, {
      redirect_uri: TEST_REDIRECT_URI,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const first = await fetch(authUrl, { redirect: 'manual' });
    const interaction = new URL(first.headers.get('location') ?? '', dev.issuer);
    const cookie = first.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const page = await fetch(interaction, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await page.text()).toContain('alice@example.test');
    const cancelled = await fetch(interaction, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'cancel=1',
    });
    const resume = new URL(cancelled.headers.get('location') ?? '', dev.issuer);
    const resumeCookie = [cookie, ...cancelled.headers.getSetCookie().map((c) => c.split(';')[0])].join('; ');
    const final = await fetch(resume, { redirect: 'manual', headers: { cookie: resumeCookie } });
    const callback = new URL(final.headers.get('location') ?? '', dev.issuer);
    expect(callback.href.startsWith(TEST_REDIRECT_URI)).toBe(true);
    expect(callback.searchParams.get('error')).toBe('access_denied');
  });

  it('an interaction page without its cookie is refused', async () => {
    const res = await fetch(`${dev.issuer}/interaction/not-a-real-uid`);
    expect(res.status).toBe(400);
    await res.arrayBuffer();
  });

  it('the login page refuses a user that is not configured', async () => {
    const config = await discover(TEST_CLIENT_ID);
    const authUrl = oidc.buildAuthorizationUrl(config, {
      redirect_uri: TEST_REDIRECT_URI,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    await expect(followAuthorization(authUrl, 'mallory')).rejects.toThrow(/does not offer user mallory/);
  });

  it('PKCE is required', async () => {
    const config = await discover(TEST_CLIENT_ID);
    const authUrl = oidc.buildAuthorizationUrl(config, { redirect_uri: TEST_REDIRECT_URI, scope: 'openid' });
    const res = await fetch(authUrl, { redirect: 'manual' });
    const location = new URL(res.headers.get('location') ?? '', dev.issuer);
    expect(location.href.startsWith(TEST_REDIRECT_URI)).toBe(true);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/PKCE/);
  });
});

describe('dev provider: client credentials', () => {
  it('a service account gets a JWT that maps to a service principal with its groups', async () => {
    const config = await discover(TEST_SERVICE_ID, oidc.ClientSecretBasic(TEST_SERVICE_SECRET));
    const tokens = await oidc.clientCredentialsGrant(config);
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({ iss: dev.issuer, sub: TEST_SERVICE_ID, client_id: TEST_SERVICE_ID, aud: TEST_AUDIENCE, groups: ['ci', 'deployers'] });
    const p = await verifier.verify(tokens.access_token);
    expect(p).toMatchObject({ subject: TEST_SERVICE_ID, kind: 'service', groups: ['ci', 'deployers'], issuerName: 'dev' });
  });

  it('a wrong secret is refused', async () => {
    const config = await discover(TEST_SERVICE_ID, oidc.ClientSecretBasic('not-the-secret'));
    await expect(oidc.clientCredentialsGrant(config)).rejects.toThrow();
  });
});

describe('dev provider: quiet', () => {
  it('printed nothing on the console during all of the above', () => {
    for (const spy of consoleSpies) expect(spy).not.toHaveBeenCalled();
  });
});
