/**
 * The development provider's signing key: one RS256 key pair per start. The private JWK is
 * handed to oidc-provider (which publishes the public half at its JWKS endpoint) and the same
 * key signs tokens minted directly, so all dev tokens verify against the discovery JWKS.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';

export const DEV_SIGNING_ALG = 'RS256';

export interface DevSigningKey {
  readonly kid: string;
  readonly alg: typeof DEV_SIGNING_ALG;
  /** Private key, for `mintToken`. */
  readonly privateKey: CryptoKey;
  /** Private JWK with kid/alg/use, for oidc-provider's `jwks`. */
  readonly privateJwk: JWK;
}

export async function generateSigningKey(): Promise<DevSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(DEV_SIGNING_ALG, { extractable: true });
  const kid = await calculateJwkThumbprint(await exportJWK(publicKey));
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: DEV_SIGNING_ALG, use: 'sig' };
  return { kid, alg: DEV_SIGNING_ALG, privateKey, privateJwk };
}
