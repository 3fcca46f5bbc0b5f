/**
 * The live panel's webview. It talks to the extension only through `postMessage` over the panel
 * protocol (`extension/panel/protocol.ts`): it posts `ready` first, takes a full state, then
 * folds in events with the protocol's pure reducer and re-renders.
 *
 * Every string from an event is rendered as text (see `components/dom.ts`).
 */
import {
  AccountNotification,
  DecideCommand,
  DecideCompletion,
  EventNotification,
  OpenApprovalCommand,
  ReadyCommand,
  StateNotification,
  isHostMessage,
  reduce,
  withAccount,
  type HostMessage,
  type PanelState,
  type Verdict,
} from '../extension/panel/protocol.js';
import { h } from './components/dom.js';
import { blockedSection, maskedSection, sessionsSection } from './components/feeds.js';
import { elapsed, personName } from './components/format.js';
import { reviewSection, waitingSection, type RequestHandlers } from './components/requests.js';
import { HostClient, acquireApi } from './host/vscode-api.js';
import { loadUiState, pruneDrafts, type UiState } from './state/ui-state.js';
import { STYLES } from './styles.js';

const api = acquireApi<UiState>();
const host = new HostClient(api);
let ui = loadUiState(api);
const sending = new Set<string>();
const errors = new Map<string, string>();

function injectStyles(): void {
  const nonce = (document.currentScript as HTMLScriptElement | null)?.nonce ?? document.querySelector('script[nonce]')?.getAttribute('nonce') ?? '';
  const style = document.createElement('style');
  style.setAttribute('nonce', nonce);
  style.textContent = STYLES;
  document.head.append(style);
}

function save(): void {
  api.setState(ui);
}

const handlers: RequestHandlers = {
  open: (id) => host.send(OpenApprovalCommand, { id }),
  decide: (id: string, verdict: Verdict, comment: string) => {
    sending.add(id);
    errors.delete(id);
    host.send(DecideCommand, { id, verdict, comment });
    render();
  },
  draft: (id, text) => {
    ui = { ...ui, drafts: { ...ui.drafts, [id]: text } };
    save();
  },
};

function accountHeader(state: PanelState): HTMLElement {
  const a = state.account;
  return h(
    'header',
    { class: 'account' },
    h('h1', {}, 'Airlock'),
    a ? h('span', { class: 'muted' }, `signed in as ${personName(a)}${a.groups.length ? ` · ${a.groups.join(', ')}` : ''}`) : h('span', { class: 'muted' }, 'not signed in'),
  );
}

/** Re-renders everything, keeping focus and caret where they were. */
function render(): void {
  const root = document.getElementById('app');
  if (!root) return;
  const active = document.activeElement as HTMLElement | null;
  const focusKey = active?.dataset.focusKey;
  const caret = active instanceof HTMLTextAreaElement ? [active.selectionStart, active.selectionEnd] as const : undefined;
  const state = ui.panel;
  const now = Date.now();
  root.replaceChildren(
    accountHeader(state),
    waitingSection(state.waiting, now, handlers),
    reviewSection(state.inbox, { drafts: ui.drafts, sending, errors }, handlers),
    blockedSection(state.blocked),
    maskedSection(state.masked),
    sessionsSection(state.sessions),
  );
  if (focusKey) {
    const again = root.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(focusKey)}"]`);
    again?.focus();
    if (again instanceof HTMLTextAreaElement && caret) again.setSelectionRange(caret[0], caret[1]);
  }
}


function onHostMessage(msg: HostMessage): void {
  switch (msg.method) {
    case StateNotification.method:
      ui = { ...ui, panel: msg.params.state };
      break;
    case EventNotification.method:
      ui = { ...ui, panel: reduce(ui.panel, msg.params.event, ui.panel.account) };
      break;
    case AccountNotification.method:
      ui = { ...ui, panel: withAccount(ui.panel, msg.params.account ?? undefined) };
      break;
    case DecideCompletion.method:
      sending.delete(msg.params.id);
      if (msg.params.ok) errors.delete(msg.params.id);
      else errors.set(msg.params.id, msg.params.message ?? 'The decision was not recorded.');
      break;
  }
  for (const id of [...sending]) if (!ui.panel.inbox.some((r) => r.id === id)) sending.delete(id);
  ui = pruneDrafts(ui);
  save();
  render();
}

function tick(): void {
  const now = Date.now();
  for (const el of document.querySelectorAll<HTMLElement>('[data-since]')) el.textContent = elapsed(el.dataset.since ?? '', now);
}

injectStyles();
window.addEventListener('message', (ev: MessageEvent<unknown>) => {
  if (isHostMessage(ev.data)) onHostMessage(ev.data);
});
let scrollTimer: ReturnType<typeof setTimeout> | undefined;
window.addEventListener('scroll', () => {
  clearTimeout(scrollTimer);
  scrollTimer = setTimeout(() => {
    ui = { ...ui, scrollY: window.scrollY };
    save();
  }, 150);
}, { passive: true });
render();
window.scrollTo(0, ui.scrollY);
setInterval(tick, 1000);
host.send(ReadyCommand, {});
