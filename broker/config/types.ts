/**
 * The validated, frozen broker configuration. The YAML file is checked against
 * `schema.ts` (JSON Schema, `additionalProperties: false`) and secrets are resolved from the
 * environment or files before anything starts; nothing else reads the raw file.
 */
import type { StatementKind } from '../analysis/types.js';
import type { MaskingConfig } from '../masking/types.js';

/** A secret is never written inline in the file: it names an environment variable or a file. */
export type SecretRef = { readonly env: string } | { readonly file: string };

/** A resolved secret. `toString()`/`toJSON()` never reveal the value, so it cannot leak into logs. */
export interface Secret {
  reveal(): string;
  toString(): string;
  toJSON(): string;
}

export type RuleAction = 'allow' | 'approve' | 'block';

export interface RuleMatch {
  readonly connections?: readonly string[];
  readonly groups?: readonly string[];
  readonly principalKinds?: readonly ('human' | 'service')[];
  readonly kinds?: readonly StatementKind[];
  /** Glob patterns over `schema.table` / `table` (written or read). */
  readonly tables?: readonly string[];
  readonly tablesWritten?: readonly string[];
  readonly functions?: readonly string[];
  readonly missingWhere?: boolean;
  readonly modifyingCte?: boolean;
  readonly copyProgram?: boolean;
}

/** Who reviews, as configured (a rule's `approval.reviewers` or the `approvals` default). */
export interface ReviewersConfig {
  readonly groups: readonly string[];
  /** `any`: members of any listed group count towards the quorum; `all`: at least one from each group. */
  readonly mode: 'any' | 'all';
}

/** A rule's `approval` block: everything left out comes from the `approvals` section. */
export interface RuleApprovalConfig {
  readonly reviewers?: ReviewersConfig;
  readonly quorum?: number;
  readonly expiresInSeconds?: number;
  /** Hold only when the dry run measures more changed rows than this (otherwise the statement runs). */
  readonly rowsChangedAbove?: number;
  /** Names of `approvals.notify` targets; default: all of them. */
  readonly notify?: readonly string[];
}

export interface RuleConfig {
  readonly name: string;
  readonly description?: string;
  readonly match: RuleMatch;
  readonly action: RuleAction;
  /** Only with `action: approve`. */
  readonly approval?: RuleApprovalConfig;
  /** Why, shown in the error/notice and recorded. */
  readonly reason?: string;
  /** What to do instead, sent as the ErrorResponse hint. */
  readonly hint?: string;
}

export interface UpstreamTls {
  readonly mode: 'disable' | 'require' | 'verify-full';
  readonly caFile?: string;
  readonly serverName?: string;
}

export interface UpstreamConfig {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password?: Secret;
  readonly tls: UpstreamTls;
  readonly connectTimeoutMs: number;
}

export interface RoleMapping {
  readonly group: string;
  /** The database role the upstream session runs as (`SET SESSION AUTHORIZATION`-proof: `SET ROLE` at start and locked). */
  readonly role: string;
}

export interface ConnectionConfig {
  readonly name: string;
  readonly description?: string;
  readonly upstream: UpstreamConfig;
  /** Groups that may open this connection at all. */
  readonly allowGroups: readonly string[];
  /** First matching group wins. */
  readonly roles: readonly RoleMapping[];
  /** What happens to a statement no rule matches. */
  readonly defaultAction: RuleAction;
}

export interface ClaimMapping {
  readonly groups: string;
  readonly email: string;
  readonly name: string;
}

export interface IssuerConfig {
  readonly name: string;
  /** Issuer URL; discovery at `<issuer>/.well-known/openid-configuration` unless `jwksUri` is given. */
  readonly issuer: string;
  readonly audience: readonly string[];
  readonly jwksUri?: string;
  readonly algorithms: readonly string[];
  readonly claims: ClaimMapping;
  /** Principals from this issuer are people, workloads, or decided by `serviceClaim`. */
  readonly principalKind: 'human' | 'service';
  readonly clockToleranceSeconds: number;
}

export interface DevUser {
  readonly name: string;
  readonly email: string;
  readonly groups: readonly string[];
}

export interface DevServiceAccount {
  readonly clientId: string;
  readonly secret: Secret;
  readonly groups: readonly string[];
}

export interface DevProviderConfig {
  readonly enabled: boolean;
  readonly host: string;
  readonly port: number;
  readonly users: readonly DevUser[];
  readonly serviceAccounts: readonly DevServiceAccount[];
  /** Public clients allowed to use authorization code + PKCE (the extension, the approval page). */
  readonly clients: readonly { readonly clientId: string; readonly redirectUris: readonly string[] }[];
  readonly audience: string;
  readonly tokenTtlSeconds: number;
}

export interface ListenConfig {
  readonly host: string;
  readonly port: number;
}

export interface PostgresListenConfig extends ListenConfig {
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** DANGER: accept a token sent as a cleartext password from a non-loopback address without TLS. */
  readonly allowCleartextWithoutTls: boolean;
  /** Largest protocol message accepted from a client, in bytes. */
  readonly maxMessageBytes: number;
}

export interface RecordingConfig {
  /** `file`: append-only journal on disk (default); `memory`: tests only. */
  readonly store: 'file' | 'memory';
  readonly directory: string;
  /** `always`: fdatasync before forwarding (power-loss safe); `write`: written to the OS before forwarding (survives a broker crash), synced every `syncIntervalMs`. */
  readonly fsync: 'always' | 'write';
  readonly syncIntervalMs: number;
  /** Bind parameters are recorded as `[redacted]` unless this is true. */
  readonly recordParameters: boolean;
  /** Rows of each result kept in the record (0: none). */
  readonly resultRows: number;
  /** Longest value kept in a recorded row, in characters. */
  readonly resultValueChars: number;
  /** Groups that see every session on the replay pages and in the sessions API. */
  readonly auditorGroups: readonly string[];
}

export interface StoreConfig {
  /** `local`: this broker's files; `postgres`: state shared by broker replicas. */
  readonly type: 'local' | 'postgres';
  /** Connection URL of the shared store (with its password: a secret). */
  readonly url?: Secret;
  readonly schema: string;
  /** This broker's name among replicas (its audit chain, its held requests). */
  readonly brokerName: string;
}

export interface NotifyTarget {
  readonly name: string;
  /** `webhook`: JSON POST signed with HMAC-SHA256; `slack`: a Slack incoming-webhook message. */
  readonly type: 'webhook' | 'slack';
  /** The URL; for Slack it is a secret (the URL is the credential). */
  readonly url: Secret;
  /** HMAC key for `webhook` (header `airlock-signature`). */
  readonly secret?: Secret;
  /** Event types sent; default: approval and access requests and decisions. */
  readonly events: readonly string[];
  /** Attempts in all (first try included) before a delivery is recorded as failed. */
  readonly maxAttempts: number;
  readonly timeoutMs: number;
}

export interface ApprovalPageConfig {
  /** Issuer URL reviewers sign in at; default: the development provider when it is enabled. */
  readonly issuer?: string;
  readonly clientId: string;
  /** For a confidential client; public clients (PKCE only) have none. */
  readonly clientSecret?: Secret;
  readonly scopes: string;
  /** RFC 8707 resource indicator asked for, so the access token's audience is the broker's. */
  readonly resource?: string;
}

export interface ApprovalsConfig {
  /** Default reviewers for approve rules and for connections whose defaultAction is `approve`. */
  readonly reviewers: ReviewersConfig;
  readonly quorum: number;
  readonly expiresInSeconds: number;
  readonly dryRun: {
    readonly enabled: boolean;
    readonly statementTimeoutMs: number;
    readonly lockTimeoutMs: number;
  };
  readonly notify: readonly NotifyTarget[];
  /** Time-boxed access requests (`POST /v1/access-requests`). */
  readonly access: {
    readonly reviewers: ReviewersConfig;
    readonly quorum: number;
    readonly maxDurationSeconds: number;
    readonly expiresInSeconds: number;
  };
  /** Sign-in for the approval page (authorization code + PKCE). */
  readonly page: ApprovalPageConfig;
  /** Where pending requests, decisions and grants are kept (a JSON file; `memory` for tests). */
  readonly store: 'file' | 'memory';
  readonly file: string;
}

export interface AirlockConfig {
  readonly listen: {
    readonly postgres: PostgresListenConfig;
    readonly http: ListenConfig;
  };
  /** URL people and clients use to reach the HTTP side (approval page, API). */
  readonly publicUrl: string;
  readonly identity: {
    readonly issuers: readonly IssuerConfig[];
    readonly devProvider?: DevProviderConfig;
  };
  readonly connections: ReadonlyMap<string, ConnectionConfig>;
  readonly rules: readonly RuleConfig[];
  readonly approvals: ApprovalsConfig;
  readonly masking: MaskingConfig;
  readonly recording: RecordingConfig;
  readonly store: StoreConfig;
  readonly analysis: {
    /** Entries kept in each analysis cache (exact text, normalized shape). */
    readonly cacheSize: number;
  };
}
