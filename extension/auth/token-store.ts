/**
 * The signed-in session, kept as one JSON value in the editor's secret storage, with a fresh
 * access token on demand. It does not import `vscode`: `SecretStorageLike` is the subset of
 * `vscode.SecretStorage` it needs, so tests use an in-memory fake.
 */
import { AuthError } from './auth-error.js';
import type { TokenSet } from './oidc-flow.js';

/** The subset of `vscode.SecretStorage` the store uses (`Thenable` is structurally a PromiseLike). */
export interface SecretStorageLike {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
}

export type TokenListener = (tokens: TokenSet | undefined) => void;
/** Exchanges the stored tokens for new ones (usually `OidcFlow.refresh`). */
export type Refresher = (tokens: TokenSet) => Promise<TokenSet>;

export const DEFAULT_SECRET_KEY = 'airlock.auth.tokens';

export class TokenStore {
  readonly #listeners = new Set<TokenListener>();
  #cached: Promise<TokenSet | undefined> | undefined;
  #refreshing: Promise<TokenSet> | undefined;
  /** Bumped by save/clear so a refresh that finishes after a sign-out does not resurrect it. */
  #generation = 0;

  constructor(
    private readonly secrets: SecretStorageLike,
    private readonly key: string = DEFAULT_SECRET_KEY,
    private readonly now: () => number = Date.now,
  ) {}

  /** The stored tokens, or undefined when signed out (or the stored value is unreadable). */
  current(): Promise<TokenSet | undefined> {
    this.#cached ??= Promise.resolve(this.secrets.get(this.key)).then(parseTokenSet);
    return this.#cached;
  }

  async save(tokens: TokenSet): Promise<void> {
    this.#generation++;
    await this.secrets.store(this.key, JSON.stringify(tokens));
    this.#cached = Promise.resolve(tokens);
    this.#emit(tokens);
  }

  async clear(): Promise<void> {
    this.#generation++;
    this.#refreshing = undefined;
    await this.secrets.delete(this.key);
    this.#cached = Promise.resolve(undefined);
    this.#emit(undefined);
  }

  /**
   * An access token valid for at least `skewMs`, refreshed through `refresher` when needed;
   * undefined when signed out. Concurrent callers share one refresh. When the refresh token is
   * rejected (`AUTH_NO_REFRESH_TOKEN`) the session is cleared and the error rethrown.
   */
  async freshToken(refresher: Refresher, skewMs = 60_000): Promise<string | undefined> {
    const tokens = await this.current();
    if (tokens === undefined) return undefined;
    if (tokens.expiresAt - skewMs > this.now()) return tokens.accessToken;
    if (tokens.refreshToken === undefined) {
      if (tokens.expiresAt > this.now()) return tokens.accessToken;
      throw new AuthError('AUTH_NO_REFRESH_TOKEN');
    }
    if (this.#refreshing === undefined) {
      const flight: Promise<TokenSet> = this.#refresh(tokens, refresher).finally(() => {
        if (this.#refreshing === flight) this.#refreshing = undefined;
      });
      this.#refreshing = flight;
    }
    return (await this.#refreshing).accessToken;
  }

  /** Listens for sign-in, refresh and sign-out; returns a disposable. */
  onDidChange(listener: TokenListener): { dispose(): void } {
    this.#listeners.add(listener);
    return { dispose: () => this.#listeners.delete(listener) };
  }

  async #refresh(tokens: TokenSet, refresher: Refresher): Promise<TokenSet> {
    const generation = this.#generation;
    try {
      const next = await refresher(tokens);
      if (generation !== this.#generation) throw new AuthError('AUTH_CANCELLED', 'Signed out while the session was being renewed.');
      await this.save(next);
      return next;
    } catch (err) {
      if (err instanceof AuthError && err.code === 'AUTH_NO_REFRESH_TOKEN' && generation === this.#generation) await this.clear();
      throw err;
    }
  }

  #emit(tokens: TokenSet | undefined): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(tokens);
      } catch {
        // A failing listener must not break the others or the store.
      }
    }
  }
}

function parseTokenSet(raw: string | undefined): TokenSet | undefined {
  if (raw === undefined) return undefined;
  try {
    const v = JSON.parse(raw) as Partial<TokenSet> | null;
    const ok =
      v !== null &&
      typeof v === 'object' &&
      typeof v.accessToken === 'string' &&
      typeof v.expiresAt === 'number' &&
      typeof v.account?.subject === 'string';
    return ok ? (v as TokenSet) : undefined;
  } catch {
    return undefined;
  }
}
