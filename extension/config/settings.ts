/** The extension's settings (mirrors `contributes.configuration` in package.json). */
import * as vscode from 'vscode';

export interface Settings {
  readonly brokerUrl: string;
  readonly injectTerminal: boolean;
  readonly signInTimeoutSeconds: number;
  /** OAuth client id of the extension at the issuer (a public client with a loopback redirect). */
  readonly clientId: string;
}

export function settings(): Settings {
  const c = vscode.workspace.getConfiguration('airlock');
  return {
    brokerUrl: c.get<string>('brokerUrl', 'http://127.0.0.1:8484'),
    injectTerminal: c.get<boolean>('terminal.inject', true),
    signInTimeoutSeconds: c.get<number>('signIn.timeoutSeconds', 300),
    clientId: c.get<string>('clientId', 'airlock-cli'),
  };
}
