/** The inbox (pending requests, live) and the history (closed requests). */
import type { AccessRequest, ApprovalRequest } from '../../approvals/types.js';
import type { Principal } from '../../identity/types.js';
import { ago, countdown, personLabel, plural, rowTag, stateBadge, when } from './format.js';
import { accessHistoryRow, accessRow } from './access-view.js';
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

/**
 * Statements first (a client is waiting on each), then access requests in their own section,
 * shown only when there are any; the script keeps both lists, the section and the empty note live.
 */
export function inboxBody(pending: readonly ApprovalRequest[], access: readonly AccessRequest[], viewer: Principal): SafeHtml {
  return html`<div class="heading"><h1>Waiting for review</h1><span class="live" id="live">Connecting…</span></div>
<ul class="list" id="inbox">${pending.map((a) => inboxRow(a, viewer))}</ul>
<section class="group" id="access-group"${access.length > 0 ? '' : raw(' hidden')}><h2>Access requests</h2>
<ul class="list" id="access-inbox">${access.map((a) => accessRow(a, viewer))}</ul></section>
<div class="empty" id="empty"${pending.length + access.length > 0 ? raw(' hidden') : ''}>Nothing is waiting for review. New requests appear here as they arrive.</div>`;
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

/** One timeline, newest first: statements and access requests mixed, told apart by the "Access" label. */
export function historyBody(closed: readonly ApprovalRequest[], access: readonly AccessRequest[], shown: number): SafeHtml {
  const rows = [...closed.map((a) => ({ at: a.createdAt, row: historyRow(a) })), ...access.map((a) => ({ at: a.createdAt, row: accessHistoryRow(a) }))]
    .sort((x, y) => (x.at < y.at ? 1 : x.at > y.at ? -1 : 0))
    .slice(0, shown);
  return html`<div class="heading"><h1>History</h1></div>
${rows.length > 0 ? html`<ul class="list">${rows.map((r) => r.row)}</ul>` : html`<div class="empty">No decided requests yet.</div>`}`;
}
