/** The Connections view: what the signed-in user may open, and which are open (with their port). */
import * as vscode from 'vscode';
import type { ConnectionView } from '../../broker/http/api.js';
import type { ConnectionManager } from '../connections/connection-manager.js';

export class ConnectionsTree implements vscode.TreeDataProvider<ConnectionView>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private items: readonly ConnectionView[] = [];
  message: string | undefined = 'Sign in to see your connections.';

  constructor(private readonly connections: ConnectionManager) {}

  set(items: readonly ConnectionView[], message?: string): void {
    this.items = items;
    this.message = message;
    this.changed.fire();
  }

  refresh(): void {
    this.changed.fire();
  }

  getChildren(): ConnectionView[] {
    return [...this.items];
  }

  getTreeItem(c: ConnectionView): vscode.TreeItem {
    const open = this.connections.get(c.name);
    const item = new vscode.TreeItem(c.name, vscode.TreeItemCollapsibleState.None);
    item.description = open ? `open on 127.0.0.1:${open.port}` : c.description ?? '';
    item.tooltip = new vscode.MarkdownString(
      `**${c.name}**${c.description ? ` — ${c.description}` : ''}\n\nRole: \`${c.databaseRole ?? 'default'}\` · default action: \`${c.defaultAction}\``,
    );
    item.contextValue = open ? 'connection.open' : 'connection.closed';
    item.iconPath = new vscode.ThemeIcon(open ? 'database' : 'circle-outline');
    item.command = open ? undefined : { command: 'airlock.connect', title: 'Connect', arguments: [c] };
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
