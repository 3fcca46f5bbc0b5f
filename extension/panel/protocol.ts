/**
 * The live panel's one message protocol, shared by the extension host (`extension/panel/`) and
 * the webview (`webview/`). It imports neither `vscode` nor the DOM, so both sides and the unit
 * tests compile it as is.
 *
 * Conversation: the webview posts {@link ReadyCommand} once its listener is installed; the host
 * answers with {@link StateNotification} (the whole view state) and then streams
 * {@link EventNotification}s, which the webview folds in with {@link reduce}. The host sends
 * {@link AccountNotification} when the user signs in or out (the webview then refilters), and
 * answers every {@link DecideCommand} with one {@link DecideCompletion} carrying the same `id`.
 *
 * Messages cross a trust boundary (a webview is a web page), so each side checks what it
 * receives with {@link isWebviewMessage} / {@link isHostMessage} before acting on it.
 *
 * @see https://code.visualstudio.com/api/extension-guides/webview#scripts-and-message-passing
 */
import type {
  AirlockEvent,
  ApprovalRequest,
  BlockedStatementEvent,
  MaskedResultEvent,
  PersonRef,
  SessionEvent,
} from '../../broker/approvals/types.js';

// ---------------------------------------------------------------------------------------------
// Message types (typed constants, GitLens-style)

/** A message type: its scoped method name and, as a phantom, the shape of its params. */
export interface IpcType<Method extends string, Params> {
  readonly kind: 'command' | 'notification';
  readonly method: Method;
  /** Never set at runtime: carries `Params` for {@link message}. */
  readonly params?: Params;
}

/** One message on the wire. */
export interface IpcMessage<Method extends string, Params> {
  readonly method: Method;
  readonly params: Params;
}

function command<Method extends string, Params>(method: Method): IpcType<Method, Params> {
  return { kind: 'command', method };
}
function notification<Method extends string, Params>(method: Method): IpcType<Method, Params> {
  return { kind: 'notification', method };
}

/** Builds a typed message for `type`. */
export function message<Method extends string, Params>(type: IpcType<Method, Params>, params: Params): IpcMessage<Method, Params> {
  return { method: type.method, params };
}

/** The signed-in user, as the panel needs it (no tokens). */
export interface PanelAccount {
  readonly subject: string;
  /** When set, identities must match issuer as well as subject. */
  readonly issuer?: string;
  readonly name?: string;
  readonly email?: string;
  readonly groups: readonly string[];
}

/** Feed entries carry the event's time. */
export type Stamped<T> = T & { readonly at: string };
export type PanelSession = Stamped<SessionEvent> & { readonly state: 'started' | 'ended' };

export interface PanelState {
  readonly account?: PanelAccount;
  /** This user's pending requests, newest first. */
  readonly waiting: readonly ApprovalRequest[];
  /** Pending requests by others that this user may decide and has not yet decided, newest first. */
  readonly inbox: readonly ApprovalRequest[];
  /** This user's blocked statements, newest first, at most {@link MAX_RECENT}. */
  readonly blocked: readonly Stamped<BlockedStatementEvent>[];
  /** This user's masked results, newest first, at most {@link MAX_RECENT}. */
  readonly masked: readonly Stamped<MaskedResultEvent>[];
  /** This user's sessions starting and ending, newest first, at most {@link MAX_RECENT}. */
  readonly sessions: readonly PanelSession[];
}

export type Verdict = 'approve' | 'deny';

// webview → host
export const ReadyCommand = command<'ready', Record<string, never>>('ready');
export const OpenApprovalCommand = command<'command/openApproval', { readonly id: string }>('command/openApproval');
export const DecideCommand = command<
  'command/decide',
  { readonly id: string; readonly verdict: Verdict; readonly comment: string }
>('command/decide');

// host → webview
export const StateNotification = notification<'state/full', { readonly state: PanelState }>('state/full');
export const EventNotification = notification<'event', { readonly event: AirlockEvent }>('event');
export const AccountNotification = notification<'account', { readonly account: PanelAccount | null }>('account');
/** The reply to one {@link DecideCommand}; `message` says why it failed. */
export const DecideCompletion = notification<
  'command/decide/completion',
  { readonly id: string; readonly ok: boolean; readonly message?: string }
>('command/decide/completion');

type MessageOf<T> = T extends IpcType<infer M, infer P> ? IpcMessage<M, P> : never;

export type WebviewMessage =
  | MessageOf<typeof ReadyCommand>
  | MessageOf<typeof OpenApprovalCommand>
  | MessageOf<typeof DecideCommand>;
export type HostMessage =
  | MessageOf<typeof StateNotification>
  | MessageOf<typeof EventNotification>
  | MessageOf<typeof AccountNotification>
  | MessageOf<typeof DecideCompletion>;

// ---------------------------------------------------------------------------------------------
// The panel's logic: a pure reducer

export const MAX_RECENT = 20;

export function emptyState(account?: PanelAccount): PanelState {
  return { ...(account ? { account } : {}), waiting: [], inbox: [], blocked: [], masked: [], sessions: [] };
}

/** Whether `person` is the signed-in user. */
export function isMe(person: PersonRef, me: PanelAccount | undefined): boolean {
  if (!me) return false;
  return person.subject === me.subject && (me.issuer === undefined || person.issuer === me.issuer);
}

/** Whether `me` may still decide `request`: pending, not their own, in a reviewer group, not yet decided by them. */
export function mayDecide(request: ApprovalRequest, me: PanelAccount | undefined): boolean {
  if (!me || request.state !== 'pending' || isMe(request.requester, me)) return false;
  if (request.decisions.some((d) => isMe(d.reviewer, me))) return false;
  return request.requirements.some((r) => r.groups.some((g) => me.groups.includes(g)));
}

function withoutId(list: readonly ApprovalRequest[], id: string): ApprovalRequest[] {
  return list.filter((r) => r.id !== id);
}

/** Replaces the entry with the same id in place, or puts the request first. */
function upsert(list: readonly ApprovalRequest[], request: ApprovalRequest): ApprovalRequest[] {
  const at = list.findIndex((r) => r.id === request.id);
  if (at < 0) return [request, ...list];
  const next = list.slice();
  next[at] = request;
  return next;
}

function prepend<T>(list: readonly T[], item: T): T[] {
  return [item, ...list].slice(0, MAX_RECENT);
}

function applyApproval(state: PanelState, request: ApprovalRequest, me: PanelAccount | undefined): PanelState {
  const mine = request.state === 'pending' && isMe(request.requester, me);
  const review = mayDecide(request, me);
  return {
    ...state,
    waiting: mine ? upsert(state.waiting, request) : withoutId(state.waiting, request.id),
    inbox: review ? upsert(state.inbox, request) : withoutId(state.inbox, request.id),
  };
}

/**
 * Folds one broker event into the panel state. Pure: returns a new state (or `state` itself
 * when the event does not concern the panel). `me` is the signed-in user; events about other
 * people's statements only show up as requests `me` may review.
 */
export function reduce(state: PanelState, event: AirlockEvent, me: PanelAccount | undefined): PanelState {
  switch (event.type) {
    case 'approval.requested':
    case 'approval.updated':
    case 'approval.decided':
      return applyApproval(state, event.approval, me);
    case 'statement.blocked':
      if (!isMe(event.statement.requester, me)) return state;
      return { ...state, blocked: prepend(state.blocked, { ...event.statement, at: event.at }) };
    case 'result.masked':
      if (!isMe(event.masked.requester, me)) return state;
      return { ...state, masked: prepend(state.masked, { ...event.masked, at: event.at }) };
    case 'session.started':
    case 'session.ended': {
      if (!isMe(event.session.requester, me)) return state;
      const entry: PanelSession = { ...event.session, at: event.at, state: event.type === 'session.started' ? 'started' : 'ended' };
      return { ...state, sessions: prepend(state.sessions, entry) };
    }
    default:
      return state;
  }
}

/** The state for a new (or no) account: requests are refiled, feeds about someone else dropped. */
export function withAccount(state: PanelState, account: PanelAccount | undefined): PanelState {
  const requests = new Map<string, ApprovalRequest>();
  for (const r of [...state.waiting, ...state.inbox]) requests.set(r.id, r);
  const all = [...requests.values()];
  const mine = <T extends { readonly requester: PersonRef }>(list: readonly T[]): T[] => list.filter((e) => isMe(e.requester, account));
  return {
    ...emptyState(account),
    waiting: all.filter((r) => r.state === 'pending' && isMe(r.requester, account)),
    inbox: all.filter((r) => mayDecide(r, account)),
    blocked: mine(state.blocked),
    masked: mine(state.masked),
    sessions: mine(state.sessions),
  };
}

export { isHostMessage, isWebviewMessage } from './protocol-guards.js';
