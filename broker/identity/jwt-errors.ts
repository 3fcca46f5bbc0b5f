/**
 * Translating jose's errors into Airlock's codes. The jose error is not attached as the cause
 * as is: claim-validation errors carry the token's whole payload, so the cause is a plain
 * `Error` with only jose's name, code and message (none of which contain the token).
 */
import { errors } from 'jose';
import { AirlockError } from '../errors/airlock-error.js';
import type { ErrorCode } from '../errors/registry.js';

export function sanitizedCause(e: unknown): Error {
  if (e instanceof Error) {
    const cause = new Error(`${e.name}: ${e.message}`);
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') Object.defineProperty(cause, 'code', { value: code, enumerable: true });
    return cause;
  }
  return new Error('non-error thrown during token verification');
}

function codeFor(e: unknown): { code: ErrorCode; detail?: string } {
  if (e instanceof errors.JWTExpired) return { code: 'BRK_ERR_TOKEN_EXPIRED' };
  if (e instanceof errors.JWTClaimValidationFailed) {
    switch (e.claim) {
      case 'nbf':
        return e.reason === 'check_failed' ? { code: 'BRK_ERR_TOKEN_NOT_YET_VALID' } : { code: 'BRK_ERR_TOKEN_CLAIMS', detail: '"nbf" must be a number' };
      case 'aud':
        return { code: 'BRK_ERR_TOKEN_AUDIENCE' };
      case 'iss':
        return { code: 'BRK_ERR_TOKEN_ISSUER' };
      case 'sub':
      case 'exp':
        return { code: 'BRK_ERR_TOKEN_CLAIMS', detail: e.reason === 'missing' ? `"${e.claim}" is required` : `"${e.claim}" is invalid` };
      default:
        return { code: 'BRK_ERR_TOKEN_CLAIMS', detail: `"${e.claim}" is invalid` };
    }
  }
  if (e instanceof errors.JOSEAlgNotAllowed) return { code: 'BRK_ERR_TOKEN_ALGORITHM' };
  if (e instanceof errors.JWSSignatureVerificationFailed) return { code: 'BRK_ERR_TOKEN_SIGNATURE' };
  if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWKSMultipleMatchingKeys) {
    return { code: 'BRK_ERR_TOKEN_KEY_UNKNOWN' };
  }
  if (e instanceof errors.JWKSTimeout || e instanceof errors.JWKSInvalid) {
    return { code: 'BRK_ERR_ISSUER_UNREACHABLE', detail: 'the key set could not be fetched' };
  }
  if (e instanceof errors.JWSInvalid || e instanceof errors.JWTInvalid || e instanceof errors.JWEInvalid) {
    return { code: 'BRK_ERR_TOKEN_MALFORMED' };
  }
  if (e instanceof errors.JOSENotSupported) return { code: 'BRK_ERR_TOKEN_INVALID', detail: 'unsupported token feature' };
  return { code: 'BRK_ERR_TOKEN_INVALID' };
}

/** An `AirlockError` for anything thrown while verifying; our own errors pass through. */
export function toAirlockError(e: unknown, issuerName?: string): AirlockError {
  if (e instanceof AirlockError) return e;
  const { code, detail } = codeFor(e);
  const parts = [detail, issuerName !== undefined ? `issuer "${issuerName}"` : undefined].filter(Boolean);
  return new AirlockError(code, parts.length > 0 ? parts.join('; ') : undefined, { cause: sanitizedCause(e) });
}
