/**
 * The Airlock panel in the editor: a webview (webview/) fed from the broker's events stream.
 * The host keeps the panel state itself (the same pure reducer the webview uses), so reopening
 * the panel shows everything; messages from the webview are validated, and URLs are only ever
 * taken from the host's own state, never from the webview.
 */
import * as vscode from 'vscode';
import type { AirlockEvent, ApprovalRequest } from '../../broker/approvals/types.js';
import { newNonce, panelHtml } from './panel-html.js';
import {
  AccountNotification,
  DecideCompletion,
  emptyState,
  EventNotification,
  isWebviewMessage,
  message,
  reduce,
  StateNotification,
  withAccount,
  type PanelAccount,
  type PanelState,
} from './protocol.js';

export class PanelHost implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private state: PanelState = emptyState();
  private account: PanelAccount | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly decide: (id: string, verdict: 'approve' | 'deny', comment: string) => Promise<void>,
  ) {}

  setAccount(account: PanelAccount | undefined): void {
    this.account = account;
    this.state = account ? withAccount(this.state, account) : emptyState();
    void this.panel?.webview.postMessage(message(AccountNotification, { account: account ?? null }));
  }

  /** Requests already pending when the events stream (re)connects. */
  seed(pending: readonly ApprovalRequest[]): void {
    for (const approval of pending) this.apply({ type: 'approval.requested', at: approval.createdAt, approval });
  }

  apply(event: AirlockEvent): void {
    this.state = reduce(this.state, event, this.account);
    void this.panel?.webview.postMessage(message(EventNotification, { event }));
  }

  show(): void {
    if (this.panel) return this.panel.reveal();
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    const panel = vscode.window.createWebviewPanel('airlock.panel', 'Airlock', vscode.ViewColumn.Beside, {
      enableScripts: true,
      localResourceRoots: [dist],
    });
    this.panel = panel;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'airlock.svg');
    panel.webview.html = panelHtml({
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      cspSource: panel.webview.cspSource,
      nonce: newNonce(),
    });
    panel.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m));
    panel.onDidDispose(() => (this.panel = undefined));
  }

  private async onMessage(m: unknown): Promise<void> {
    if (!isWebviewMessage(m) || !this.panel) return;
    const webview = this.panel.webview;
    switch (m.method) {
      case 'ready':
        await webview.postMessage(message(StateNotification, { state: this.state }));
        return;
      case 'command/openApproval': {
        const url = this.find(m.params.id)?.url;
        if (url) await vscode.env.openExternal(vscode.Uri.parse(url));
        return;
      }
      case 'command/decide': {
        const { id, verdict, comment } = m.params;
        try {
          await this.decide(id, verdict, comment);
          await webview.postMessage(message(DecideCompletion, { id, ok: true }));
        } catch (e) {
          await webview.postMessage(message(DecideCompletion, { id, ok: false, message: (e as Error).message }));
        }
        return;
      }
    }
  }

  private find(id: string): ApprovalRequest | undefined {
    return [...this.state.waiting, ...this.state.inbox].find((a) => a.id === id);
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
