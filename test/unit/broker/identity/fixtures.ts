/**
 * Shared fixtures for the token verifier tests: a "CI" issuer configuration and claims, raw
 * token assembly, and a refusal assertion that also checks the token never leaks into errors.
 */
import { inspect } from 'node:util';
import { base64url, type JWTPayload } from 'jose';
import { expect } from 'vitest';
import type { IssuerConfig } from '../../../../broker/config/types.js';
import { AirlockError } from '../../../../broker/errors/airlock-error.js';
import type { ErrorCode } from '../../../../broker/errors/registry.js';
import type { TokenVerifier } from '../../../../broker/identity/types.js';

export const nowS = (): number => Math.floor(Date.now() / 1000);

export function ciIssuerFor(issuer: string, overrides: Partial<IssuerConfig> = {}): IssuerConfig {
  return {
    name: 'ci',
    issuer,
    audience: ['airlock-ci', 'airlock-other'],
    algorithms: [],
    claims: { groups: 'groups', email: 'email', name: 'name' },
    principalKind: 'service',
    clockToleranceSeconds: 0,
    ...overrides,
  };
}

export function ciClaimsFor(issuer: string, overrides: JWTPayload = {}): JWTPayload {
  return { iss: issuer, sub: 'pipeline-42', aud: 'airlock-ci', iat: nowS(), exp: nowS() + 300, groups: ['deployers'], ...overrides };
}

/** A compact JWS with the given header and payload and a chosen (not computed) signature. */
export function unsigned(header: Record<string, unknown>, payload: unknown, signature = ''): string {
  const enc = (v: unknown): string => base64url.encode(JSON.stringify(v));
  return `${enc(header)}.${enc(payload)}.${signature}`;
}

/** Asserts a refusal with `code` whose message, hint, cause and renderings never contain the token. */
export async function expectRefused(v: TokenVerifier, token: string, code: ErrorCode): Promise<AirlockError> {
  const err = await v.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `token should be refused with ${code}`).toBeInstanceOf(AirlockError);
  const e = err as AirlockError;
  expect(e.code).toBe(code);
  const t = typeof token === 'string' ? token : '';
  const secretish = t.length > 40 ? [t, t.slice(-40), t.slice(0, 200)] : t.trim() === '' ? [] : [t];
  const cause = e.cause instanceof Error ? e.cause.message : '';
  const renderings = [e.message, e.hint ?? '', String(e), JSON.stringify(e), inspect(e, { depth: 5 }), cause];
  for (const r of renderings) for (const s of secretish) expect(r.includes(s)).toBe(false);
  return e;
}
