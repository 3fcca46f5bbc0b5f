/** The inbox (pending requests, live) and the history (closed requests). */
import type { ApprovalRequest } from '../../approvals/types.js';
import type { Principal } from '../../identity/types.js';
import { ago, countdown, personLabel, plural, rowTag, stateBadge, when } from './format.js';
import { html, raw, type SafeHtml } from './html.js';
import { sqlPreview } from './sql-highlight.js';

function impactSummary(a: ApprovalRequest): string {
  const i = a.impact;
  if (i.error) return 'dry run failed';
  if (i.rowsChanged !== undefined) return `${plural(i.rowsChanged, 'row')} ${i.method === 'estimated' ? 'estimated' : 'changed'}`;
  return i.method === 'unavailable' ? 'impact unknown' : i.method;
}

/** One inbox row; also sent over the event stream, so the live list matches a reload. */
export function inboxRow(a: ApprovalRequest, viewer: Principal): SafeHtml {
  const rules = a.requirements.map((r) => r.rule).join(', ');
  return html`<li id="row-${a.id}" data-id="${a.id}"><a class="row" href="/approvals/${a.id}">
${stateBadge(a.state)}
<div><code>${sqlPreview(a.statement.sql)}</code>
<div class="meta"><span>${personLabel(a.requester)}</span><span>${a.connection}</span><span>${rules}</span><span>${impactSummary(a)}</span><span>${ago(a.createdAt)}</span>${a.state === 'pending' ? html`<span>${countdown(a)}</span>` : ''}</div></div>
${rowTag(viewer, a)}</a></li>`;
}

export function inboxBody(pending: readonly ApprovalRequest[], viewer: Principal): SafeHtml {
  return html`<div class="heading"><h1>Waiting for review</h1><span class="live" id="live">Connecting…</span></div>
<ul class="list" id="inbox">${pending.map((a) => inboxRow(a, viewer))}</ul>
<div class="empty" id="empty"${pending.length > 0 ? raw(' hidden') : ''}>Nothing is waiting for review. New requests appear here as they arrive.</div>`;
}

function historyRow(a: ApprovalRequest): SafeHtml {
  const last = a.decisions[a.decisions.length - 1];
  const by = last ? html`<span>${last.verdict === 'approve' ? 'approved' : 'denied'} by ${personLabel(last.reviewer)}</span>` : a.reason ? html`<span>${a.reason}</span>` : '';
  return html`<li id="row-${a.id}"><a class="row" href="/approvals/${a.id}">
${stateBadge(a.state)}
<div><code>${sqlPreview(a.statement.sql)}</code>
<div class="meta"><span>${personLabel(a.requester)}</span><span>${a.connection}</span>${by}<span>closed ${a.closedAt ? when(a.closedAt) : '?'}</span></div></div>
<span></span></a></li>`;
}

export function historyBody(closed: readonly ApprovalRequest[]): SafeHtml {
  return html`<div class="heading"><h1>History</h1></div>
${closed.length > 0 ? html`<ul class="list">${closed.map(historyRow)}</ul>` : html`<div class="empty">No decided requests yet.</div>`}`;
}
