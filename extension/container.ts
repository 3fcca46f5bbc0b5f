/**
 * The composition root: builds the services once, wires commands, views, the status bar and
 * the terminal environment, and owns every disposable. `activate()` only creates it.
 */
import * as vscode from 'vscode';
import type { ConnectionView } from '../broker/http/api.js';
import { BrokerClient } from './broker-client/broker-client.js';
import { settings } from './config/settings.js';
import { ConnectionManager } from './connections/connection-manager.js';
import { AirlockSession } from './session/airlock-session.js';
import { connectionString, terminalVariables } from './terminal/terminal-environment.js';
import { ConnectionsTree } from './views/connections-tree.js';
import { SessionsTree } from './views/sessions-tree.js';
import { EventsClient, eventsUrl, type HelloMessage } from './events/events-client.js';
import { PanelHost } from './panel/panel-host.js';
import type { AirlockEvent } from '../broker/approvals/types.js';
import { directAccess, type ProtectedUpstream } from './terminal/direct-access.js';

export class Container implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly session: AirlockSession;
  private readonly connections: ConnectionManager;
  private readonly tree: ConnectionsTree;
  private readonly sessionsTree = new SessionsTree();
  private readonly status: vscode.StatusBarItem;
  private readonly output = vscode.window.createOutputChannel('Airlock', { log: true });
  private account: string | undefined;
  private subject: string | undefined;
  private upstreams: ProtectedUpstream[] = [];
  private readonly events: EventsClient;
  private readonly panel: PanelHost;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.session = new AirlockSession(context.secrets, () => this.broker());
    this.connections = new ConnectionManager(
      () => settings().brokerUrl,
      async () => {
        const t = await this.session.token();
        if (!t) throw new Error('signed out');
        return t;
      },
      () => this.account ?? 'airlock',
      (name, e) => this.output.info(`${name}: connection ${e.id} ${e.type}${e.type === 'refused' ? `: ${e.message}` : ''}`),
    );
    this.tree = new ConnectionsTree(this.connections);
    this.panel = new PanelHost(context.extensionUri, (id, verdict, comment) => this.broker().decide(id, verdict, comment));
    this.events = new EventsClient({
      url: () => eventsUrl(settings().brokerUrl),
      token: () => this.session.token(),
      onMessage: (m) => this.onBrokerEvent(m),
      onStatus: (s) => this.output.info(`events stream ${s}`),
    });
    this.status = vscode.window.createStatusBarItem('airlock.status', vscode.StatusBarAlignment.Left, 50);
    this.status.name = 'Airlock';
    this.status.command = 'airlock.signIn';
    this.disposables.push(
      this.output,
      this.panel,
      this.session,
      this.tree,
      this.status,
      vscode.window.registerTreeDataProvider('airlock.connections', this.tree),
      vscode.window.registerTreeDataProvider('airlock.sessions', this.sessionsTree),
      this.sessionsTree,
      this.session.onDidChange(() => void this.reload()),
      this.connections.onDidChange(() => this.connectionsChanged()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('airlock')) void this.reload();
      }),
      ...this.commands(),
      { dispose: () => this.events.stop() },
      // Shell integration (stable since 1.93): a command aimed at a protected database directly.
      vscode.window.onDidStartTerminalShellExecution((e) => void this.checkCommand(e.execution.commandLine.value, e.terminal.name)),
    );
    // Nothing secret may survive a reload: the collection is rebuilt from state each time.
    context.environmentVariableCollection.persistent = false;
    void this.reload();
  }

  private commands(): vscode.Disposable[] {
    const reg = (id: string, fn: (...args: never[]) => unknown): vscode.Disposable =>
      vscode.commands.registerCommand(id, async (...args: never[]) => {
        try {
          await fn(...args);
        } catch (e) {
          void vscode.window.showErrorMessage(`Airlock: ${(e as Error).message}`);
        }
      });
    return [
      reg('airlock.signIn', async () => {
        const t = await this.session.signIn();
        void vscode.window.showInformationMessage(`Airlock: signed in as ${t.account.email ?? t.account.name ?? t.account.subject}.`);
      }),
      reg('airlock.signOut', async () => {
        await this.connections.disconnectAll();
        await this.session.signOut();
      }),
      reg('airlock.refresh', () => this.reload()),
      reg('airlock.connect', async (c?: ConnectionView) => {
        const name = c?.name ?? (await this.pickConnection());
        if (!name) return;
        const open = await this.connections.connect(name);
        void vscode.window.showInformationMessage(`Airlock: ${name} is open on 127.0.0.1:${open.port}. New terminals use it; copy the connection string from the Connections view.`);
      }),
      reg('airlock.disconnect', async (c?: ConnectionView) => {
        const name = c?.name ?? this.connections.latest()?.name;
        if (name) await this.connections.disconnect(name);
      }),
      reg('airlock.copyConnectionString', async (c?: ConnectionView) => {
        const open = c ? this.connections.get(c.name) : this.connections.latest();
        if (!open) throw new Error('no open connection');
        await vscode.env.clipboard.writeText(connectionString(open));
      }),
      reg('airlock.openApprovalPage', () => vscode.env.openExternal(vscode.Uri.parse(`${settings().brokerUrl.replace(/\/+$/, '')}/approvals`))),
      reg('airlock.requestAccess', () => vscode.env.openExternal(vscode.Uri.parse(`${settings().brokerUrl.replace(/\/+$/, '')}/approvals`))),
      reg('airlock.openPanel', () => this.panel.show()),
    ];
  }

  /** A client for the broker the settings name now, with the signed-in token. */
  private broker(): BrokerClient {
    return new BrokerClient(settings().brokerUrl, () => this.session.token());
  }

  private async pickConnection(): Promise<string | undefined> {
    const items = await this.broker().connections();
    const pick = await vscode.window.showQuickPick(items.map((c) => ({ label: c.name, description: c.description ?? '' })), { placeHolder: 'Connection to open through Airlock' });
    return pick?.label;
  }

  /** Signed-in state, connections list, status bar. */
  private async reload(): Promise<void> {
    const t = await this.session.current();
    this.account = t ? t.account.email ?? t.account.name ?? t.account.subject : undefined;
    this.subject = t?.account.subject;
    if (!t) this.panel.setAccount(undefined);
    if (t) this.events.start();
    else this.events.stop();
    if (!t) {
      this.sessionsTree.set([]);
      this.tree.set([], 'Sign in to see your connections.');
      this.updateStatus();
      return;
    }
    try {
      const client = this.broker();
      // The panel needs the groups the broker sees (reviewer inbox), not just the ID token's claims.
      const me = await client.me();
      this.panel.setAccount({ subject: me.subject, issuer: me.issuer, ...(me.name ? { name: me.name } : {}), ...(me.email ? { email: me.email } : {}), groups: me.groups });
      const list = await client.connections();
      this.sessionsTree.set(await client.sessions().catch(() => []));
      this.tree.set(list, list.length ? undefined : 'No connections are open to you.');
      this.upstreams = list.flatMap((c) => (c.upstream ? [{ connection: c.name, host: c.upstream.host, port: c.upstream.port }] : []));
    } catch (e) {
      this.tree.set([], (e as Error).message);
      this.output.warn(`listing connections failed: ${(e as Error).message}`);
    }
    this.updateStatus();
  }

  /** Toasts for what concerns this user: a statement waiting for approval, a refusal. */
  private onBrokerEvent(m: AirlockEvent | HelloMessage): void {
    if (m.type === 'hello') {
      this.panel.seed(m.pendingApprovals);
      return;
    }
    this.panel.apply(m);
    if (m.type === 'session.started' || m.type === 'session.ended') void this.refreshSessions();
    this.notify(m as unknown as { type: string } & Record<string, unknown>);
  }

  private notify(m: { type: string } & Record<string, unknown>): void {
    if (m.type === 'approval.requested') {
      const a = m.approval as { requester: { subject: string }; id: string; url: string; requirements: { rule: string }[] };
      if (a.requester.subject !== this.subject) return;
      void vscode.window
        .showInformationMessage(`Airlock: a statement is waiting for approval (${a.requirements.map((r) => r.rule).join(', ')}).`, 'Open Request', 'Open Panel')
        .then((choice) => {
          if (choice === 'Open Request') void vscode.env.openExternal(vscode.Uri.parse(a.url));
          if (choice === 'Open Panel') void vscode.commands.executeCommand('airlock.openPanel');
        });
    } else if (m.type === 'statement.blocked') {
      const s = m.statement as { rule: string; explanation: string };
      this.output.warn(`blocked: ${s.explanation}`);
    }
  }

  /** A terminal command that goes around the broker: recorded on the broker, and a way back. */
  private async checkCommand(command: string, terminal: string): Promise<void> {
    const hit = directAccess(command, this.upstreams);
    if (!hit) return;
    await this.broker().auditTerminal(hit.connection, command, terminal).catch(() => undefined);
    const choice = await vscode.window.showWarningMessage(
      `Airlock: this command reaches ${hit.connection} directly, around Airlock. Open it through Airlock instead (new terminals then use it).`,
      'Reconnect through Airlock',
    );
    if (choice) await vscode.commands.executeCommand('airlock.connect', { name: hit.connection });
  }

  private async refreshSessions(): Promise<void> {
    const list = await this.broker().sessions().catch(() => undefined);
    if (list) this.sessionsTree.set(list);
  }

  private connectionsChanged(): void {
    this.tree.refresh();
    this.updateStatus();
    const env = this.context.environmentVariableCollection;
    env.clear();
    const latest = this.connections.latest();
    if (latest && settings().injectTerminal) {
      for (const [k, v] of Object.entries(terminalVariables(latest))) env.replace(k, v);
      env.description = `Airlock: ${latest.name} through the local forwarder on port ${latest.port}`;
    }
  }

  private updateStatus(): void {
    const open = this.connections.list();
    this.status.text = this.account ? `$(lock) ${this.account}${open.length ? ` · ${open.map((c) => c.name).join(', ')}` : ''}` : '$(lock) Airlock: sign in';
    this.status.tooltip = this.account ? `Signed in to Airlock as ${this.account}` : 'Sign in to Airlock';
    this.status.command = this.account ? 'airlock.connect' : 'airlock.signIn';
    this.status.show();
  }

  dispose(): void {
    void this.connections.disconnectAll();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
