/**
 * Message identifiers of protocol 3.x.
 * Source: https://www.postgresql.org/docs/current/protocol-message-formats.html
 * (each typed message starts with one ASCII byte, shown in the comments).
 */

/** First byte of messages sent by a client (frontend). */
export const FrontendCode = {
  Query: 0x51 /* Q */,
  Parse: 0x50 /* P */,
  Bind: 0x42 /* B */,
  Describe: 0x44 /* D */,
  Execute: 0x45 /* E */,
  Sync: 0x53 /* S */,
  Flush: 0x48 /* H */,
  Close: 0x43 /* C */,
  Terminate: 0x58 /* X */,
  CopyData: 0x64 /* d */,
  CopyDone: 0x63 /* c */,
  CopyFail: 0x66 /* f */,
  /** Also SASLInitialResponse, SASLResponse and GSSResponse: the meaning depends on the auth exchange. */
  Password: 0x70 /* p */,
  FunctionCall: 0x46 /* F */,
} as const;

/** A frontend message code value. */
export type FrontendCodeValue = (typeof FrontendCode)[keyof typeof FrontendCode];

/** First byte of messages sent by a server (backend). */
export const BackendCode = {
  Authentication: 0x52 /* R */,
  BackendKeyData: 0x4b /* K */,
  BindComplete: 0x32 /* 2 */,
  CloseComplete: 0x33 /* 3 */,
  CommandComplete: 0x43 /* C */,
  CopyData: 0x64 /* d */,
  CopyDone: 0x63 /* c */,
  CopyInResponse: 0x47 /* G */,
  CopyOutResponse: 0x48 /* H */,
  CopyBothResponse: 0x57 /* W */,
  DataRow: 0x44 /* D */,
  EmptyQueryResponse: 0x49 /* I */,
  ErrorResponse: 0x45 /* E */,
  FunctionCallResponse: 0x56 /* V */,
  NegotiateProtocolVersion: 0x76 /* v */,
  NoData: 0x6e /* n */,
  NoticeResponse: 0x4e /* N */,
  NotificationResponse: 0x41 /* A */,
  ParameterDescription: 0x74 /* t */,
  ParameterStatus: 0x53 /* S */,
  ParseComplete: 0x31 /* 1 */,
  PortalSuspended: 0x73 /* s */,
  ReadyForQuery: 0x5a /* Z */,
  RowDescription: 0x54 /* T */,
} as const;

/** A backend message code value. */
export type BackendCodeValue = (typeof BackendCode)[keyof typeof BackendCode];

/**
 * The Int32 after the length of an untyped first message (StartupMessage, SSLRequest,
 * GSSENCRequest, CancelRequest). Protocol3 is 3 << 16 | 0; the others are 1234 << 16 | 5679,
 * 5680 and 5678.
 */
export const StartupCode = {
  Protocol3: 196608,
  SSLRequest: 80877103,
  GSSENCRequest: 80877104,
  CancelRequest: 80877102,
} as const;

/** Sub-codes of AuthenticationXXX ('R') messages: the Int32 right after the length. */
export const AuthCode = {
  Ok: 0,
  KerberosV5: 2,
  CleartextPassword: 3,
  MD5Password: 5,
  GSS: 7,
  GSSContinue: 8,
  SSPI: 9,
  SASL: 10,
  SASLContinue: 11,
  SASLFinal: 12,
} as const;

/** Size of a typed frame header: 1 code byte + Int32 length. */
export const FRAME_HEADER_BYTES = 5;

/** PostgreSQL's limit on an untyped first message (MAX_STARTUP_PACKET_LENGTH). */
export const MAX_STARTUP_PACKET_BYTES = 10_000;

/** Renders a code byte for diagnostics: its ASCII letter when printable, else hex. */
export function codeLabel(code: number): string {
  return code >= 0x21 && code <= 0x7e ? `'${String.fromCharCode(code)}'` : `0x${code.toString(16).padStart(2, '0')}`;
}
