/**
 * Airlock for VS Code and Cursor: sign in, open connections through the broker, and route the
 * integrated terminal's database clients through them. Activation only builds the container.
 */
import type * as vscode from 'vscode';
import { Container } from './container.js';

let container: Container | undefined;

export function activate(context: vscode.ExtensionContext): void {
  container = new Container(context);
  context.subscriptions.push(container);
}

export function deactivate(): void {
  container?.dispose();
  container = undefined;
}
