/**
 * Sans-I/O codec for the PostgreSQL frontend/backend protocol 3.x: framing, the untyped
 * first message, parsers of client messages and of the backend messages the proxy inspects,
 * and serializers for what the broker sends either way. Nothing here touches sockets.
 * Spec: https://www.postgresql.org/docs/current/protocol.html
 */
export { ProtocolError, isProtocolError, PROTOCOL_SQLSTATE, type ProtocolErrorCode } from './protocol-error.js';
export {
  FrontendCode,
  BackendCode,
  StartupCode,
  AuthCode,
  FRAME_HEADER_BYTES,
  MAX_STARTUP_PACKET_BYTES,
  codeLabel,
  type FrontendCodeValue,
  type BackendCodeValue,
} from './codes.js';
export { FrameReader, type FrameSink, type FrameReaderOptions } from './frame-reader.js';
export { StartupReader, parseStartupPacket, type StartupPacket, type StartupResult } from './startup.js';
export { decodeText, type TextDecoding } from './text-decoding.js';
export { isSafeClientEncoding, decodingFor, canonicalSafeEncoding, normalizeEncodingName } from './client-encoding.js';
export {
  parseQuery,
  parseParse,
  parseBind,
  readBindTarget,
  parseDescribe,
  parseClose,
  parseExecute,
  parsePassword,
  parseSaslInitialResponse,
  parseSaslResponse,
  parseCopyFail,
  parseCopyData,
  parseEmpty,
  type ParseMessage,
  type BindMessage,
  type TargetMessage,
  type ExecuteMessage,
  type SaslInitialResponseMessage,
} from './frontend-messages.js';
export {
  errorResponse,
  noticeResponse,
  authenticationOk,
  authenticationCleartextPassword,
  parameterStatus,
  backendKeyData,
  readyForQuery,
  commandComplete,
  emptyQueryResponse,
  parseComplete,
  bindComplete,
  closeComplete,
  noData,
  negotiateProtocolVersion,
  sslResponse,
  gssEncResponse,
  type NoticeFields,
  type Severity,
  type TransactionStatus,
} from './backend-messages.js';
export {
  readReadyForQueryStatus,
  readCommandCompleteTag,
  rowsFromCommandTag,
  readParameterStatus,
  readBackendKeyData,
  readErrorFields,
  readDataRowText,
  readAuthentication,
  type AuthenticationRequest,
} from './backend-fields.js';
export { readRowDescription, writeRowDescription, type FieldDescription } from './row-description.js';
export {
  startupMessage,
  sslRequest,
  cancelRequest,
  passwordMessage,
  saslInitialResponse,
  saslResponse,
  query,
  parse,
  sync,
  terminate,
} from './frontend-writer.js';

/** Namespaced access, e.g. `backendMessages.errorResponse(...)`, `frontendWriter.query(...)`. */
export * as backendMessages from './backend-messages.js';
export * as frontendWriter from './frontend-writer.js';
export * as frontendMessages from './frontend-messages.js';
export * as backendFields from './backend-fields.js';
