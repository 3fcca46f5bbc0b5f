/**
 * The embedded development identity provider: a real OpenID Provider (oidc-provider) with
 * demo users, public PKCE clients and service accounts from the configuration, for the demo
 * setup and for tests. Never for production: state lives in memory and keys change per start.
 */
import * as nodeCrypto from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DevProviderConfig, IssuerConfig } from '../config/types.js';
import { AirlockError } from '../errors/airlock-error.js';
import { createDevAdapter } from './dev-adapter.js';
import { handleInteraction, interactionUid } from './dev-interactions.js';
import { DEV_SIGNING_ALG, generateSigningKey } from './dev-keys.js';
import { mintDevToken, type MintOptions } from './dev-mint.js';
import { buildProviderConfiguration, resourceIndicatorFor } from './dev-provider-config.js';

export type { MintOptions } from './dev-mint.js';

export interface DevProvider {
  /** Issuer identifier, e.g. `http://127.0.0.1:PORT` (the real port when started on port 0). */
  readonly issuer: string;
  /** A JWT access token for `user` (configured or, with explicit groups, any name). */
  mintToken(user: string, opts?: MintOptions): Promise<string>;
  close(): Promise<void>;
  /** An issuer configuration that trusts this provider: access tokens and the clients' ID tokens. */
  issuerConfig(): IssuerConfig;
}

export interface DevProviderOptions {
  /** Issuer URL to announce instead of `http://<host>:<port>` (e.g. behind a proxy). */
  readonly issuerUrl?: string;
  /** Told about errors inside the provider (500s); they are otherwise silent. */
  readonly onError?: (err: unknown) => void;
  /**
   * Public PKCE clients other parts of the broker need (the approval page), registered in addition
   * to `cfg.clients` unless the configuration already has that client id. They are not added to
   * `issuerConfig().audience`: the broker verifies their access tokens, never their ID tokens.
   */
  readonly extraClients?: DevProviderConfig['clients'];
}

type OidcProviderModule = typeof import('oidc-provider');
let loading: Promise<OidcProviderModule> | undefined;

/**
 * oidc-provider v9 prints "Unsupported runtime. Use Node.js v22.x LTS…" when imported on Node 20.
 * It runs fine on Node ≥ 20.18 (it needs `crypto.hash` and `URL.parse`), so that one line is
 * filtered while the module loads; anything else it prints passes through.
 */
function loadOidcProvider(): Promise<OidcProviderModule> {
  loading ??= (async () => {
    const original = console.warn;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING: Unsupported runtime')) return;
      original.apply(console, args);
    };
    try {
      return await import('oidc-provider');
    } finally {
      console.warn = original;
    }
  })();
  return loading;
}

/** Host part of the issuer URL for a listen address. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(new AirlockError('BRK_ERR_INTERNAL', `dev identity provider cannot listen on ${host}:${port}`, { cause: err }));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** oidc-provider v9 calls `crypto.hash` (Node ≥ 20.12) and `URL.parse` (Node ≥ 20.18). */
function assertRuntime(): void {
  const hasHash = typeof (nodeCrypto as { hash?: unknown }).hash === 'function';
  const hasUrlParse = typeof (URL as { parse?: unknown }).parse === 'function';
  if (!hasHash || !hasUrlParse) {
    throw new AirlockError('BRK_ERR_CONFIG_INVALID', `the development identity provider needs Node.js 20.18 or later (this is ${process.version})`);
  }
}

export async function startDevProvider(cfg: DevProviderConfig, opts: DevProviderOptions = {}): Promise<DevProvider> {
  if (!cfg.enabled) throw new AirlockError('BRK_ERR_DEV_PROVIDER_OFF');
  assertRuntime();
  const [{ Provider, errors }, key] = await Promise.all([loadOidcProvider(), generateSigningKey()]);

  // The issuer must name the real port, so listen first and build the provider afterwards.
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => {
    if (handler === undefined) {
      res.statusCode = 503;
      res.end();
      return;
    }
    handler(req, res);
  });
  await listen(server, cfg.port, cfg.host);
  const { port } = server.address() as AddressInfo;
  const issuer = opts.issuerUrl ?? `http://${urlHost(cfg.host)}:${port}`;

  const taken = new Set([...cfg.clients.map((c) => c.clientId), ...cfg.serviceAccounts.map((s) => s.clientId)]);
  const clients = [...cfg.clients, ...(opts.extraClients ?? []).filter((c) => !taken.has(c.clientId))];

  let provider: InstanceType<OidcProviderModule['Provider']>;
  try {
    provider = new Provider(
      issuer,
      buildProviderConfiguration({
        cfg: { ...cfg, clients },
        key,
        resourceIndicator: resourceIndicatorFor(cfg.audience),
        adapter: createDevAdapter(),
        invalidTarget: errors.InvalidTarget,
      }),
    );
  } catch (cause) {
    await closeServer(server);
    throw new AirlockError('BRK_ERR_CONFIG_INVALID', 'the development identity provider configuration was refused', { cause });
  }
  provider.silent = true;
  provider.on('server_error', (_ctx: unknown, err: unknown) => opts.onError?.(err));
  const oidc = provider.callback();
  const active = provider;

  handler = (req, res) => {
    const uid = interactionUid(req.url);
    if (uid === undefined) {
      oidc(req, res);
      return;
    }
    handleInteraction(active, cfg.users, uid, req, res).catch((err: unknown) => {
      opts.onError?.(err);
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  };

  let closed: Promise<void> | undefined;
  return {
    issuer,
    mintToken: (user, mintOpts) => mintDevToken({ issuer, cfg, key }, user, mintOpts),
    close: () => (closed ??= closeServer(server)),
    issuerConfig: () => ({
      name: 'dev',
      issuer,
      audience: [cfg.audience, ...cfg.clients.map((c) => c.clientId)],
      algorithms: [DEV_SIGNING_ALG],
      claims: { groups: 'groups', email: 'email', name: 'name' },
      principalKind: 'human',
      clockToleranceSeconds: 30,
    }),
  };
}
