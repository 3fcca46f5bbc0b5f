/**
 * Mapping a verified JWT payload to a `Principal` with an issuer's claim mapping.
 */
import type { JWTPayload } from 'jose';
import type { IssuerConfig } from '../config/types.js';
import { AirlockError } from '../errors/airlock-error.js';
import type { Principal } from './types.js';

const MAX_GROUPS = 1000;
const MAX_GROUP_LENGTH = 512;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The value of a claim named by `path`. A claim whose full name is `path` wins (namespaced claim
 * names such as `https://example.com/groups` contain dots); otherwise the path is walked
 * through nested objects (`realm_access.roles`).
 */
export function claimAt(payload: Readonly<Record<string, unknown>>, path: string): unknown {
  if (path === '') return undefined;
  if (Object.hasOwn(payload, path)) return payload[path];
  let current: unknown = payload;
  for (const part of path.split('.')) {
    if (!isRecord(current) || !Object.hasOwn(current, part)) return undefined;
    current = current[part];
  }
  return current;
}

/** Groups from a claim value: an array of strings, or one string separated by spaces or commas. */
export function parseGroups(value: unknown): string[] {
  let raw: unknown[];
  if (Array.isArray(value)) raw = value;
  else if (typeof value === 'string') raw = value.split(/[\s,]+/);
  else return [];
  const groups = new Set<string>();
  for (const g of raw) {
    if (typeof g !== 'string') continue;
    const t = g.trim();
    if (t === '' || t.length > MAX_GROUP_LENGTH) continue;
    groups.add(t);
    if (groups.size >= MAX_GROUPS) break;
  }
  return [...groups];
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * A token issued to a workload for itself: an OAuth client-credentials access token carries the
 * client's id both as `sub` and `client_id` (RFC 9068 §2.2; the dev provider does this too).
 */
export function isClientCredentialsToken(payload: JWTPayload): boolean {
  const clientId = payload['client_id'];
  return typeof clientId === 'string' && clientId !== '' && clientId === payload.sub;
}

export function toPrincipal(issuer: IssuerConfig, payload: JWTPayload): Principal {
  const { sub, exp, iss } = payload;
  if (typeof sub !== 'string' || sub === '') {
    throw new AirlockError('BRK_ERR_TOKEN_CLAIMS', '"sub" must be a non-empty string');
  }
  if (typeof exp !== 'number' || !Number.isFinite(exp)) {
    throw new AirlockError('BRK_ERR_TOKEN_CLAIMS', '"exp" is required');
  }
  const email = optionalString(claimAt(payload, issuer.claims.email));
  const name = optionalString(claimAt(payload, issuer.claims.name));
  const kind = issuer.principalKind === 'service' || isClientCredentialsToken(payload) ? 'service' : 'human';
  const principal: Principal = {
    subject: sub,
    issuer: typeof iss === 'string' ? iss : issuer.issuer,
    issuerName: issuer.name,
    ...(email !== undefined ? { email } : {}),
    ...(name !== undefined ? { name } : {}),
    groups: Object.freeze(parseGroups(claimAt(payload, issuer.claims.groups))),
    kind,
    expiresAt: exp,
  };
  return Object.freeze(principal);
}
