/**
 * Coded sign-in errors. Only these cross the auth module's boundary: foreign errors (openid-client,
 * node:http) are wrapped with `cause`, so callers can switch on `code` and show `message`.
 */
export const AUTH_ERRORS = {
  AUTH_TIMEOUT: 'The sign-in did not complete in time.',
  AUTH_CANCELLED: 'The sign-in was cancelled.',
  AUTH_BROWSER_FAILED: 'The browser could not be opened for sign-in.',
  AUTH_LOOPBACK_FAILED: 'The local sign-in listener could not start.',
  AUTH_STATE_MISMATCH: 'The sign-in response does not belong to this sign-in attempt.',
  AUTH_DENIED: 'The identity provider refused the sign-in.',
  AUTH_DISCOVERY_FAILED: 'The identity provider could not be reached.',
  AUTH_INSECURE_ISSUER: 'The identity provider does not use https.',
  AUTH_EXCHANGE_FAILED: 'The sign-in could not be completed.',
  AUTH_NO_ID_TOKEN: 'The identity provider did not return an ID token.',
  AUTH_NO_REFRESH_TOKEN: 'The session cannot be renewed; sign in again.',
  AUTH_REFRESH_FAILED: 'The session could not be renewed.',
} as const;

export type AuthErrorCode = keyof typeof AUTH_ERRORS;

export class AuthError extends Error {
  override readonly name = 'AuthError';

  constructor(
    readonly code: AuthErrorCode,
    message: string = AUTH_ERRORS[code],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when `err` is an {@link AuthError}, optionally with the given code. */
export function isAuthError(err: unknown, code?: AuthErrorCode): err is AuthError {
  return err instanceof AuthError && (code === undefined || err.code === code);
}
