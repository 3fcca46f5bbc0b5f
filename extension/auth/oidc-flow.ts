/**
 * Sign-in with OpenID Connect for a native app: authorization code flow (RFC 6749 §4.1) with PKCE
 * S256 (RFC 7636), a loopback redirect (RFC 8252 §7.3), `state` against CSRF (RFC 6749 §10.12),
 * a `nonce` bound into the ID token, and an optional RFC 8707 `resource` so the access token is
 * issued for the broker. openid-client does discovery, PKCE and the token exchange; this module
 * only wires the browser, the loopback listener and the result shape. It does not import `vscode`.
 */
import * as client from 'openid-client';
import { AuthError, type AuthErrorCode } from './auth-error.js';
import { startLoopback } from './loopback-server.js';

export interface TokenSet {
  readonly accessToken: string;
  readonly idToken?: string | undefined;
  readonly refreshToken?: string | undefined;
  /** When the access token expires, milliseconds since the epoch. */
  readonly expiresAt: number;
  /** Who signed in, from the ID token's claims. */
  readonly account: { readonly subject: string; readonly name?: string | undefined; readonly email?: string | undefined };
}

export interface OidcSettings {
  /** Issuer URL; must be https unless it is a loopback (`127.0.0.1`, `localhost`, `[::1]`) address. */
  readonly issuer: string;
  /** A public client (no secret) registered with loopback redirect URIs. */
  readonly clientId: string;
  /** Space-separated; `openid` is required for the account. Add `offline_access` for a refresh token. */
  readonly scopes: string;
  /** RFC 8707 resource indicator naming the broker. */
  readonly resource?: string | undefined;
  /** Replaces the global fetch for every request to the issuer (tests, proxies). */
  readonly fetch?: typeof globalThis.fetch | undefined;
}

export interface InteractiveOptions {
  /** Opens the authorization URL in the user's browser; false when it could not. */
  readonly openExternal: (url: string) => Promise<boolean>;
  /**
   * Where the browser can reach the loopback listener, when that is not where it listens: on a
   * remote host (SSH, containers) the editor forwards the port to the user's machine
   * (`vscode.env.asExternalUri`). Used only when the answer is itself a loopback URL with the same
   * path (RFC 8252 §7.3 allows any port); anything else — a web editor's proxy URL, say — would be
   * refused by the identity provider, so the listener's own address is kept.
   */
  readonly externalRedirect?: ((loopbackUri: string) => Promise<string>) | undefined;
  /** How long to wait for the browser to come back. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
}

export type SignInOptions = OidcSettings & InteractiveOptions;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** When the issuer sends no `expires_in` and the token is opaque: assume a short life. */
const DEFAULT_LIFETIME_MS = 5 * 60_000;
const AUTH_DENIED_PREFIX = 'The identity provider refused the sign-in: ';

/** The redirect URI to register: the forwarded one when it is a loopback URL with the same path. */
export async function chooseRedirect(loopbackUri: string, external: InteractiveOptions['externalRedirect']): Promise<string> {
  if (!external) return loopbackUri;
  let mapped: URL;
  try {
    mapped = new URL(await external(loopbackUri));
  } catch {
    return loopbackUri;
  }
  const own = new URL(loopbackUri);
  if (mapped.protocol !== 'http:' || !LOOPBACK_HOSTS.has(mapped.hostname) || mapped.pathname !== own.pathname || mapped.search !== '' || mapped.hash !== '') return loopbackUri;
  // RFC 8252 §7.3/§8.3: providers let the port vary for the IP literal, not for "localhost".
  if (mapped.hostname === 'localhost') mapped.hostname = '127.0.0.1';
  return mapped.href;
}

/** Signs in once: discovery, browser, loopback callback, code exchange. */
export function signIn(opts: SignInOptions): Promise<TokenSet> {
  return new OidcFlow(opts).signIn(opts);
}

/** The flows against one issuer and client; discovery is done once and cached. */
export class OidcFlow {
  #config: Promise<client.Configuration> | undefined;

  constructor(private readonly settings: OidcSettings) {}

  async signIn(opts: InteractiveOptions): Promise<TokenSet> {
    if (opts.signal?.aborted) throw new AuthError('AUTH_CANCELLED');
    const config = await this.configuration();
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const loopback = await startLoopback({ timeoutMs: opts.timeoutMs, signal: opts.signal, expectedState: state });
    try {
      const redirectUri = await chooseRedirect(loopback.redirectUri, opts.externalRedirect);
      const params: Record<string, string> = {
        redirect_uri: redirectUri,
        scope: this.settings.scopes,
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      };
      // OpenID Connect Core §11: offline_access is only honoured together with prompt=consent.
      if (this.settings.scopes.split(' ').includes('offline_access')) params['prompt'] = 'consent';
      if (this.settings.resource !== undefined) params['resource'] = this.settings.resource;
      const url = client.buildAuthorizationUrl(config, params);
      const opened = await opts.openExternal(url.href).catch((cause: unknown) => {
        throw new AuthError('AUTH_BROWSER_FAILED', undefined, { cause });
      });
      if (!opened) throw new AuthError('AUTH_BROWSER_FAILED');
      const callback = await loopback.result;
      // The token request names the redirect URI the authorization request used (RFC 6749 §4.1.3).
      const answered = new URL(redirectUri);
      answered.search = callback.search;
      return await this.exchange(config, answered, { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce });
    } finally {
      await loopback.close();
    }
  }

  /** New tokens from the refresh token (RFC 6749 §6); keeps the old refresh token unless rotated. */
  async refresh(tokens: TokenSet): Promise<TokenSet> {
    if (tokens.refreshToken === undefined) throw new AuthError('AUTH_NO_REFRESH_TOKEN');
    const config = await this.configuration();
    let response: Awaited<ReturnType<typeof client.refreshTokenGrant>>;
    try {
      response = await client.refreshTokenGrant(config, tokens.refreshToken, this.resourceParam());
    } catch (cause) {
      // invalid_grant: the refresh token is expired or revoked — only a new sign-in helps.
      const code: AuthErrorCode = oauthError(cause) === 'invalid_grant' ? 'AUTH_NO_REFRESH_TOKEN' : 'AUTH_REFRESH_FAILED';
      throw new AuthError(code, undefined, { cause });
    }
    return toTokenSet(response, tokens);
  }

  /**
   * Best-effort revocation (RFC 7009) of the refresh token, else the access token. Returns false
   * when the issuer has no revocation endpoint or the request failed; sign-out proceeds anyway.
   */
  async revoke(tokens: TokenSet): Promise<boolean> {
    try {
      const config = await this.configuration();
      if (config.serverMetadata().revocation_endpoint === undefined) return false;
      const [token, hint] = tokens.refreshToken !== undefined ? [tokens.refreshToken, 'refresh_token'] : [tokens.accessToken, 'access_token'];
      await client.tokenRevocation(config, token, { token_type_hint: hint });
      return true;
    } catch {
      return false;
    }
  }

  private resourceParam(): Record<string, string> {
    return this.settings.resource !== undefined ? { resource: this.settings.resource } : {};
  }

  private async exchange(config: client.Configuration, callback: URL, checks: client.AuthorizationCodeGrantChecks): Promise<TokenSet> {
    const error = callback.searchParams.get('error');
    if (error !== null) {
      const code: AuthErrorCode = error === 'access_denied' ? 'AUTH_CANCELLED' : 'AUTH_DENIED';
      throw new AuthError(code, `${AUTH_DENIED_PREFIX}${callback.searchParams.get('error_description') ?? error}`);
    }
    try {
      const response = await client.authorizationCodeGrant(config, callback, { ...checks, idTokenExpected: true }, this.resourceParam());
      return toTokenSet(response, undefined);
    } catch (cause) {
      if (cause instanceof AuthError) throw cause;
      throw new AuthError('AUTH_EXCHANGE_FAILED', undefined, { cause });
    }
  }

  /** Discovery, cached once it succeeds. */
  private configuration(): Promise<client.Configuration> {
    this.#config ??= this.discover().catch((err: unknown) => {
      this.#config = undefined;
      throw err;
    });
    return this.#config;
  }

  private async discover(): Promise<client.Configuration> {
    const issuer = new URL(this.settings.issuer);
    // DANGER ZONE opt-out, deliberately narrow: plain http is allowed ONLY for a loopback issuer
    // (the broker's embedded development provider on 127.0.0.1), where the traffic never leaves
    // the machine. Any other issuer must use https because its responses carry the tokens.
    const insecureLoopback = issuer.protocol === 'http:' && LOOPBACK_HOSTS.has(issuer.hostname);
    if (issuer.protocol !== 'https:' && !insecureLoopback) throw new AuthError('AUTH_INSECURE_ISSUER');
    const options: client.DiscoveryRequestOptions = {};
    if (insecureLoopback) options.execute = [client.allowInsecureRequests];
    if (this.settings.fetch !== undefined) options[client.customFetch] = this.settings.fetch as client.CustomFetch;
    let config: client.Configuration;
    try {
      config = await client.discovery(issuer, this.settings.clientId, undefined, client.None(), options);
    } catch (cause) {
      throw new AuthError('AUTH_DISCOVERY_FAILED', undefined, { cause });
    }
    return config; // discovery copies the custom fetch onto the configuration
  }
}

function oauthError(err: unknown): string | undefined {
  return err instanceof client.ResponseBodyError ? err.error : undefined;
}

type TokenResponse = client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;

/** Maps a token response; on refresh, `previous` supplies what the response may omit. */
function toTokenSet(response: TokenResponse, previous: TokenSet | undefined): TokenSet {
  const claims = response.claims();
  if (claims === undefined && previous === undefined) throw new AuthError('AUTH_NO_ID_TOKEN');
  const account =
    claims !== undefined
      ? { subject: claims.sub, name: stringClaim(claims['name']), email: stringClaim(claims['email']) }
      : previous!.account;
  const expiresIn = response.expiresIn();
  return {
    accessToken: response.access_token,
    idToken: response.id_token ?? previous?.idToken,
    refreshToken: response.refresh_token ?? previous?.refreshToken,
    expiresAt: expiresIn !== undefined ? Date.now() + expiresIn * 1000 : (jwtExpiry(response.access_token) ?? Date.now() + DEFAULT_LIFETIME_MS),
    account,
  };
}

function stringClaim(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** `exp` of a JWT access token, read without verification (only to schedule a refresh). */
function jwtExpiry(token: string): number | undefined {
  try {
    const payload: unknown = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    const exp = (payload as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
