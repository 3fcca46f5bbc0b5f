/**
 * Tokens minted directly by the development provider (`airlock token --dev --user NAME`),
 * signed with the provider's own key so they verify against its discovery JWKS exactly like
 * tokens obtained through the OAuth flows.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { DevProviderConfig } from '../config/types.js';
import { AirlockError } from '../errors/airlock-error.js';
import type { DevSigningKey } from './dev-keys.js';

export interface MintOptions {
  /** Replaces the configured user's groups; required for a user that is not configured. */
  readonly groups?: readonly string[];
  /** Defaults to the provider's `tokenTtlSeconds`. */
  readonly ttlSeconds?: number;
}

export interface MintContext {
  readonly issuer: string;
  readonly cfg: DevProviderConfig;
  readonly key: DevSigningKey;
  readonly now?: () => number;
}

const MAX_TTL_SECONDS = 7 * 24 * 3600;

export async function mintDevToken(ctx: MintContext, user: string, opts: MintOptions = {}): Promise<string> {
  if (typeof user !== 'string' || user.trim() === '') {
    throw new AirlockError('BRK_ERR_BAD_REQUEST', 'a user name is required');
  }
  const known = ctx.cfg.users.find((u) => u.name === user);
  if (known === undefined && opts.groups === undefined) {
    throw new AirlockError('BRK_ERR_BAD_REQUEST', `"${user}" is not a configured dev user; name its groups explicitly`);
  }
  const ttl = opts.ttlSeconds ?? ctx.cfg.tokenTtlSeconds;
  if (!Number.isSafeInteger(ttl) || ttl <= 0 || ttl > MAX_TTL_SECONDS) {
    throw new AirlockError('BRK_ERR_BAD_REQUEST', `token lifetime must be 1..${MAX_TTL_SECONDS} seconds`);
  }
  const groups = [...(opts.groups ?? known?.groups ?? [])];
  const iat = Math.floor((ctx.now ?? Date.now)() / 1000);
  const claims: Record<string, unknown> = { groups, name: known?.name ?? user };
  if (known !== undefined) claims['email'] = known.email;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: ctx.key.alg, kid: ctx.key.kid, typ: 'at+jwt' })
    .setIssuer(ctx.issuer)
    .setSubject(user)
    .setAudience(ctx.cfg.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttl)
    .setJti(randomUUID())
    .sign(ctx.key.privateKey);
}
