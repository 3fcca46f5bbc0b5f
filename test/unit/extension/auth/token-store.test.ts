/**
 * Contract: the TokenStore keeps one JSON TokenSet in SecretStorage, announces every change,
 * returns a fresh access token (refreshing within the skew, one refresh for concurrent callers),
 * and forgets the session on sign-out or when the refresh token is refused.
 */
import { describe, expect, it, vi } from 'vitest';
import { AuthError, isAuthError } from '../../../../extension/auth/auth-error.js';
import type { TokenSet } from '../../../../extension/auth/oidc-flow.js';
import { DEFAULT_SECRET_KEY, TokenStore, type SecretStorageLike } from '../../../../extension/auth/token-store.js';

class MemorySecrets implements SecretStorageLike {
  readonly data = new Map<string, string>();
  async get(key: string): Promise<string | undefined> {
    return this.data.get(key);
  }
  async store(key: string, value: string): Promise<void> {
    this.data.set(key, value);
  }
  async delete(key: string): Promise<void> {
    this.data.delete(key);
  }
}

const NOW = 1_700_000_000_000;

function tokens(over: Partial<TokenSet> = {}): TokenSet {
  return { accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: NOW + 3_600_000, account: { subject: 'alice', email: 'alice@example.com' }, ...over };
}

function setup(): { secrets: MemorySecrets; store: TokenStore } {
  const secrets = new MemorySecrets();
  return { secrets, store: new TokenStore(secrets, DEFAULT_SECRET_KEY, () => NOW) };
}

describe('TokenStore', () => {
  it('saves, reads back from secret storage, and clears', async () => {
    const { secrets, store } = setup();
    expect(await store.current()).toBeUndefined();
    await store.save(tokens());
    expect(JSON.parse(secrets.data.get(DEFAULT_SECRET_KEY)!)).toEqual(tokens());
    expect(await new TokenStore(secrets, DEFAULT_SECRET_KEY).current()).toEqual(tokens());
    await store.clear();
    expect(secrets.data.size).toBe(0);
    expect(await store.current()).toBeUndefined();
  });

  it('treats an unreadable stored value as signed out', async () => {
    const { secrets, store } = setup();
    secrets.data.set(DEFAULT_SECRET_KEY, '{"accessToken": 1');
    expect(await store.current()).toBeUndefined();
    secrets.data.set('other', JSON.stringify({ accessToken: 'x' }));
    expect(await new TokenStore(secrets, 'other').current()).toBeUndefined();
  });

  it('emits changes to listeners until disposed', async () => {
    const { store } = setup();
    const seen: (string | undefined)[] = [];
    const sub = store.onDidChange((t) => seen.push(t?.accessToken));
    store.onDidChange(() => {
      throw new Error('a broken listener');
    });
    await store.save(tokens());
    await store.clear();
    sub.dispose();
    await store.save(tokens());
    expect(seen).toEqual(['at-1', undefined]);
  });

  it('returns the stored token while it is fresh, without refreshing', async () => {
    const { store } = setup();
    await store.save(tokens());
    const refresher = vi.fn<(t: TokenSet) => Promise<TokenSet>>();
    expect(await store.freshToken(refresher)).toBe('at-1');
    expect(await setup().store.freshToken(refresher)).toBeUndefined();
    expect(refresher).not.toHaveBeenCalled();
  });

  it('refreshes within the skew once for concurrent callers and saves the result', async () => {
    const { store, secrets } = setup();
    await store.save(tokens({ expiresAt: NOW + 30_000 }));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const refresher = vi.fn(async (t: TokenSet) => {
      await gate;
      return tokens({ accessToken: 'at-2', refreshToken: t.refreshToken, expiresAt: NOW + 3_600_000 });
    });
    const changes: string[] = [];
    store.onDidChange((t) => changes.push(t?.accessToken ?? '-'));
    const calls = Promise.all([store.freshToken(refresher), store.freshToken(refresher), store.freshToken(refresher)]);
    await new Promise((r) => setTimeout(r, 10));
    release();
    expect(await calls).toEqual(['at-2', 'at-2', 'at-2']);
    expect(refresher).toHaveBeenCalledTimes(1);
    expect(changes).toEqual(['at-2']);
    expect(JSON.parse(secrets.data.get(DEFAULT_SECRET_KEY)!).accessToken).toBe('at-2');
    // a later expiry refreshes again (the single flight is over)
    await store.save(tokens({ expiresAt: NOW + 1000 }));
    expect(await store.freshToken(refresher, 5000)).toBe('at-2');
    expect(refresher).toHaveBeenCalledTimes(2);
  });

  it('does not resurrect a session signed out during a refresh', async () => {
    const { store } = setup();
    await store.save(tokens({ expiresAt: NOW }));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const pending = store.freshToken(async () => {
      await gate;
      return tokens({ accessToken: 'late' });
    });
    await new Promise((r) => setTimeout(r, 5));
    await store.clear();
    release();
    await expect(pending).rejects.toSatisfy((e) => isAuthError(e, 'AUTH_CANCELLED'));
    expect(await store.current()).toBeUndefined();
  });

  it('clears the session when the refresh token is refused, keeps it on other failures', async () => {
    const { store } = setup();
    await store.save(tokens({ expiresAt: NOW }));
    await expect(store.freshToken(async () => Promise.reject(new AuthError('AUTH_REFRESH_FAILED')))).rejects.toSatisfy((e) => isAuthError(e, 'AUTH_REFRESH_FAILED'));
    expect(await store.current()).toBeDefined();
    await expect(store.freshToken(async () => Promise.reject(new AuthError('AUTH_NO_REFRESH_TOKEN')))).rejects.toSatisfy((e) => isAuthError(e, 'AUTH_NO_REFRESH_TOKEN'));
    expect(await store.current()).toBeUndefined();
  });

  it('without a refresh token: returns the token until it expires, then asks for a sign-in', async () => {
    const { store } = setup();
    const refresher = vi.fn<(t: TokenSet) => Promise<TokenSet>>();
    await store.save(tokens({ refreshToken: undefined, expiresAt: NOW + 10_000 }));
    expect(await store.freshToken(refresher)).toBe('at-1');
    await store.save(tokens({ refreshToken: undefined, expiresAt: NOW - 1 }));
    await expect(store.freshToken(refresher)).rejects.toSatisfy((e) => isAuthError(e, 'AUTH_NO_REFRESH_TOKEN'));
    expect(refresher).not.toHaveBeenCalled();
  });
});
