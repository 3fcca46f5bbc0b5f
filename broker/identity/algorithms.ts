/**
 * Which JWS algorithms a token may be signed with. Only asymmetric algorithms are ever
 * accepted: `none` proves nothing, and an HMAC algorithm (HS*) verified against an issuer's
 * *public* key would let anyone holding that public key mint tokens (key confusion), so both
 * are refused even when an operator lists them.
 */
import { AirlockError } from '../errors/airlock-error.js';

export const DEFAULT_ALGORITHMS: readonly string[] = Object.freeze(['RS256', 'ES256', 'PS256', 'EdDSA']);

/** Every asymmetric JWS algorithm jose can verify. */
const ASYMMETRIC = new Set([
  'RS256', 'RS384', 'RS512',
  'PS256', 'PS384', 'PS512',
  'ES256', 'ES384', 'ES512',
  'EdDSA', 'Ed25519',
]);

/** True for `none` and HMAC algorithms: never acceptable, whatever the configuration says. */
export function isForbiddenAlgorithm(alg: string): boolean {
  return alg.toLowerCase() === 'none' || /^hs\d*$/i.test(alg);
}

/**
 * The algorithms actually allowed for an issuer: the configured list (or the default when it
 * is empty) minus anything that is not an asymmetric signature algorithm.
 * Throws BRK_ERR_CONFIG_INVALID when nothing usable remains.
 */
export function allowedAlgorithms(issuerName: string, configured: readonly string[]): readonly string[] {
  const wanted = configured.length > 0 ? configured : DEFAULT_ALGORITHMS;
  const allowed = [...new Set(wanted.filter((alg) => ASYMMETRIC.has(alg) && !isForbiddenAlgorithm(alg)))];
  if (allowed.length === 0) {
    throw new AirlockError(
      'BRK_ERR_CONFIG_INVALID',
      `issuer "${issuerName}" allows no usable signature algorithm (only asymmetric ones are accepted: ${[...ASYMMETRIC].join(', ')})`,
    );
  }
  return Object.freeze(allowed);
}
