/**
 * The one registry of deliberate errors. SQLSTATEs are PostgreSQL's own
 * (@see https://www.postgresql.org/docs/current/errcodes-appendix.html); HTTP statuses follow RFC 9110.
 * A unit test checks that codes and messages are unique.
 */
export interface ErrorDef {
  readonly message: string;
  readonly status: number;
  readonly sqlState: string;
  readonly hint?: string;
}

const def = (message: string, status: number, sqlState: string, hint?: string): ErrorDef =>
  hint === undefined ? { message, status, sqlState } : { message, status, sqlState, hint };

export const ERRORS = {
  // configuration
  BRK_ERR_CONFIG_INVALID: def('invalid configuration', 500, 'F0000'),
  BRK_ERR_CONFIG_SECRET_MISSING: def('a secret named in the configuration is not available', 500, 'F0000'),
  BRK_ERR_CONFIG_READ: def('cannot read the configuration file', 500, 'F0000'),
  // identity (28000 invalid_authorization_specification, 28P01 invalid_password)
  BRK_ERR_TOKEN_MISSING: def('no token was presented', 401, '28000', 'Sign in with the Airlock extension or `airlock token`, and send the token as the password.'),
  BRK_ERR_TOKEN_MALFORMED: def('the token is not a well-formed JWT', 401, '28P01', 'Send an OIDC ID or access token (a JWT) as the password.'),
  BRK_ERR_TOKEN_INVALID: def('the token was refused', 401, '28P01', 'Get a fresh token from a trusted identity provider.'),
  BRK_ERR_TOKEN_EXPIRED: def('the token has expired', 401, '28P01', 'Get a fresh token (`airlock token`, or sign in again).'),
  BRK_ERR_TOKEN_NOT_YET_VALID: def('the token is not valid yet', 401, '28P01', 'Check the clock of the machine that issued the token.'),
  BRK_ERR_TOKEN_ISSUER: def('the token comes from an issuer this broker does not trust', 401, '28P01'),
  BRK_ERR_TOKEN_AUDIENCE: def('the token is not meant for this broker (audience)', 401, '28P01'),
  BRK_ERR_TOKEN_ALGORITHM: def('the token is signed with an algorithm that is not allowed', 401, '28P01'),
  BRK_ERR_TOKEN_SIGNATURE: def('the token signature does not verify', 401, '28P01'),
  BRK_ERR_TOKEN_KEY_UNKNOWN: def('the token is signed with an unknown key', 401, '28P01'),
  BRK_ERR_TOKEN_CLAIMS: def('the token lacks a required claim', 401, '28P01'),
  BRK_ERR_ISSUER_UNREACHABLE: def('the identity provider could not be reached', 503, '08006', 'Try again shortly; if it persists, ask the broker operator to check the issuer configuration.'),
  BRK_ERR_DEV_PROVIDER_OFF: def('the development identity provider is not enabled on this broker', 400, '28000', 'Use your organisation\'s identity provider; `--dev` works only with the demo configuration.'),
  // access
  BRK_ERR_CONNECTION_UNKNOWN: def('no such connection', 404, '3D000', 'Use the connection name as the database name; `GET /v1/connections` lists the ones you may open.'),
  BRK_ERR_CONNECTION_FORBIDDEN: def('you may not open this connection', 403, '42501', 'Ask for access to one of the groups allowed on this connection.'),
  BRK_ERR_CLEARTEXT_REFUSED: def('refusing to receive a token in cleartext over an unencrypted connection', 403, '28000', 'Connect with sslmode=require, or through `airlock connect`.'),
  BRK_ERR_REPLICATION_REFUSED: def('replication connections are not allowed through Airlock', 403, '42501'),
  BRK_ERR_STARTUP_OPTION: def('startup option refused', 403, '42501', 'Remove `options`/role settings from the connection string; the broker sets the role from your identity.'),
  BRK_ERR_ENCODING_REFUSED: def('client encoding refused', 403, '22023', 'Use client_encoding UTF8.'),
  BRK_ERR_UNAUTHENTICATED: def('authentication required', 401, '28000'),
  BRK_ERR_FORBIDDEN: def('forbidden', 403, '42501'),
  BRK_ERR_NOT_FOUND: def('not found', 404, '42704'),
  // protocol (08P01 protocol_violation, 54000 program_limit_exceeded)
  BRK_ERR_PROTOCOL: def('protocol violation', 400, '08P01'),
  BRK_ERR_MESSAGE_TOO_LARGE: def('message exceeds the broker\'s maximum message size', 400, '54000', 'Send smaller statements or batches, or raise listen.postgres.maxMessageBytes.'),
  BRK_ERR_PROTOCOL_VERSION: def('unsupported frontend protocol version', 400, '08P01', 'Use protocol 3.0 (every current client does).'),
  BRK_ERR_FUNCTION_CALL: def('the fastpath function call protocol is not allowed', 403, '42501', 'Call the function from a SQL statement instead.'),
  // policy
  BRK_ERR_STATEMENT_BLOCKED: def('statement blocked', 403, '42501'),
  BRK_ERR_STATEMENT_UNPARSABLE: def('statement refused: it could not be analysed', 403, '42501', 'Check the SQL syntax; Airlock refuses what it cannot analyse.'),
  BRK_ERR_APPROVAL_CLOSED: def('the request is no longer pending', 409, '55000'),
  BRK_ERR_APPROVAL_REFUSED: def('you may not decide on this request', 403, '42501'),
  BRK_ERR_APPROVAL_DENIED: def('statement denied by a reviewer', 403, '42501'),
  BRK_ERR_APPROVAL_EXPIRED: def('statement not approved in time', 403, '42501', 'Ask a reviewer to look at the approval page sooner, or send the statement again to make a new request.'),
  BRK_ERR_ACCESS_INVALID: def('access request refused', 400, '22023'),
  BRK_ERR_APPROVAL_UNAVAILABLE: def('statement needs approval, which this broker cannot grant yet', 403, '42501', 'Ask a reviewer to run it, or change the statement so no approval rule matches.'),
  // upstream
  BRK_ERR_UPSTREAM_UNREACHABLE: def('the database could not be reached', 503, '08006', 'Try again shortly; if it persists, tell the broker operator.'),
  BRK_ERR_UPSTREAM_AUTH: def('the broker could not sign in to the database', 503, '08006', 'Tell the broker operator: the connection\'s upstream credentials were refused.'),
  BRK_ERR_UPSTREAM_TLS: def('TLS to the database failed', 503, '08006'),
  // recording
  BRK_ERR_RECORDING_FAILED: def('the statement could not be recorded, so it was not run', 503, '58030', 'Tell the broker operator: the audit store is not writable.'),
  BRK_ERR_STORE_UNAVAILABLE: def('the shared store cannot be used', 503, '58000', 'Check `store.url` and that the store\'s PostgreSQL is reachable.'),
  BRK_ERR_STORE_NAME_IN_USE: def('another running broker uses this broker name in the shared store', 500, 'F0000', 'Give each broker replica its own `store.brokerName`.'),
  // generic
  BRK_ERR_BAD_REQUEST: def('bad request', 400, '08P01'),
  BRK_ERR_INTERNAL: def('internal error', 500, 'XX000'),
} as const satisfies Record<string, ErrorDef>;

export type ErrorCode = keyof typeof ERRORS;
