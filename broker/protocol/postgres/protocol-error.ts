/**
 * The one error type of the PostgreSQL wire codec. The codec never imports the broker's
 * error registry; the proxy maps a `ProtocolError` to its own errors using `code` and
 * `sqlState` (the SQLSTATE PostgreSQL itself would report for the same fault).
 */

/** Why a byte sequence was rejected. */
export type ProtocolErrorCode = 'too-large' | 'malformed' | 'encoding';

/**
 * SQLSTATE per error code: 54000 program_limit_exceeded, 08P01 protocol_violation,
 * 22021 character_not_in_repertoire (what PostgreSQL reports for invalid byte sequences).
 * See https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
export const PROTOCOL_SQLSTATE: Readonly<Record<ProtocolErrorCode, string>> = Object.freeze({
  'too-large': '54000',
  malformed: '08P01',
  encoding: '22021',
});

/**
 * A wire-protocol violation. Messages describe the fault (field, lengths) and never echo
 * message contents, so they are safe to log and to send back to the client.
 */
export class ProtocolError extends Error {
  /** Machine-readable cause. */
  readonly code: ProtocolErrorCode;
  /** SQLSTATE to put in the ErrorResponse sent to the client. */
  readonly sqlState: string;

  constructor(code: ProtocolErrorCode, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
    this.sqlState = PROTOCOL_SQLSTATE[code];
  }
}

/** Type guard for {@link ProtocolError}. */
export function isProtocolError(e: unknown): e is ProtocolError {
  return e instanceof ProtocolError;
}
