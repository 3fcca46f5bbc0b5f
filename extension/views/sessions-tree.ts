/** The Sessions view: the signed-in user's recent sessions through the broker (active first). */
import * as vscode from 'vscode';
import type { SessionListItem } from '../broker-client/broker-client.js';

export class SessionsTree implements vscode.TreeDataProvider<SessionListItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private items: readonly SessionListItem[] = [];

  set(items: readonly SessionListItem[]): void {
    this.items = [...items].sort((a, b) => Number(b.active) - Number(a.active));
    this.changed.fire();
  }

  getChildren(): SessionListItem[] {
    return [...this.items];
  }

  getTreeItem(s: SessionListItem): vscode.TreeItem {
    const item = new vscode.TreeItem(s.connection, vscode.TreeItemCollapsibleState.None);
    const started = new Date(s.startedAt);
    item.description = `${s.active ? 'active · ' : ''}${started.toLocaleString()}${s.applicationName ? ` · ${s.applicationName}` : ''}`;
    item.tooltip = `Session ${s.id} from ${s.clientAddress}`;
    item.iconPath = new vscode.ThemeIcon(s.active ? 'pulse' : 'history');
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
