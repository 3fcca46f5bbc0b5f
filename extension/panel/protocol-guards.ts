/**
 * Runtime checks for the panel protocol (`./protocol.ts`). Whatever arrives through
 * `postMessage` is untrusted until one of these accepts it: the host acts on webview messages
 * (opens URLs, posts verdicts) and the webview renders host messages.
 *
 * The checks cover every field the other side reads; extra fields are tolerated.
 */
import type { HostMessage, WebviewMessage } from './protocol.js';

type Json = Record<string, unknown>;

const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const isString = (x: unknown): x is string => typeof x === 'string';
const isOptString = (x: unknown): boolean => x === undefined || typeof x === 'string';
const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isStrings = (x: unknown): x is string[] => Array.isArray(x) && x.every(isString);
const isArrayOf = (x: unknown, item: (y: unknown) => boolean): boolean => Array.isArray(x) && x.every(item);

/** Approval ids are opaque but short and printable: they end up in URLs and DOM keys. */
const ID = /^[A-Za-z0-9._:-]{1,128}$/;
const isId = (x: unknown): x is string => isString(x) && ID.test(x);

const APPROVAL_STATES = new Set(['pending', 'approved', 'denied', 'expired', 'cancelled', 'abandoned']);

function isPerson(x: unknown): boolean {
  return isObject(x) && isString(x.subject) && isString(x.issuer) && isOptString(x.name) && isOptString(x.email) && isStrings(x.groups);
}

function isAccount(x: unknown): boolean {
  return isObject(x) && isString(x.subject) && isOptString(x.issuer) && isOptString(x.name) && isOptString(x.email) && isStrings(x.groups);
}

function isRequirement(x: unknown): boolean {
  return isObject(x) && isString(x.rule) && isString(x.explanation) && isStrings(x.groups);
}

function isDecision(x: unknown): boolean {
  return isObject(x) && isPerson(x.reviewer) && (x.verdict === 'approve' || x.verdict === 'deny') && isString(x.comment);
}

function isApproval(x: unknown): boolean {
  return (
    isObject(x) &&
    isId(x.id) &&
    isString(x.state) &&
    APPROVAL_STATES.has(x.state) &&
    isString(x.createdAt) &&
    isString(x.expiresAt) &&
    isPerson(x.requester) &&
    isString(x.connection) &&
    isObject(x.statement) &&
    isString(x.statement.sql) &&
    isArrayOf(x.requirements, isRequirement) &&
    isArrayOf(x.decisions, isDecision) &&
    isString(x.url)
  );
}

function isBlocked(x: unknown): boolean {
  return isObject(x) && isString(x.connection) && isPerson(x.requester) && isString(x.sql) && isString(x.rule) && isString(x.explanation);
}

function isMasked(x: unknown): boolean {
  return isObject(x) && isString(x.connection) && isPerson(x.requester) && isStrings(x.columns) && isStrings(x.rules) && isNumber(x.values);
}

function isSession(x: unknown): boolean {
  return isObject(x) && isString(x.sessionId) && isString(x.connection) && isPerson(x.requester) && isOptString(x.reason);
}

const stamped = (check: (y: unknown) => boolean) => (x: unknown) => check(x) && isObject(x) && isString(x.at);
const isPanelSession = (x: unknown) => stamped(isSession)(x) && isObject(x) && (x.state === 'started' || x.state === 'ended');

function isState(x: unknown): boolean {
  return (
    isObject(x) &&
    (x.account === undefined || isAccount(x.account)) &&
    isArrayOf(x.waiting, isApproval) &&
    isArrayOf(x.inbox, isApproval) &&
    isArrayOf(x.blocked, stamped(isBlocked)) &&
    isArrayOf(x.masked, stamped(isMasked)) &&
    isArrayOf(x.sessions, isPanelSession)
  );
}

/** Events the panel folds in; other event types (access.*) are valid but ignored by `reduce`. */
function isEvent(x: unknown): boolean {
  if (!isObject(x) || !isString(x.type) || !isString(x.at)) return false;
  switch (x.type) {
    case 'approval.requested':
    case 'approval.updated':
    case 'approval.decided':
      return isApproval(x.approval);
    case 'statement.blocked':
      return isBlocked(x.statement);
    case 'result.masked':
      return isMasked(x.masked);
    case 'session.started':
    case 'session.ended':
      return isSession(x.session);
    case 'access.requested':
    case 'access.updated':
    case 'access.decided':
      return isObject(x.access);
    default:
      return false;
  }
}

/** Whether `x` is a well-formed webview → host message. */
export function isWebviewMessage(x: unknown): x is WebviewMessage {
  if (!isObject(x) || !isObject(x.params)) return false;
  const p = x.params;
  switch (x.method) {
    case 'ready':
      return true;
    case 'command/openApproval':
      return isId(p.id);
    case 'command/decide':
      return isId(p.id) && (p.verdict === 'approve' || p.verdict === 'deny') && isString(p.comment) && p.comment.length <= 4000;
    default:
      return false;
  }
}

/** Whether `x` is a well-formed host → webview message. */
export function isHostMessage(x: unknown): x is HostMessage {
  if (!isObject(x) || !isObject(x.params)) return false;
  const p = x.params;
  switch (x.method) {
    case 'state/full':
      return isState(p.state);
    case 'event':
      return isEvent(p.event);
    case 'account':
      return p.account === null || isAccount(p.account);
    case 'command/decide/completion':
      return isId(p.id) && typeof p.ok === 'boolean' && isOptString(p.message);
    default:
      return false;
  }
}
