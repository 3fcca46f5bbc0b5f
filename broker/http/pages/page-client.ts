/**
 * The approval page as an OAuth client: its redirect URI, and how the development identity
 * provider registers it. `startBroker` starts the dev provider before the HTTP side listens, so
 * with `listen.http.port: 0` the real port is not known yet (publicUrl then ends in `:0`). A
 * loopback `http:` redirect URI makes oidc-provider treat the client as native (RFC 8252 §7.3),
 * and a native client may come back on any loopback port, so registering `<publicUrl>/auth/callback`
 * as it stands is enough: the page later sends the URI with the real port.
 */
import type { AddressInfo } from 'node:net';
import type { AirlockConfig } from '../../config/types.js';

export const CALLBACK_PATH = '/auth/callback';

/** The page's public client, for `startDevProvider(cfg, { extraClients: [...] })`. */
export function approvalPageClient(config: AirlockConfig): { clientId: string; redirectUris: string[] } {
  return { clientId: config.approvals.page.clientId, redirectUris: [`${config.publicUrl}${CALLBACK_PATH}`] };
}

/**
 * `publicUrl` with a real port: the configured value, except that a derived `…:0` (listening on
 * port 0, as tests do) takes the port the server actually got.
 */
export function effectivePublicUrl(configured: string, address: string | AddressInfo | null): string {
  const url = new URL(configured);
  if (url.port !== '0' || address === null || typeof address === 'string') return configured;
  url.port = String(address.port);
  return url.href.replace(/\/+$/, '');
}
