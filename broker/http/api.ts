/**
 * Types of the broker's HTTP API, shared (type-only) with the editor extension.
 * Every route except /healthz and /v1/info needs `Authorization: Bearer <OIDC token>`.
 */
export interface ApiError {
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
}

export interface InfoResponse {
  readonly name: 'airlock';
  readonly version: string;
  readonly issuers: readonly { readonly name: string; readonly issuer: string }[];
  readonly devProvider: boolean;
  readonly postgres: { readonly host: string; readonly port: number };
  /** Where clients sign people in (OIDC code + PKCE), when the broker knows. */
  readonly signIn?: { readonly issuer: string; readonly scopes: string; readonly resource?: string };
}

export interface MeResponse {
  readonly subject: string;
  readonly issuer: string;
  readonly email?: string;
  readonly name?: string;
  readonly groups: readonly string[];
  readonly kind: 'human' | 'service';
  readonly expiresAt: string;
}

export interface ConnectionView {
  readonly name: string;
  readonly description?: string;
  readonly databaseRole?: string;
  readonly defaultAction: 'allow' | 'approve' | 'block';
  /** Where the database really is: a terminal command aimed there goes around the broker. */
  readonly upstream?: { readonly host: string; readonly port: number };
  /** A ready-to-use libpq URL without the password (send your token as the password). */
  readonly url: string;
}

export interface DevTokenRequest {
  readonly user: string;
  readonly groups?: readonly string[];
  readonly ttlSeconds?: number;
}

export interface DevTokenResponse {
  readonly token: string;
  readonly expiresIn: number;
}
