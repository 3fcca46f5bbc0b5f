/**
 * Contract: `signIn` runs authorization code + PKCE with a loopback redirect against the broker's
 * real development OIDC provider (public client `airlock-cli`, a native client: any loopback
 * port). The "browser" is a headless HTTP driver that follows the authorization URL and submits
 * the provider's real login form. The access token must verify with the broker's own verifier;
 * state mismatch, timeout, abort and a failing browser are refused with coded errors; refresh
 * goes through the real token endpoint and the TokenStore shares one refresh between callers.
 */
import { createServer, connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceIndicatorFor } from '../../../../broker/identity/dev-provider-config.js';
import { isAuthError } from '../../../../extension/auth/auth-error.js';
import { chooseRedirect, OidcFlow, signIn, type OidcSettings, type TokenSet } from '../../../../extension/auth/oidc-flow.js';
import { TokenStore, type SecretStorageLike } from '../../../../extension/auth/token-store.js';
import { startTestBroker, type TestBroker } from '../../../support/broker-harness.js';
import { followAuthorization } from '../../../support/dev-idp.js';

const CLIENT_ID = 'airlock-cli';

let b: TestBroker;
let settings: OidcSettings;

beforeAll(async () => {
  b = await startTestBroker();
  const audience = b.broker.config.identity.devProvider!.audience;
  settings = { issuer: b.broker.devProvider!.issuer, clientId: CLIENT_ID, scopes: 'openid email profile offline_access', resource: resourceIndicatorFor(audience) };
});

afterAll(async () => {
  await b?.[Symbol.asyncDispose]();
});

/** A browser stand-in: signs in as `user`, optionally tampers with the callback, then visits it. */
function browser(user: string, tamper: (callback: URL) => URL = (u) => u) {
  const visits: Promise<Response>[] = [];
  const openExternal = async (url: string): Promise<boolean> => {
    const redirectUri = new URL(url).searchParams.get('redirect_uri')!;
    visits.push(followAuthorization(url, user, redirectUri).then((cb) => fetch(tamper(cb))));
    return true;
  };
  return { openExternal, visits };
}

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

describe('the redirect on a remote host', () => {
  it('takes a forwarded loopback URL with the same path, and keeps the listener\'s own otherwise', async () => {
    const own = 'http://127.0.0.1:41000/callback';
    expect(await chooseRedirect(own, undefined)).toBe(own);
    // "localhost" is written as the IP literal, whose port providers let vary (RFC 8252 §7.3).
    expect(await chooseRedirect(own, async () => 'http://localhost:53123/callback')).toBe('http://127.0.0.1:53123/callback');
    expect(await chooseRedirect(own, async () => 'http://[::1]:53123/callback')).toBe('http://[::1]:53123/callback');
    // A web editor's proxy, another host, https, another path, a query: the provider would refuse them.
    for (const other of ['https://editor.example.com/proxy/41000/callback', 'http://10.0.0.5:41000/callback', 'https://localhost:41000/callback', 'http://127.0.0.1:8080/proxy/41000/callback', 'http://localhost:53123/callback?x=1', 'not a url']) {
      expect(await chooseRedirect(own, async () => other)).toBe(own);
    }
    expect(await chooseRedirect(own, async () => Promise.reject(new Error('no forwarding')))).toBe(own);
  });

  it('signs in through a forwarded port: the browser and the token request use the forwarded URL', async () => {
    // The editor's port forwarding, played by a TCP relay to the listener's real port.
    let target = 0;
    const relay = createServer((c) => {
      const up = connect(target, '127.0.0.1');
      c.pipe(up).pipe(c);
      c.on('error', () => up.destroy());
      up.on('error', () => c.destroy());
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const relayPort = (relay.address() as AddressInfo).port;
    const seen: string[] = [];
    const externalRedirect = async (uri: string): Promise<string> => {
      const u = new URL(uri);
      target = Number(u.port);
      u.hostname = 'localhost';
      u.port = String(relayPort);
      return u.href;
    };
    const { openExternal, visits } = browser('alice');
    const tokens = await signIn({
      ...settings,
      openExternal: (url) => {
        seen.push(new URL(url).searchParams.get('redirect_uri')!);
        return openExternal(url);
      },
      externalRedirect,
      timeoutMs: 10_000,
    });
    relay.close();
    expect(seen).toEqual([`http://127.0.0.1:${relayPort}/callback`]);
    expect((await visits[0]!).status).toBe(200);
    expect((await b.broker.verifier.verify(tokens.accessToken)).subject).toBe('alice');
  });
});

describe('signIn against the development provider', () => {
  it('completes the flow; the access token verifies with the broker and names the user', async () => {
    const { openExternal, visits } = browser('alice');
    const tokens = await signIn({ ...settings, openExternal, timeoutMs: 10_000 });
    expect((await visits[0]!).status).toBe(200);
    expect(tokens.account).toEqual({ subject: 'alice', name: 'alice', email: 'alice@example.com' });
    expect(tokens.refreshToken).toEqual(expect.any(String));
    expect(tokens.idToken).toEqual(expect.any(String));
    expect(tokens.expiresAt).toBeGreaterThan(Date.now() + 60_000);
    const principal = await b.broker.verifier.verify(tokens.accessToken);
    expect(principal.subject).toBe('alice');
    expect(principal.email).toBe('alice@example.com');
    expect(principal.groups).toEqual(['developers', 'agents']);
  });

  it('uses the injected fetch for every request to the issuer', async () => {
    const seen: string[] = [];
    const spy: typeof fetch = (input, init) => {
      seen.push(new URL(String(input instanceof Request ? input.url : input)).pathname);
      return fetch(input, init);
    };
    await signIn({ ...settings, fetch: spy, openExternal: browser('bob').openExternal, timeoutMs: 10_000 });
    expect(seen).toContain('/.well-known/openid-configuration');
    expect(seen).toContain('/token');
  });

  it('refuses a callback whose state does not match', async () => {
    const { openExternal, visits } = browser('alice', (cb) => {
      cb.searchParams.set('state', 'forged');
      return cb;
    });
    await expect(signIn({ ...settings, openExternal, timeoutMs: 10_000 })).rejects.toSatisfy((e) => isAuthError(e, 'AUTH_STATE_MISMATCH'));
    expect((await visits[0]!).status).toBe(400);
  });

  it('times out when the browser never comes back', async () => {
    const openExternal = async (): Promise<boolean> => true;
    await expect(signIn({ ...settings, openExternal, timeoutMs: 100 })).rejects.toSatisfy((e) => isAuthError(e, 'AUTH_TIMEOUT'));
  });

  it('is cancelled by the abort signal', async () => {
    const ac = new AbortController();
    const openExternal = async (): Promise<boolean> => {
      setTimeout(() => ac.abort(), 20);
      return true;
    };
    await expect(signIn({ ...settings, openExternal, timeoutMs: 10_000, signal: ac.signal })).rejects.toSatisfy((e) => isAuthError(e, 'AUTH_CANCELLED'));
  });

  it('fails when the browser cannot be opened', async () => {
    await expect(signIn({ ...settings, openExternal: async () => false, timeoutMs: 10_000 })).rejects.toSatisfy((e) => isAuthError(e, 'AUTH_BROWSER_FAILED'));
  });

  it('maps the user cancelling at the provider to AUTH_CANCELLED', async () => {
    const openExternal = async (url: string): Promise<boolean> => {
      const redirectUri = new URL(url).searchParams.get('redirect_uri')!;
      void followAuthorization(url, 'nobody-such', redirectUri).catch(async () => {
        const denied = new URL(redirectUri);
        denied.search = new URLSearchParams({ error: 'access_denied', state: new URL(url).searchParams.get('state')! }).toString();
        await fetch(denied);
      });
      return true;
    };
    await expect(signIn({ ...settings, openExternal, timeoutMs: 10_000 })).rejects.toSatisfy((e) => isAuthError(e, 'AUTH_CANCELLED'));
  });

  it('refuses a plain-http issuer that is not a loopback address', async () => {
    const flow = new OidcFlow({ ...settings, issuer: 'http://idp.example.com' });
    await expect(flow.signIn({ openExternal: async () => true, timeoutMs: 1000 })).rejects.toSatisfy((e) => isAuthError(e, 'AUTH_INSECURE_ISSUER'));
  });
});

describe('refresh, revoke and the token store', () => {
  let flow: OidcFlow;
  let first: TokenSet;

  beforeAll(async () => {
    flow = new OidcFlow(settings);
    first = await flow.signIn({ openExternal: browser('bob').openExternal, timeoutMs: 10_000 });
  });

  it('refreshes through the real token endpoint and keeps the account', async () => {
    const next = await flow.refresh(first);
    expect(next.accessToken).not.toBe(first.accessToken);
    expect(next.account.subject).toBe('bob');
    expect((await b.broker.verifier.verify(next.accessToken)).subject).toBe('bob');
    first = next;
  });

  it('refuses to refresh without a refresh token', async () => {
    await expect(flow.refresh({ ...first, refreshToken: undefined })).rejects.toSatisfy((e) => isAuthError(e, 'AUTH_NO_REFRESH_TOKEN'));
    await expect(flow.refresh({ ...first, refreshToken: 'not-a-real-token' })).rejects.toSatisfy((e) => isAuthError(e, 'AUTH_NO_REFRESH_TOKEN'));
  });

  it('refreshes a token about to expire once for concurrent callers, then clears on sign-out', async () => {
    const store = new TokenStore(new MemorySecrets());
    await store.save({ ...first, expiresAt: Date.now() + 10_000 });
    let calls = 0;
    const refresher = (t: TokenSet): Promise<TokenSet> => {
      calls++;
      return flow.refresh(t);
    };
    const results = await Promise.all([store.freshToken(refresher), store.freshToken(refresher), store.freshToken(refresher)]);
    expect(calls).toBe(1);
    expect(new Set(results).size).toBe(1);
    expect(results[0]).not.toBe(first.accessToken);
    expect((await b.broker.verifier.verify(results[0]!)).subject).toBe('bob');
    expect(await store.freshToken(refresher)).toBe(results[0]);
    expect(calls).toBe(1);

    const current = (await store.current())!;
    expect(await flow.revoke(current)).toBe(false); // the dev provider has no revocation endpoint
    await store.clear();
    expect(await store.current()).toBeUndefined();
    expect(await store.freshToken(refresher)).toBeUndefined();
  });
});
