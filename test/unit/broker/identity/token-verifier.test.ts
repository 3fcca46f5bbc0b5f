import { CompactSign, base64url, exportSPKI, SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssuerConfig } from '../../../../broker/config/types.js';
import type { DevProvider } from '../../../../broker/identity/dev-provider.js';
import { createTokenVerifier, MAX_TOKEN_LENGTH, type CachingTokenVerifier } from '../../../../broker/identity/token-verifier.js';
import { startTestDevProvider } from '../../../support/dev-idp.js';
import { ciClaimsFor, ciIssuerFor, expectRefused, nowS, unsigned } from './fixtures.js';
import { makeKey, sign, startJwksServer, type JwksServer } from './jwks-server.js';

let dev: DevProvider;
let ci: JwksServer;
let ciKey: Awaited<ReturnType<typeof makeKey>>;
let verifier: CachingTokenVerifier;

const ciIssuer = (overrides: Partial<IssuerConfig> = {}): IssuerConfig => ciIssuerFor(ci.issuer, overrides);
const ciClaims = (overrides: JWTPayload = {}): JWTPayload => ciClaimsFor(ci.issuer, overrides);

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
      const any = createTokenVerifier([ciIssuer()], { cache: false });
      await expect(any.verify(token)).resolves.toMatchObject({ subject: 'pipeline-42' });
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
