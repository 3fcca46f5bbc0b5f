/**
 * Who is signed in, and a fresh access token for the broker. Sign-in runs the OIDC flow in the
 * browser (extension/auth); tokens live in SecretStorage and are refreshed before they expire,
 * so open connections (which ask for a token per new socket) keep working.
 */
import * as vscode from 'vscode';
import { OidcFlow, type TokenSet } from '../auth/oidc-flow.js';
import { TokenStore } from '../auth/token-store.js';
import type { BrokerClient } from '../broker-client/broker-client.js';
import { settings } from '../config/settings.js';

export class AirlockSession implements vscode.Disposable {
  private readonly store: TokenStore;
  private flow: OidcFlow | undefined;
  private readonly changed = new vscode.EventEmitter<TokenSet | undefined>();
  readonly onDidChange = this.changed.event;

  constructor(secrets: vscode.SecretStorage, private readonly broker: () => BrokerClient) {
    this.store = new TokenStore(secrets);
  }

  async current(): Promise<TokenSet | undefined> {
    return this.store.current();
  }

  /** A token valid for at least a minute, refreshed if needed; undefined when signed out. */
  async token(): Promise<string | undefined> {
    if (!(await this.store.current())) return undefined;
    return this.store.freshToken(async (t) => (await this.oidc()).refresh(t));
  }

  /** The OIDC client for the issuer the broker names (discovered once). */
  private async oidc(): Promise<OidcFlow> {
    if (!this.flow) {
      const info = await this.broker().info();
      if (!info.signIn) throw new Error('This broker does not say where to sign in (approvals.page.issuer, or the development provider).');
      this.flow = new OidcFlow({
        issuer: info.signIn.issuer,
        clientId: settings().clientId,
        // offline_access: a refresh token, so open connections outlive the access token.
        scopes: info.signIn.scopes.split(/\s+/).includes('offline_access') ? info.signIn.scopes : `${info.signIn.scopes} offline_access`,
        ...(info.signIn.resource ? { resource: info.signIn.resource } : {}),
      });
    }
    return this.flow;
  }

  async signIn(): Promise<TokenSet> {
    this.flow = undefined; // the broker or the settings may have changed since the last sign-in
    const flow = await this.oidc();
    const cfg = settings();
    const tokens = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Airlock: signing in in your browser…', cancellable: true },
      (_p, cancel) => {
        const abort = new AbortController();
        cancel.onCancellationRequested(() => abort.abort());
        return flow.signIn({
          openExternal: (url) => Promise.resolve(vscode.env.openExternal(vscode.Uri.parse(url))),
          // On a remote host the editor forwards the listener's port to the user's machine.
          externalRedirect: (uri) => Promise.resolve(vscode.env.asExternalUri(vscode.Uri.parse(uri))).then((u) => u.toString(true)),
          timeoutMs: cfg.signInTimeoutSeconds * 1000,
          signal: abort.signal,
        });
      },
    );
    await this.store.save(tokens);
    this.changed.fire(tokens);
    return tokens;
  }

  async signOut(): Promise<void> {
    const t = await this.store.current();
    await this.store.clear();
    if (t) await this.oidc().then((f) => f.revoke(t)).catch(() => false);
    this.changed.fire(undefined);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
