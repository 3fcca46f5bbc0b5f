/**
 * Test helpers around the embedded development identity provider: start it on port 0 with
 * demo users, a public PKCE client and a service account, and complete the authorization-code
 * flow headlessly (plain HTTP requests, manual redirects, a tiny cookie jar).
 */
import type { DevProviderConfig, Secret } from '../../broker/config/types.js';
import { startDevProvider, type DevProvider } from '../../broker/identity/dev-provider.js';

export function testSecret(value: string): Secret {
  return { reveal: () => value, toString: () => '[secret]', toJSON: () => '[secret]' };
}

export const TEST_CLIENT_ID = 'airlock-editor';
export const TEST_REDIRECT_URI = 'http://127.0.0.1:53682/callback';
export const TEST_SERVICE_ID = 'ci-deployer';
export const TEST_SERVICE_SECRET = 'ci-deployer-secret-for-tests-only';
export const TEST_AUDIENCE = 'airlock-broker';

export function devProviderConfig(overrides: Partial<DevProviderConfig> = {}): DevProviderConfig {
  return {
    enabled: true,
    host: '127.0.0.1',
    port: 0,
    users: [
      { name: 'alice', email: 'alice@example.test', groups: ['engineering', 'dba'] },
      { name: 'bob', email: 'bob@example.test', groups: ['support'] },
    ],
    serviceAccounts: [{ clientId: TEST_SERVICE_ID, secret: testSecret(TEST_SERVICE_SECRET), groups: ['ci', 'deployers'] }],
    clients: [{ clientId: TEST_CLIENT_ID, redirectUris: [TEST_REDIRECT_URI] }],
    audience: TEST_AUDIENCE,
    tokenTtlSeconds: 900,
    ...overrides,
  };
}

/** Starts a dev provider on 127.0.0.1, port 0. Remember to `close()` it. */
export function startTestDevProvider(overrides: Partial<DevProviderConfig> = {}): Promise<DevProvider> {
  return startDevProvider(devProviderConfig(overrides));
}

/** Cookie jar good enough for one provider: name → value, paths and expiry ignored. */
class CookieJar {
  readonly #cookies = new Map<string, string>();

  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/**
 * Follows an authorization request through the dev provider's interaction pages as `user`,
 * and returns the URL the provider finally redirects to (the client's redirect URI with
 * `code` and `state`, or `error`).
 */
export async function followAuthorization(authorizationUrl: URL | string, user: string, redirectUri = TEST_REDIRECT_URI): Promise<URL> {
  const jar = new CookieJar();
  let url = new URL(authorizationUrl);
  let method: 'GET' | 'POST' = 'GET';
  let body: string | undefined;
  for (let hop = 0; hop < 20; hop++) {
    if (url.href.startsWith(redirectUri)) return url;
    const res = await fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        cookie: jar.header(),
        accept: 'text/html',
        ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(body !== undefined ? { body } : {}),
    });
    jar.store(res);
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location !== null) {
      await res.arrayBuffer();
      url = new URL(location, url);
      method = 'GET';
      body = undefined;
      continue;
    }
    const html = await res.text();
    if (res.status === 200 && /^\/interaction\//.test(url.pathname) && method === 'GET') {
      if (!html.includes(`value="${user}"`)) throw new Error(`login page does not offer user ${user}`);
      method = 'POST';
      body = new URLSearchParams({ user }).toString();
      continue;
    }
    throw new Error(`unexpected response ${res.status} at ${url.pathname}: ${html.slice(0, 300)}`);
  }
  throw new Error('too many redirects');
}
