/**
 * Reviewer sign-in with OpenID Connect: authorization code flow (RFC 6749 §4.1) with PKCE S256
 * (RFC 7636), `state` against login CSRF (RFC 6749 §10.12), `nonce` bound into the ID token,
 * and an RFC 8707 `resource` so the access token is issued for the broker. The page never uses
 * the ID token to decide anything: the ACCESS token goes through `deps.verifier`, the same
 * verification every API and PostgreSQL client gets, and the resulting Principal is the reviewer.
 */
import * as client from 'openid-client';
import type { Secret } from '../../config/types.js';
import { resourceIndicatorFor } from '../../identity/dev-provider-config.js';
import type { AppDeps } from '../build-app.js';
import type { LoginFlow } from './session-store.js';

export interface SignInSettings {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret?: Secret | undefined;
  readonly scopes: string;
  readonly resource?: string | undefined;
}

/** A sign-in problem with a message fit for the reviewer's screen. */
export class SignInError extends Error {
  constructor(message: string, readonly status: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SignInError';
  }
}

/**
 * `approvals.page.issuer` if configured; else the development provider when it runs, asking for
 * its audience as the resource. Undefined: nobody can sign in to the page.
 */
export function signInSettings(deps: AppDeps): SignInSettings | undefined {
  const page = deps.config.approvals.page;
  const dev = deps.devProvider;
  const devAudience = deps.config.identity.devProvider?.audience;
  const issuer = page.issuer ?? dev?.issuer;
  if (issuer === undefined) return undefined;
  const devIsIssuer = dev !== undefined && issuer === dev.issuer;
  const resource = page.resource ?? (devIsIssuer && devAudience !== undefined ? resourceIndicatorFor(devAudience) : undefined);
  return { issuer, clientId: page.clientId, clientSecret: page.clientSecret, scopes: page.scopes, resource };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export class OidcSignIn {
  private config: Promise<client.Configuration> | undefined;

  constructor(
    private readonly settings: SignInSettings,
    /** `<publicUrl>/auth/callback`, resolved per request (the port may be known only after listen). */
    private readonly redirectUri: () => string,
  ) {}

  /** Discovery, cached once it succeeds. */
  private configuration(): Promise<client.Configuration> {
    this.config ??= this.discover().catch((cause: unknown) => {
      this.config = undefined;
      throw new SignInError('The sign-in provider could not be reached. Try again in a moment.', 502, { cause });
    });
    return this.config;
  }

  private async discover(): Promise<client.Configuration> {
    const issuer = new URL(this.settings.issuer);
    // Plain http is allowed ONLY for a loopback issuer — in practice the embedded development
    // provider on 127.0.0.1. A remote issuer must use https (its responses carry the tokens).
    const insecureLoopback = issuer.protocol === 'http:' && LOOPBACK.has(issuer.hostname);
    if (issuer.protocol !== 'https:' && !insecureLoopback) {
      throw new SignInError('The configured sign-in issuer does not use https.', 500);
    }
    const secret = this.settings.clientSecret?.reveal();
    const auth = secret === undefined ? client.None() : client.ClientSecretBasic(secret);
    return client.discovery(issuer, this.settings.clientId, undefined, auth, insecureLoopback ? { execute: [client.allowInsecureRequests] } : undefined);
  }

  /** Where to send the browser to sign in. */
  async authorizationUrl(flow: Pick<LoginFlow, 'state' | 'nonce' | 'codeVerifier'>): Promise<URL> {
    const config = await this.configuration();
    const params: Record<string, string> = {
      redirect_uri: this.redirectUri(),
      scope: this.settings.scopes,
      code_challenge: await client.calculatePKCECodeChallenge(flow.codeVerifier),
      code_challenge_method: 'S256',
      state: flow.state,
      nonce: flow.nonce,
    };
    if (this.settings.resource !== undefined) params['resource'] = this.settings.resource;
    return client.buildAuthorizationUrl(config, params);
  }

  /**
   * Exchanges the code from the callback's query string for tokens and returns the access
   * token. openid-client checks `state`, the issuer (`iss`, RFC 9207), the PKCE verifier, and
   * the ID token's signature-independent claims including `nonce`.
   */
  async exchange(query: string, flow: LoginFlow): Promise<string> {
    const config = await this.configuration();
    const current = new URL(this.redirectUri());
    current.search = query;
    const extra: Record<string, string> = {};
    if (this.settings.resource !== undefined) extra['resource'] = this.settings.resource;
    try {
      const tokens = await client.authorizationCodeGrant(
        config,
        current,
        { pkceCodeVerifier: flow.codeVerifier, expectedState: flow.state, expectedNonce: flow.nonce, idTokenExpected: true },
        extra,
      );
      return tokens.access_token;
    } catch (cause) {
      throw new SignInError('The sign-in could not be completed. Please sign in again.', 400, { cause });
    }
  }
}

export const newPkceVerifier = (): string => client.randomPKCECodeVerifier();
export const newState = (): string => client.randomState();
export const newNonce = (): string => client.randomNonce();
