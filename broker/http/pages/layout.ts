/** The page shell: dark header with navigation and the signed-in reviewer, flash message, body. */
import { html, raw, type SafeHtml } from './html.js';
import { CLIENT_SCRIPT } from './client-script.js';
import type { Flash, PageSession } from './session-store.js';
import { STYLES } from './styles.js';

export interface LayoutInput {
  readonly title: string;
  readonly nonce: string;
  readonly body: SafeHtml;
  /** Present when signed in: the header shows who and a sign-out button. */
  readonly session?: PageSession | undefined;
  readonly tab?: 'inbox' | 'history' | 'audit' | undefined;
  readonly pendingCount?: number | undefined;
  /** Tells the script what to keep live. */
  readonly view: 'inbox' | 'history' | 'detail' | 'message' | 'audit';
  readonly detailId?: string | undefined;
  readonly flash?: Flash | undefined;
  /** A page's own constant style sheet and script (the replay pages), sent with the same nonce. */
  readonly style?: string | undefined;
  readonly script?: string | undefined;
}

const LOGO = raw(
  '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true">' +
    '<rect x="4" y="10" width="16" height="11" rx="2"/><path d="M8 10V7a4 4 0 0 1 8 0v3"/><circle cx="12" cy="15.5" r="1.5"/></svg>',
);

function header(input: LayoutInput): SafeHtml {
  const s = input.session;
  const tab = (name: 'inbox' | 'history' | 'audit', href: string, label: string, extra?: SafeHtml): SafeHtml =>
    html`<a href="${href}" class="${input.tab === name ? 'on' : ''}">${label}${extra}</a>`;
  const count = input.pendingCount ?? 0;
  const who = s
    ? html`<div class="who"><span title="${s.principal.groups.join(', ')}">${s.principal.name ?? s.principal.subject}${s.principal.email ? html` · ${s.principal.email}` : ''}</span>
<form method="post" action="/auth/logout"><input type="hidden" name="csrf" value="${s.csrf}"><button type="submit">Sign out</button></form></div>`
    : '';
  return html`<header class="top"><div class="bar"><a class="brand" href="/approvals">${LOGO}<span>Airlock approvals</span></a>
${s ? html`<nav class="tabs">${tab('inbox', '/approvals', 'Inbox', html`<span class="count" id="pending-count"${count === 0 ? raw(' hidden') : ''}>${count}</span>`)}${tab('history', '/approvals/history', 'History')}${tab('audit', '/audit/sessions', 'Sessions')}</nav>` : ''}
${who}</div></header>`;
}

export function layout(input: LayoutInput): SafeHtml {
  const flash = input.flash ? html`<div class="flash ${input.flash.kind}" role="status">${input.flash.text}</div>` : '';
  return html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${input.title} · Airlock approvals</title>
<style nonce="${input.nonce}">${raw(STYLES)}${raw(input.style ?? '')}</style></head>
<body data-view="${input.view}" data-id="${input.detailId ?? ''}">
${header(input)}
<main>${flash}${input.body}</main>
<script nonce="${input.nonce}">${raw(CLIENT_SCRIPT)}${raw(input.script ?? '')}</script>
</body></html>`;
}

/** A short page with a heading, a sentence and an optional link (errors, signed out, not configured). */
export function messagePage(nonce: string, title: string, text: string, link?: { href: string; label: string }, session?: PageSession): SafeHtml {
  const body = html`<div class="center card"><h1>${title}</h1><p>${text}</p>${link ? html`<a class="btn" href="${link.href}">${link.label}</a>` : ''}</div>`;
  return layout({ title, nonce, body, view: 'message', session });
}
