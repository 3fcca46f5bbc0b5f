/**
 * Verifying OIDC tokens (ID or JWT access tokens) from several trusted issuers at once.
 *
 * The issuer is chosen by the token's *unverified* `iss` claim, and only configured issuers are
 * ever contacted, so a token cannot make the broker fetch from an address of its choosing. The
 * signature is then checked with jose against that issuer's JWKS, with that issuer's audience,
 * algorithm allow-list and clock tolerance. Error messages never contain the token.
 */
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import type { IssuerConfig } from '../config/types.js';
import { AirlockError } from '../errors/airlock-error.js';
import { allowedAlgorithms, isForbiddenAlgorithm } from './algorithms.js';
import { toPrincipal } from './claims.js';
import { issuerKeyResolver, sameIssuer } from './issuer-keys.js';
import { sanitizedCause, toAirlockError } from './jwt-errors.js';
import type { Principal, TokenVerifier } from './types.js';
import { parseUrl } from './urls.js';
import { tokenKey, VerificationCache } from './verification-cache.js';

/** Longest token accepted, in characters; real ID/access tokens are a few KiB. */
export const MAX_TOKEN_LENGTH = 64 * 1024;

/** Three base64url segments; the signature may be empty only so that `alg: none` is reported as such. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export interface TokenVerifierOptions {
  /** Used for discovery and JWKS requests. */
  readonly fetch?: typeof fetch;
  /** Milliseconds since the epoch; drives token time checks and the cache. */
  readonly now?: () => number;
  /** Discovery and JWKS request timeout (default 5 s). */
  readonly timeoutMs?: number;
  /** Least time between JWKS refetches caused by unknown key ids (default 30 s). */
  readonly jwksCooldownMs?: number;
  /** Age after which a JWKS is fetched again (default 10 min). */
  readonly jwksMaxAgeMs?: number;
  /** The verification cache; `false` turns it off. */
  readonly cache?: false | {
    readonly maxEntries?: number;
    /** Entries leave this long before the token's exp (default 5 s). */
    readonly marginMs?: number;
    /** Longest any entry is used (default 5 min). */
    readonly maxAgeMs?: number;
  };
}

export interface VerifierStats {
  readonly cacheSize: number;
  readonly cacheHits: number;
  readonly cacheMisses: number;
}

export interface CachingTokenVerifier extends TokenVerifier {
  stats(): VerifierStats;
  /** Forget cached verifications (e.g. after a configuration change). */
  clearCache(): void;
}

interface TrustedIssuer {
  readonly config: IssuerConfig;
  readonly algorithms: readonly string[];
  readonly keys: JWTVerifyGetKey;
}

function malformed(detail: string | undefined, cause?: unknown): AirlockError {
  return new AirlockError('BRK_ERR_TOKEN_MALFORMED', detail, cause === undefined ? undefined : { cause: sanitizedCause(cause) });
}

/** A short, quoted, escaped rendering of an untrusted header or claim value for an error detail. */
function quoteUntrusted(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);
}

async function verifyWithEachKey(e: errors.JWKSMultipleMatchingKeys, token: string, options: JWTVerifyOptions): Promise<JWTPayload> {
  for await (const key of e) {
    try {
      return (await jwtVerify(token, key, options)).payload;
    } catch (inner) {
      if (inner instanceof errors.JWSSignatureVerificationFailed) continue;
      throw inner;
    }
  }
  throw new errors.JWSSignatureVerificationFailed();
}

function validateIssuers(issuers: readonly IssuerConfig[]): void {
  const seen: string[] = [];
  for (const i of issuers) {
    if (parseUrl(i.issuer) === undefined) throw new AirlockError('BRK_ERR_CONFIG_INVALID', `issuer "${i.name}": issuer must be a URL`);
    if (!Number.isFinite(i.clockToleranceSeconds) || i.clockToleranceSeconds < 0) {
      throw new AirlockError('BRK_ERR_CONFIG_INVALID', `issuer "${i.name}": clockToleranceSeconds must be a non-negative number`);
    }
    if (i.audience.length === 0) {
      throw new AirlockError('BRK_ERR_CONFIG_INVALID', `issuer "${i.name}": at least one audience is required`);
    }
    if (seen.some((s) => sameIssuer(s, i.issuer))) {
      throw new AirlockError('BRK_ERR_CONFIG_INVALID', `issuer "${i.name}": issuer ${i.issuer} is configured twice`);
    }
    seen.push(i.issuer);
  }
}

export function createTokenVerifier(
  issuers: readonly IssuerConfig[],
  opts: TokenVerifierOptions = {},
): CachingTokenVerifier {
  validateIssuers(issuers);
  const now = opts.now ?? Date.now;
  const keyOptions = {
    ...(opts.fetch !== undefined ? { fetch: opts.fetch } : {}),
    timeoutMs: opts.timeoutMs ?? 5_000,
    cooldownMs: opts.jwksCooldownMs ?? 30_000,
    cacheMaxAgeMs: opts.jwksMaxAgeMs ?? 600_000,
  };
  const trusted: TrustedIssuer[] = issuers.map((config) => ({
    config,
    algorithms: allowedAlgorithms(config.name, config.algorithms),
    keys: issuerKeyResolver(config, keyOptions),
  }));
  const cache =
    opts.cache === false
      ? undefined
      : new VerificationCache({
          maxEntries: opts.cache?.maxEntries ?? 10_000,
          marginMs: opts.cache?.marginMs ?? 5_000,
          maxAgeMs: opts.cache?.maxAgeMs ?? 300_000,
          now,
        });
  const inflight = new Map<string, Promise<Principal>>();

  const findIssuer = (iss: string): TrustedIssuer | undefined =>
    trusted.find((t) => t.config.issuer === iss) ?? trusted.find((t) => sameIssuer(t.config.issuer, iss));

  async function verifyUncached(token: string): Promise<Principal> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    let unverified: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      unverified = decodeJwt(token);
    } catch (e) {
      throw malformed(undefined, e);
    }
    const { alg } = header;
    if (typeof alg !== 'string' || alg === '') throw malformed('the header names no algorithm');
    if (isForbiddenAlgorithm(alg)) {
      throw new AirlockError('BRK_ERR_TOKEN_ALGORITHM', `${quoteUntrusted(alg)} is never accepted`);
    }
    const iss = unverified.iss;
    if (typeof iss !== 'string' || iss === '') throw new AirlockError('BRK_ERR_TOKEN_ISSUER', 'the token names no issuer');
    const issuer = findIssuer(iss);
    if (issuer === undefined) throw new AirlockError('BRK_ERR_TOKEN_ISSUER', `unknown issuer ${quoteUntrusted(iss)}`);
    const { config } = issuer;
    if (!issuer.algorithms.includes(alg)) {
      throw new AirlockError('BRK_ERR_TOKEN_ALGORITHM', `${quoteUntrusted(alg)} is not allowed for issuer "${config.name}"`);
    }

    const options: JWTVerifyOptions = {
      issuer: [config.issuer, iss],
      audience: [...config.audience],
      algorithms: [...issuer.algorithms],
      clockTolerance: config.clockToleranceSeconds,
      currentDate: new Date(now()),
      requiredClaims: ['sub', 'exp'],
    };
    let payload: JWTPayload;
    try {
      try {
        payload = (await jwtVerify(token, issuer.keys, options)).payload;
      } catch (e) {
        if (!(e instanceof errors.JWKSMultipleMatchingKeys)) throw e;
        payload = await verifyWithEachKey(e, token, options);
      }
    } catch (e) {
      throw toAirlockError(e, config.name);
    }
    return toPrincipal(config, payload);
  }

  return {
    async verify(raw: string): Promise<Principal> {
      const token = typeof raw === 'string' ? raw.trim() : '';
      if (token === '') throw new AirlockError('BRK_ERR_TOKEN_MISSING');
      if (token.length > MAX_TOKEN_LENGTH) throw malformed(`longer than ${MAX_TOKEN_LENGTH} characters`);
      if (!COMPACT_JWS.test(token)) {
        throw malformed(token.split('.').length === 5 ? 'encrypted tokens (JWE) are not accepted' : 'not a compact JWS');
      }
      const key = tokenKey(token);
      const cached = cache?.get(key);
      if (cached !== undefined) return cached;
      const pending = inflight.get(key);
      if (pending !== undefined) return pending;
      const verification = verifyUncached(token).then((principal) => {
        cache?.set(key, principal);
        return principal;
      });
      inflight.set(key, verification);
      try {
        return await verification;
      } finally {
        inflight.delete(key);
      }
    },
    stats: () => ({ cacheSize: cache?.size ?? 0, cacheHits: cache?.hits ?? 0, cacheMisses: cache?.misses ?? 0 }),
    clearCache: () => cache?.clear(),
  };
}
