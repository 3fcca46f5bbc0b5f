/** Who is asking, as established from a verified OIDC token. */
export interface Principal {
  /** `sub` claim. */
  readonly subject: string;
  /** Issuer URL (`iss`) and the configured issuer's name. */
  readonly issuer: string;
  readonly issuerName: string;
  readonly email?: string;
  readonly name?: string;
  readonly groups: readonly string[];
  /** A person, or a workload such as a CI job or service account. */
  readonly kind: 'human' | 'service';
  /** Token expiry, seconds since the epoch. */
  readonly expiresAt: number;
}

export interface TokenVerifier {
  /** Verifies a compact JWS and maps it to a principal; rejects with an `AirlockError` (BRK_ERR_TOKEN_*). */
  verify(token: string): Promise<Principal>;
}

/** A short label for logs and records: email, else name, else subject. */
export function principalLabel(p: Principal): string {
  return p.email ?? p.name ?? p.subject;
}
