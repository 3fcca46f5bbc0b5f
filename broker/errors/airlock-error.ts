/**
 * Coded errors: every deliberate failure in the broker is an `AirlockError` whose code is
 * listed in `registry.ts`. Foreign errors are wrapped with `cause`, never passed through.
 */
import { ERRORS, type ErrorCode } from './registry.js';

export class AirlockError extends Error {
  readonly code: ErrorCode;
  /** HTTP status for the API, when the error crosses that boundary. */
  readonly statusCode: number;
  /** PostgreSQL SQLSTATE for the wire, when the error crosses that boundary. */
  readonly sqlState: string;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, detail?: string, options?: { cause?: unknown; hint?: string }) {
    const def = ERRORS[code];
    super(detail ? `${def.message}: ${detail}` : def.message, options?.cause ? { cause: options.cause } : undefined);
    this.name = 'AirlockError';
    this.code = code;
    this.statusCode = def.status;
    this.sqlState = def.sqlState;
    this.hint = options?.hint ?? def.hint;
  }
}

export function isAirlockError(e: unknown): e is AirlockError {
  return e instanceof AirlockError;
}

/** A message safe to show: the error's own message for ours, a generic one for anything else. */
export function publicMessage(e: unknown): string {
  return isAirlockError(e) ? e.message : 'internal error';
}
