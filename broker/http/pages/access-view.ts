/**
 * Time-boxed access requests on the page: the inbox row (also sent over the event stream), the
 * history row, and the detail with the decision and revoke forms. The reason is free text from
 * the requester — possibly hostile — so it is escaped and its invisible or direction-changing
 * characters are shown as markers, like SQL text.
 */
import { reviewerGroupsHeld, samePerson, waitingFor } from '../../approvals/review-rules.js';
import type { AccessRequest } from '../../approvals/types.js';
import type { Principal } from '../../identity/types.js';
import { decisionsCard } from './detail-view.js';
import { ago, countdown, duration, endsCountdown, personLabel, plural, refusalText, rowTag, stateBadge, when } from './format.js';
import { html, SafeHtml } from './html.js';
import { escapeVisible } from './sql-highlight.js';

/** Rows show the start of the reason; the detail shows all of it. */
const ROW_REASON = 160;

function reasonText(reason: string, max?: number): SafeHtml {
  if (max === undefined) return new SafeHtml(escapeVisible(reason));
  const chars = Array.from(reason.replace(/\s+/g, ' ').trim());
  return new SafeHtml(escapeVisible(chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : chars.join('')));
}

/** "Access · readonly on testdb for 1 h": what is asked, the same in every list. */
function summary(a: AccessRequest): SafeHtml {
  return html`<div class="what"><span class="kind">Access</span><strong>${a.groups.join(', ')}</strong> on <strong>${a.connection}</strong> for ${duration(a.durationSeconds)}</div>`;
}

/** One inbox row; also sent over the event stream, so the live list matches a reload. */
export function accessRow(a: AccessRequest, viewer: Principal): SafeHtml {
  return html`<li id="row-${a.id}" data-id="${a.id}"><a class="row" href="/access/${a.id}">
${stateBadge(a.state)}
<div>${summary(a)}<div class="why">${reasonText(a.reason, ROW_REASON)}</div>
<div class="meta"><span>${personLabel(a.requester)}</span><span>${ago(a.createdAt)}</span>${a.state === 'pending' ? html`<span>${countdown(a)}</span>` : ''}</div></div>
${rowTag(viewer, a)}</a></li>`;
}

/** Who closed it, in words ("approved by bob", "revoked by alice"), if a person did. */
function closedBy(a: AccessRequest): string | undefined {
  if (a.revokedBy !== undefined) return `${a.state === 'cancelled' ? 'withdrawn' : 'revoked'} by ${personLabel(a.revokedBy)}`;
  const last = a.decisions[a.decisions.length - 1];
  return last === undefined ? undefined : `${last.verdict === 'approve' ? 'approved' : 'denied'} by ${personLabel(last.reviewer)}`;
}

export function accessHistoryRow(a: AccessRequest): SafeHtml {
  const by = closedBy(a);
  const end = a.state === 'active' && a.activeUntil !== undefined ? endsCountdown(a.activeUntil) : html`closed ${a.closedAt !== undefined ? when(a.closedAt) : '?'}`;
  return html`<li id="row-${a.id}"><a class="row" href="/access/${a.id}">
${stateBadge(a.state)}
<div>${summary(a)}
<div class="meta"><span>${personLabel(a.requester)}</span>${by !== undefined ? html`<span>${by}</span>` : ''}<span>${end}</span></div></div>
<span></span></a></li>`;
}

/** The requester, or a person holding a reviewer group, may end the request (as `AccessService.revoke` checks). */
export function mayRevoke(viewer: Principal, a: AccessRequest): boolean {
  if (a.state !== 'pending' && a.state !== 'active') return false;
  return samePerson(viewer, a.requester) || (viewer.kind !== 'service' && reviewerGroupsHeld(viewer, a.requirements).length > 0);
}

function askedCard(a: AccessRequest): SafeHtml {
  return html`<section class="card"><h2>Access asked for</h2>
<div class="stats"><div><span class="big">${duration(a.durationSeconds)}</span><small>duration</small></div><div><span class="big">${a.connection}</span><small>connection</small></div></div>
<dl class="facts"><dt>Groups</dt><dd><div class="chips">${a.groups.map((g) => html`<span class="chip">${g}</span>`)}</div></dd></dl>
<h3>Reason given</h3><p class="quote">${reasonText(a.reason)}</p></section>`;
}

function reviewersCard(a: AccessRequest): SafeHtml {
  const reqs = a.requirements.map(
    (r) => html`<div class="rule"><strong>reviewers: ${r.groups.join(', ')}</strong>
<div class="meta"><span>${r.mode === 'all' ? 'one from each group' : 'any of the groups'}</span><span>${plural(r.quorum, 'approval')} needed</span></div></div>`,
  );
  const waiting = a.state === 'pending' ? html`<p class="meta">Still needed: ${waitingFor(a.requirements, a.decisions)}</p>` : '';
  return html`<section class="card"><h2>Who reviews</h2>${reqs}${waiting}</section>`;
}

function closedText(a: AccessRequest): string {
  switch (a.state) {
    case 'active':
      return 'This request was approved and the access is active; no more decisions can be made.';
    case 'denied':
      return 'This request was denied; no more decisions can be made.';
    case 'expired':
      return a.activeFrom !== undefined ? 'The access was granted and has ended.' : 'Nobody decided in time: the request expired.';
    case 'revoked':
      return 'The access was revoked before its end.';
    case 'cancelled':
      return 'The request was withdrawn before it was decided.';
    default:
      return 'No more decisions can be made on this request.';
  }
}

function decideCard(a: AccessRequest, viewer: Principal, canDecide: boolean, csrf: string): SafeHtml {
  if (!canDecide) {
    const why = a.state === 'pending' ? (refusalText(viewer, a) ?? 'You cannot decide on this request.') : closedText(a);
    return html`<section class="card"><h2>Your decision</h2><p class="reason">${why}</p></section>`;
  }
  return html`<section class="card"><h2>Your decision</h2>
<form class="decide" method="post" action="/access/${a.id}/decision">
<input type="hidden" name="csrf" value="${csrf}">
<label for="comment">Comment <span class="meta">(shown to the requester)</span></label>
<textarea id="comment" name="comment" maxlength="2000" placeholder="Why you approve or deny"></textarea>
<div class="buttons"><button class="approve" type="submit" name="verdict" value="approve">Approve</button><button class="deny" type="submit" name="verdict" value="deny">Deny</button></div>
</form></section>`;
}

function revokeCard(a: AccessRequest, csrf: string): SafeHtml {
  const active = a.state === 'active';
  const what = active
    ? 'Ends the access now: new sessions no longer get these groups, and open sessions lose them at once.'
    : 'Closes the request without a decision.';
  return html`<section class="card"><h2>${active ? 'End this access' : 'Withdraw this request'}</h2><p class="meta">${what}</p>
<form method="post" action="/access/${a.id}/revoke"><input type="hidden" name="csrf" value="${csrf}">
<div class="buttons"><button class="deny" type="submit">Revoke</button></div></form></section>`;
}

function requestCard(a: AccessRequest): SafeHtml {
  const r = a.requester;
  // Once a grant is over, its planned end no longer matters: "Ended" below shows when it did.
  const window =
    a.activeFrom === undefined ? ''
    : a.state === 'active' && a.activeUntil !== undefined ? html`<dt>Active from</dt><dd>${when(a.activeFrom)}</dd><dt>Ends</dt><dd>${endsCountdown(a.activeUntil)}</dd>`
    : html`<dt>Active from</dt><dd>${when(a.activeFrom)}</dd>`;
  const by = a.revokedBy !== undefined ? html`<dt>${a.state === 'cancelled' ? 'Withdrawn by' : 'Revoked by'}</dt><dd>${personLabel(a.revokedBy)}</dd>` : '';
  return html`<section class="card"><h2>Request</h2><dl class="facts">
<dt>Asked by</dt><dd>${r.name ?? r.subject}${r.email !== undefined && r.email !== r.name ? html`<span class="sub">${r.email}</span>` : ''}</dd>
<dt>Kind</dt><dd>${r.kind === 'human' ? 'person' : 'service account'}${r.groups.length > 0 ? html` · ${r.groups.join(', ')}` : ''}</dd>
<dt>Created</dt><dd>${when(a.createdAt)}</dd>
${a.state === 'pending' ? html`<dt>Expires</dt><dd>${countdown(a)}</dd>` : ''}${window}${by}
${a.closedAt !== undefined ? html`<dt>${a.activeFrom !== undefined ? 'Ended' : 'Closed'}</dt><dd>${when(a.closedAt)}</dd>` : ''}
<dt>Request id</dt><dd class="mono">${a.id}</dd>
</dl></section>`;
}

export interface AccessDetailInput {
  readonly a: AccessRequest;
  readonly viewer: Principal;
  readonly canDecide: boolean;
  readonly canRevoke: boolean;
  readonly csrf: string;
}

export function accessDetailBody({ a, viewer, canDecide, canRevoke, csrf }: AccessDetailInput): SafeHtml {
  const pending = a.state === 'pending';
  const live = pending || a.state === 'active';
  return html`<a class="back" href="${pending ? '/approvals' : '/approvals/history'}">← ${pending ? 'Inbox' : 'History'}</a>
<div class="heading"><h1>Access to ${a.connection}</h1><span class="kind">Access request</span>${stateBadge(a.state)}${live ? html`<span class="live" id="live">Connecting…</span>` : ''}</div>
<div class="notice" id="notice" role="status">This access request was updated — it is now <strong data-state>…</strong>. <a href="/access/${a.id}">Reload</a> to see the latest.</div>
<div class="grid"><div>${askedCard(a)}${reviewersCard(a)}${decisionsCard(a)}</div>
<div>${decideCard(a, viewer, canDecide, csrf)}${requestCard(a)}${canRevoke ? revokeCard(a, csrf) : ''}</div></div>`;
}
