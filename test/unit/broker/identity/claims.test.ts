import { describe, expect, it } from 'vitest';
import type { IssuerConfig } from '../../../../broker/config/types.js';
import { allowedAlgorithms, isForbiddenAlgorithm } from '../../../../broker/identity/algorithms.js';
import { claimAt, parseGroups, toPrincipal } from '../../../../broker/identity/claims.js';

const issuer: IssuerConfig = {
  name: 'corp',
  issuer: 'https://idp.example.test',
  audience: ['airlock'],
  algorithms: [],
  claims: { groups: 'groups', email: 'email', name: 'name' },
  principalKind: 'human',
  clockToleranceSeconds: 0,
};

describe('claimAt', () => {
  it('walks dotted paths, preferring a literal claim name', () => {
    const payload = { realm_access: { roles: ['a'] }, 'https://x.test/groups': ['b'], https: { 'x.test/groups': 'no' } };
    expect(claimAt(payload, 'realm_access.roles')).toEqual(['a']);
    expect(claimAt(payload, 'https://x.test/groups')).toEqual(['b']);
    expect(claimAt(payload, 'realm_access.missing')).toBeUndefined();
    expect(claimAt(payload, 'realm_access.roles.0')).toBeUndefined();
    expect(claimAt(payload, '__proto__.polluted')).toBeUndefined();
    expect(claimAt(payload, '')).toBeUndefined();
  });
});

describe('parseGroups', () => {
  it('accepts arrays and space/comma separated strings, dropping junk and duplicates', () => {
    expect(parseGroups(['a', 'b', 'a', 3, null, ' c '])).toEqual(['a', 'b', 'c']);
    expect(parseGroups('a b,c , d')).toEqual(['a', 'b', 'c', 'd']);
    expect(parseGroups(undefined)).toEqual([]);
    expect(parseGroups({ a: 1 })).toEqual([]);
    expect(parseGroups(['x'.repeat(600)])).toEqual([]);
  });
});

describe('toPrincipal', () => {
  it('maps the claims and decides the kind', () => {
    const p = toPrincipal(issuer, { iss: issuer.issuer, sub: 'u1', exp: 2_000_000_000, email: 'u1@x.test', groups: 'dba' });
    expect(p).toEqual({ subject: 'u1', issuer: issuer.issuer, issuerName: 'corp', email: 'u1@x.test', groups: ['dba'], kind: 'human', expiresAt: 2_000_000_000 });
    expect(toPrincipal(issuer, { sub: 'svc', client_id: 'svc', exp: 1 }).kind).toBe('service');
    expect(toPrincipal({ ...issuer, principalKind: 'service' }, { sub: 'u', exp: 1 }).kind).toBe('service');
    expect(() => toPrincipal(issuer, { exp: 1 })).toThrow(expect.objectContaining({ code: 'BRK_ERR_TOKEN_CLAIMS' }));
    expect(() => toPrincipal(issuer, { sub: 'x' })).toThrow(expect.objectContaining({ code: 'BRK_ERR_TOKEN_CLAIMS' }));
  });
});

describe('algorithms', () => {
  it('never allows none or HMAC, and defaults to the asymmetric four', () => {
    for (const alg of ['none', 'NONE', 'HS256', 'hs384', 'HS512']) expect(isForbiddenAlgorithm(alg)).toBe(true);
    expect(isForbiddenAlgorithm('RS256')).toBe(false);
    expect(allowedAlgorithms('x', [])).toEqual(['RS256', 'ES256', 'PS256', 'EdDSA']);
    expect(allowedAlgorithms('x', ['HS256', 'ES384', 'none', 'RS256', 'RS256'])).toEqual(['ES384', 'RS256']);
    expect(() => allowedAlgorithms('x', ['HS256', 'A256GCM'])).toThrow(expect.objectContaining({ code: 'BRK_ERR_CONFIG_INVALID' }));
  });
});
