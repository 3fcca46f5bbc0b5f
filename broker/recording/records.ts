/** What the audit journal holds: append-only events, one JSON object per line. */
import type { RuleAction } from '../config/types.js';

interface Base {
  /** Position in this broker's journal, strictly increasing. */
  readonly seq: number;
  /** ISO-8601 time of writing. */
  readonly at: string;
  readonly sessionId: string;
  /** The hash chain's link (hash-chain.ts): always the last member of the stored line. */
  readonly hash?: string;
  /** Read from a shared store: the broker replica that wrote it (not part of the stored line). */
  readonly broker?: string;
}

export interface SessionStartRecord extends Base {
  readonly type: 'session.start';
  readonly connection: string;
  readonly subject: string;
  readonly issuer: string;
  readonly email?: string;
  readonly name?: string;
  readonly groups: readonly string[];
  readonly principalKind: 'human' | 'service';
  readonly clientAddress: string;
  readonly applicationName?: string;
  readonly databaseRole?: string;
  readonly tls: boolean;
  readonly via: 'postgres' | 'tunnel';
}

export interface StatementRecord extends Base {
  readonly type: 'statement';
  /** Per-session statement number, starting at 1. */
  readonly statementId: number;
  readonly protocol: 'simple' | 'extended';
  readonly text: string;
  readonly kinds: readonly string[];
  readonly action: RuleAction;
  readonly rule: string;
  readonly explanation: string;
  /** Bind parameters: redacted unless `recording.recordParameters` is on. */
  readonly parameters?: readonly (string | null)[] | '[redacted]';
}

export interface StatementEndRecord extends Base {
  readonly type: 'statement.end';
  readonly statementId: number;
  readonly durationMs: number;
  readonly rows: number | null;
  readonly error?: { readonly code: string; readonly message: string };
  /** The first rows as the client received them (masked where masking applied); see result-sample.ts. */
  readonly result?: {
    readonly columns?: readonly string[];
    readonly rows: readonly (readonly (string | null)[])[];
    readonly truncated?: boolean;
  };
}

/** The masking notice a client got after a result. */
export interface ResultMaskedRecord extends Base {
  readonly type: 'result.masked';
  readonly statementId?: number;
  readonly columns: readonly string[];
  readonly rules: readonly string[];
  /** Values masked in the result. */
  readonly values: number;
}

export interface SessionEndRecord extends Base {
  readonly type: 'session.end';
  readonly reason: string;
  readonly statements: number;
}

/** A connection attempt refused before a session opened (bad token, forbidden connection...). */
export interface ConnectionRefusedRecord extends Base {
  readonly type: 'connection.refused';
  readonly clientAddress: string;
  /** The connection (database name) asked for, if the start-up got that far. */
  readonly connection?: string;
  /** Who, if the token was verified before the refusal. */
  readonly subject?: string;
  readonly code: string;
  readonly reason: string;
}

/** Approval events of a session: a dry run about to run, a request made, a request closed. */
export interface ApprovalEventRecord extends Base {
  readonly type: 'approval.dry-run' | 'approval.requested' | 'approval.closed';
  readonly approvalId?: string;
  readonly text?: string;
  readonly protocol?: 'simple' | 'extended';
  readonly rules?: readonly string[];
  readonly impact?: unknown;
  readonly state?: string;
  readonly reviewers?: readonly { readonly subject: string; readonly verdict: string }[];
}

/** A webhook or Slack notification that could not be delivered after every attempt. */
export interface NotifyFailedRecord extends Base {
  readonly type: 'notify.failed';
  /** The approval or access request the event was about (sessionId is that of its session, or "-"). */
  readonly subject?: string;
  readonly target: string;
  readonly eventType: string;
  readonly deliveryId: string;
  readonly attempts: number;
  readonly error: string;
  readonly status?: number;
}

/** A terminal command, reported by the editor, that tried to reach a protected database directly. */
export interface TerminalDirectAccessRecord extends Base {
  readonly type: 'terminal.direct-access';
  readonly subject: string;
  readonly connection: string;
  readonly command: string;
  readonly terminal?: string;
}

/** Written at start when the journal ended in a torn line (a crash mid-write): where the torn bytes are. */
export interface JournalRecoveredRecord extends Base {
  readonly type: 'journal.recovered';
  readonly tornOffset: number;
  readonly tornBytes: number;
}

export type AuditRecord = ResultMaskedRecord | JournalRecoveredRecord | TerminalDirectAccessRecord | NotifyFailedRecord | SessionStartRecord | StatementRecord | StatementEndRecord | SessionEndRecord | ConnectionRefusedRecord | ApprovalEventRecord;

/** A record before the store assigns its position and time. */
export type NewRecord = AuditRecord extends infer R ? (R extends AuditRecord ? Omit<R, 'seq' | 'at' | 'hash' | 'broker'> : never) : never;
