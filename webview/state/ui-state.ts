/**
 * What the webview keeps across being hidden and shown again (VS Code's `getState`/`setState`):
 * the last panel state, the scroll position and unsent review comments.
 */
import { emptyState, type PanelState } from '../../extension/panel/protocol.js';
import type { VsCodeApi } from '../host/vscode-api.js';

export interface UiState {
  readonly version: 1;
  readonly panel: PanelState;
  readonly scrollY: number;
  /** Review comment drafts by approval id. */
  readonly drafts: Readonly<Record<string, string>>;
}

export function initialUiState(): UiState {
  return { version: 1, panel: emptyState(), scrollY: 0, drafts: {} };
}

/** Reads the persisted state, falling back to a fresh one when absent or from another version. */
export function loadUiState(api: VsCodeApi<UiState>): UiState {
  const saved = api.getState();
  if (!saved || typeof saved !== 'object' || saved.version !== 1 || typeof saved.scrollY !== 'number') return initialUiState();
  return { ...initialUiState(), ...saved, drafts: { ...saved.drafts } };
}

/** Drops drafts for requests no longer in the inbox. */
export function pruneDrafts(ui: UiState): UiState {
  const ids = new Set(ui.panel.inbox.map((r) => r.id));
  const drafts: Record<string, string> = {};
  for (const [id, text] of Object.entries(ui.drafts)) if (ids.has(id) && text) drafts[id] = text;
  return { ...ui, drafts };
}
