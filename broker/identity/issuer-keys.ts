/**
 * An issuer's signing keys: the JWKS named by OIDC discovery (or configured), fetched lazily
 * and kept by jose's remote key set, which refetches on an unknown `kid` (with a cooldown) and
 * when its copy grows old.
 */
import { createRemoteJWKSet, customFetch, errors, type JWTVerifyGetKey } from 'jose';
import type { IssuerConfig } from '../config/types.js';
import { AirlockError } from '../errors/airlock-error.js';
import { parseUrl } from './urls.js';

export interface IssuerKeyOptions {
  readonly fetch?: typeof fetch;
  /** Discovery and JWKS request timeout. */
  readonly timeoutMs: number;
  /** Least time between two JWKS fetches triggered by unknown key ids. */
  readonly cooldownMs: number;
  /** How long a fetched JWKS is used before it is fetched again. */
  readonly cacheMaxAgeMs: number;
}

const MAX_DISCOVERY_BYTES = 512 * 1024;

function withoutTrailingSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}

/** Issuer identifiers are compared exactly, except for one trailing slash. */
export function sameIssuer(a: string, b: string): boolean {
  return withoutTrailingSlash(a) === withoutTrailingSlash(b);
}

export function discoveryUrl(issuer: string): string {
  return `${withoutTrailingSlash(issuer)}/.well-known/openid-configuration`;
}

function parseHttpUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string') return undefined;
  const url = parseUrl(value);
  return url !== undefined && (url.protocol === 'https:' || url.protocol === 'http:') ? url : undefined;
}

async function discoverJwksUri(issuer: IssuerConfig, opts: IssuerKeyOptions): Promise<URL> {
  const doFetch = opts.fetch ?? fetch;
  const where = discoveryUrl(issuer.issuer);
  let metadata: unknown;
  try {
    const res = await doFetch(where, {
      headers: { accept: 'application/json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    if (res.status !== 200) {
      throw new Error(`discovery answered HTTP ${res.status}`);
    }
    const text = await res.text();
    if (text.length > MAX_DISCOVERY_BYTES) throw new Error('discovery document is too large');
    metadata = JSON.parse(text);
  } catch (cause) {
    throw new AirlockError('BRK_ERR_ISSUER_UNREACHABLE', `issuer "${issuer.name}": discovery at ${where} failed`, { cause });
  }
  const doc = typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>) : {};
  if (typeof doc['issuer'] !== 'string' || !sameIssuer(doc['issuer'], issuer.issuer)) {
    throw new AirlockError('BRK_ERR_ISSUER_UNREACHABLE', `issuer "${issuer.name}": discovery document names a different issuer`);
  }
  const jwksUri = parseHttpUrl(doc['jwks_uri']);
  if (jwksUri === undefined) {
    throw new AirlockError('BRK_ERR_ISSUER_UNREACHABLE', `issuer "${issuer.name}": discovery document has no usable jwks_uri`);
  }
  return jwksUri;
}

/**
 * A jose key resolver for one issuer. Discovery happens on first use and is retried on the
 * next use after a failure. Key-set fetch failures become BRK_ERR_ISSUER_UNREACHABLE; key
 * selection errors (no / several matching keys) pass through for the caller to map.
 */
export function issuerKeyResolver(issuer: IssuerConfig, opts: IssuerKeyOptions): JWTVerifyGetKey {
  let keySet: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;

  const load = (): Promise<ReturnType<typeof createRemoteJWKSet>> => {
    if (keySet === undefined) {
      const pending = (async () => {
        let uri: URL | undefined;
        if (issuer.jwksUri !== undefined) {
          uri = parseHttpUrl(issuer.jwksUri);
          if (uri === undefined) {
            throw new AirlockError('BRK_ERR_CONFIG_INVALID', `issuer "${issuer.name}": jwksUri must be an http(s) URL`);
          }
        } else {
          uri = await discoverJwksUri(issuer, opts);
        }
        return createRemoteJWKSet(uri, {
          timeoutDuration: opts.timeoutMs,
          cooldownDuration: opts.cooldownMs,
          cacheMaxAge: opts.cacheMaxAgeMs,
          ...(opts.fetch !== undefined ? { [customFetch]: opts.fetch } : {}),
        });
      })();
      keySet = pending;
      pending.catch(() => {
        if (keySet === pending) keySet = undefined;
      });
    }
    return keySet;
  };

  return async (header, token) => {
    const jwks = await load();
    try {
      return await jwks(header, token);
    } catch (e) {
      if (
        e instanceof errors.JWKSNoMatchingKey ||
        e instanceof errors.JWKSMultipleMatchingKeys ||
        e instanceof errors.JOSENotSupported ||
        e instanceof AirlockError
      ) {
        throw e;
      }
      throw new AirlockError('BRK_ERR_ISSUER_UNREACHABLE', `issuer "${issuer.name}": the key set could not be fetched`, { cause: e });
    }
  };
}
