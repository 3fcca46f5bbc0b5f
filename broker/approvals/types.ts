/**
 * The approval domain: statements held for a reviewer, and time-boxed access requests. These
 * are the shapes kept in the approvals store, sent on the events stream and returned by the
 * HTTP API (see `broker/http/api.ts`), so they hold no secrets and no bind parameter values.
 */

/** Who may decide, from a rule's `approval` block merged with the `approvals` defaults. */
export interface ReviewerRequirement {
  /** The rule that asked for the approval (a configured rule or `default:<connection>`). */
  readonly rule: string;
  /** One line: why the rule held the statement. */
  readonly explanation: string;
  readonly groups: readonly string[];
  /** `any`: approvals from members of any listed group count; `all`: at least one from each group. */
  readonly mode: 'any' | 'all';
  /** Distinct reviewers needed (with `all`, at least the number of groups). */
  readonly quorum: number;
  /** Impact condition: the rule holds the statement only above this many changed rows. */
  readonly rowsChangedAbove?: number;
  /** Why the impact condition held (e.g. "150 rows changed > 100"). */
  readonly impactReason?: string;
}

export type ApprovalState = 'pending' | 'approved' | 'denied' | 'expired' | 'cancelled' | 'abandoned';

export interface PersonRef {
  readonly subject: string;
  readonly issuer: string;
  readonly name?: string;
  readonly email?: string;
  readonly kind: 'human' | 'service';
  readonly groups: readonly string[];
}

export interface ReviewDecision {
  readonly reviewer: PersonRef;
  readonly verdict: 'approve' | 'deny';
  readonly comment: string;
  readonly at: string;
  /** The reviewer groups the reviewer held at the moment of the decision. */
  readonly asGroups: readonly string[];
}

/** Rows changed in one table during the dry run (from `pg_stat_xact_user_tables`). */
export interface TableImpact {
  readonly table: string;
  readonly inserted: number;
  readonly updated: number;
  readonly deleted: number;
}

/** What a held statement would do, measured by running it and rolling back. */
export interface Impact {
  /** `measured`: dry run; `estimated`: the planner's row estimate; `unavailable`: neither. */
  readonly method: 'measured' | 'estimated' | 'unavailable';
  /** Rows the statement itself reported (command tag), when measured. */
  readonly rowsReported?: number;
  /** Every row written in every table, cascades, triggers and functions included. */
  readonly rowsChanged?: number;
  readonly tables: readonly TableImpact[];
  /** Things a rollback does not undo, or why a dry run was not possible. */
  readonly notes: readonly string[];
  readonly durationMs?: number;
  /** The dry run failed with this error (the statement would likely fail too). */
  readonly error?: { readonly code: string; readonly message: string };
}

export interface HeldStatement {
  readonly sql: string;
  readonly protocol: 'simple' | 'extended';
  readonly parameterCount: number;
  /** SHA-256 over session, text and parameters: what the approval is bound to. */
  readonly binding: string;
  readonly kinds: readonly string[];
}

export interface ApprovalRequest {
  readonly id: string;
  readonly state: ApprovalState;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly closedAt?: string;
  readonly requester: PersonRef;
  readonly connection: string;
  readonly sessionId: string;
  readonly client: { readonly address: string; readonly applicationName?: string };
  readonly statement: HeldStatement;
  readonly requirements: readonly ReviewerRequirement[];
  readonly impact: Impact;
  readonly decisions: readonly ReviewDecision[];
  /** Why it ended when not by a reviewer (expired, client gave up, broker restarted). */
  readonly reason?: string;
  /** Where a reviewer decides. */
  readonly url: string;
  /** With a shared store: the broker whose session holds the statement. */
  readonly broker?: string;
}

export type GrantState = 'pending' | 'active' | 'denied' | 'expired' | 'revoked' | 'cancelled';

/** A user asks for extra groups on one connection for a while. */
export interface AccessRequest {
  readonly id: string;
  readonly state: GrantState;
  readonly createdAt: string;
  readonly requester: PersonRef;
  readonly connection: string;
  readonly groups: readonly string[];
  readonly durationSeconds: number;
  readonly reason: string;
  readonly requirements: readonly ReviewerRequirement[];
  readonly decisions: readonly ReviewDecision[];
  /** When the request itself lapses if nobody decides. */
  readonly expiresAt: string;
  /** Set once approved: the grant runs from `activeFrom` to `activeUntil`. */
  readonly activeFrom?: string;
  readonly activeUntil?: string;
  readonly closedAt?: string;
  readonly revokedBy?: PersonRef;
  readonly url: string;
}

/** Events on `/v1/events`, to webhooks and to the approval page. */
/** An event, and — when another broker replica published it (shared store) — that broker's name. */
export type AirlockEvent = AirlockEventBody & { readonly origin?: string };

export type AirlockEventBody =
  | { readonly type: 'approval.requested'; readonly at: string; readonly approval: ApprovalRequest }
  | { readonly type: 'approval.decided'; readonly at: string; readonly approval: ApprovalRequest }
  | { readonly type: 'approval.updated'; readonly at: string; readonly approval: ApprovalRequest }
  | { readonly type: 'access.requested'; readonly at: string; readonly access: AccessRequest }
  | { readonly type: 'access.decided'; readonly at: string; readonly access: AccessRequest }
  | { readonly type: 'access.updated'; readonly at: string; readonly access: AccessRequest }
  | { readonly type: 'statement.blocked'; readonly at: string; readonly statement: BlockedStatementEvent }
  | { readonly type: 'result.masked'; readonly at: string; readonly masked: MaskedResultEvent }
  | { readonly type: 'session.started' | 'session.ended'; readonly at: string; readonly session: SessionEvent };

export interface BlockedStatementEvent {
  readonly sessionId: string;
  readonly connection: string;
  readonly requester: PersonRef;
  readonly sql: string;
  readonly rule: string;
  readonly explanation: string;
}

export interface MaskedResultEvent {
  readonly sessionId: string;
  readonly connection: string;
  readonly requester: PersonRef;
  readonly columns: readonly string[];
  readonly rules: readonly string[];
  /** Values masked in the result. */
  readonly values: number;
}

export interface SessionEvent {
  readonly sessionId: string;
  readonly connection: string;
  readonly requester: PersonRef;
  readonly reason?: string;
}

export type AirlockEventType = AirlockEvent['type'];
