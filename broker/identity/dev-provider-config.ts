/**
 * The oidc-provider configuration of the development identity provider.
 *
 * - Public clients: authorization code + PKCE (S256, required), no client secret.
 * - Service accounts: client credentials with `client_secret_basic`.
 * - Access tokens are JWTs for one resource server whose audience is `cfg.audience`; they carry
 *   `groups` (and for users `email`/`name`) through `extraTokenClaims`.
 * - ID tokens carry `email`, `name` and `groups` (`conformIdTokenClaims: false`).
 * Every default function oidc-provider would announce on the console ("you SHOULD change…")
 * is replaced.
 */
import { randomBytes } from 'node:crypto';
import type { Adapter, Configuration, IssuedToken } from 'oidc-provider';
import type { DevProviderConfig, DevServiceAccount, DevUser } from '../config/types.js';
import type { DevSigningKey } from './dev-keys.js';
import { parseUrl } from './urls.js';

export interface ProviderConfigInput {
  readonly cfg: DevProviderConfig;
  readonly key: DevSigningKey;
  readonly resourceIndicator: string;
  readonly adapter: (model: string) => Adapter;
  /** oidc-provider's `errors.InvalidTarget`. */
  readonly invalidTarget: new (description?: string) => Error;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * The resource indicator (RFC 8707) standing for the broker. oidc-provider requires an absolute
 * URI; the token's `aud` is `cfg.audience` either way.
 */
export function resourceIndicatorFor(audience: string): string {
  return parseUrl(audience) !== undefined && !audience.includes('#') ? audience : `urn:airlock:audience:${encodeURIComponent(audience)}`;
}

/**
 * Loopback-http and custom-scheme redirect URIs make a native client (RFC 8252), which may use any
 * loopback port at run time (the editor extension listens on an ephemeral one).
 */
function applicationType(redirectUris: readonly string[]): 'native' | 'web' {
  const native = redirectUris.every((uri) => {
    const u = parseUrl(uri);
    if (u === undefined) return false;
    if (u.protocol === 'http:') return LOOPBACK_HOSTS.has(u.hostname);
    return u.protocol !== 'https:';
  });
  return redirectUris.length > 0 && native ? 'native' : 'web';
}

function userClaims(user: DevUser): Record<string, unknown> {
  return { sub: user.name, email: user.email, email_verified: true, name: user.name, groups: [...user.groups] };
}

interface CorsClient {
  readonly clientAuthMethod?: string;
  readonly redirectUris?: readonly string[];
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;

export function buildProviderConfiguration(input: ProviderConfigInput): Configuration {
  const { cfg, key, resourceIndicator, adapter, invalidTarget } = input;
  const users = new Map<string, DevUser>(cfg.users.map((u) => [u.name, u]));
  const services = new Map<string, DevServiceAccount>(cfg.serviceAccounts.map((s) => [s.clientId, s]));
  const ttl = cfg.tokenTtlSeconds;

  const clients = [
    ...cfg.clients.map((c) => ({
      client_id: c.clientId,
      application_type: applicationType(c.redirectUris),
      redirect_uris: [...c.redirectUris],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    })),
    ...cfg.serviceAccounts.map((s) => ({
      client_id: s.clientId,
      client_secret: s.secret.reveal(),
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    })),
  ];

  return {
    adapter,
    clients,
    jwks: { keys: [key.privateJwk] },
    cookies: {
      keys: [randomBytes(32).toString('base64url')],
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    claims: {
      openid: ['sub', 'groups'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups'],
    },
    scopes: ['openid', 'offline_access'],
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    clientBasedCORS: (_ctx: unknown, origin: string, client: CorsClient) =>
      origin !== 'null' &&
      client.clientAuthMethod === 'none' &&
      (client.redirectUris ?? []).some((uri) => parseUrl(uri)?.origin === origin),
    async findAccount(_ctx: unknown, sub: string) {
      const user = users.get(sub);
      if (user === undefined) return undefined;
      return { accountId: user.name, claims: async () => userClaims(user) };
    },
    async extraTokenClaims(_ctx: unknown, token: IssuedToken) {
      if (token.kind === 'ClientCredentials' && token.clientId !== undefined) {
        const service = services.get(token.clientId);
        return service === undefined ? undefined : { groups: [...service.groups] };
      }
      const user = token.accountId !== undefined ? users.get(token.accountId) : undefined;
      return user === undefined ? undefined : { email: user.email, name: user.name, groups: [...user.groups] };
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      rpInitiatedLogout: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => resourceIndicator,
        useGrantedResource: async () => true,
        async getResourceServerInfo(_ctx: unknown, indicator: string) {
          if (indicator !== resourceIndicator) throw new invalidTarget();
          return {
            scope: 'airlock',
            audience: cfg.audience,
            accessTokenTTL: ttl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: key.alg } },
          };
        },
      },
    },
    ttl: {
      AccessToken: ttl,
      ClientCredentials: ttl,
      IdToken: ttl,
      AuthorizationCode: MINUTE,
      Interaction: 10 * MINUTE,
      Session: 8 * HOUR,
      Grant: 8 * HOUR,
      RefreshToken: 24 * HOUR,
      DeviceCode: 10 * MINUTE,
      BackchannelAuthenticationRequest: 10 * MINUTE,
      PreAuthorizedCode: 10 * MINUTE,
    },
    async renderError(ctx: { type: string; body: unknown }, out: Record<string, unknown>) {
      ctx.type = 'html';
      const esc = (v: unknown): string => String(v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
      ctx.body =
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign-in error</title></head><body>' +
        `<h1>Sign-in error</h1>${Object.entries(out).map(([k, v]) => `<p><strong>${esc(k)}</strong>: ${esc(v)}</p>`).join('')}` +
        '</body></html>';
    },
  };
}
