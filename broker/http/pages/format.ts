/** Small wording helpers shared by the views. */
import type { ApprovalRequest, PersonRef, ReviewDecision, ReviewerRequirement } from '../../approvals/types.js';
import { reviewRefusal } from '../../approvals/review-rules.js';
import type { Principal } from '../../identity/types.js';
import { html, type SafeHtml } from './html.js';

export function personLabel(p: PersonRef): string {
  return p.name ?? p.email ?? p.subject;
}

/** "5 min ago", "2 h ago", or the date — server-side, for lists. */
export function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return iso.slice(0, 10);
}

/** A `<time>` with the full UTC timestamp as tooltip. */
export function when(iso: string): SafeHtml {
  return html`<time datetime="${iso}" title="${iso}">${ago(iso)}</time>`;
}

/** Both kinds of request the page reviews (statements and access requests) share these fields. */
export interface Reviewable {
  readonly state: string;
  readonly requester: PersonRef;
  readonly requirements: readonly ReviewerRequirement[];
  readonly decisions: readonly ReviewDecision[];
}

function utc(iso: string): string {
  return `${iso.replace('T', ' ').slice(0, 19)} UTC`;
}

/** Text the script keeps counting down; this is what shows without script. */
export function countdown(a: { readonly expiresAt: string }): SafeHtml {
  return html`<span class="countdown" data-expires="${a.expiresAt}">expires ${utc(a.expiresAt)}</span>`;
}

/** The same countdown for the end of an active grant ("ends in 59m 59s", then "ended"). */
export function endsCountdown(until: string): SafeHtml {
  return html`<span class="countdown" data-expires="${until}" data-label="ends" data-done="ended">ends ${utc(until)}</span>`;
}

/** "45 min", "1 h", "1 h 30 min", "2 days 4 h": how long a grant runs. */
export function duration(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const parts = [d > 0 ? plural(d, 'day') : '', h > 0 ? `${h} h` : '', m > 0 ? `${m} min` : ''].filter((x) => x !== '');
  return parts.length > 0 ? parts.slice(0, 2).join(' ') : plural(seconds, 'second');
}

export function stateBadge(state: string): SafeHtml {
  return html`<span class="badge ${state}">${state}</span>`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** Why `viewer` cannot decide on `a`, in words, or undefined if they can. */
export function cannotDecideReason(viewer: Principal, a: ApprovalRequest): string | undefined {
  if (a.state !== 'pending') {
    return `This request is closed (${a.state}${a.reason ? `: ${a.reason}` : ''}); no more decisions can be made.`;
  }
  return refusalText(viewer, a);
}

/** Why `viewer` may not decide on the pending request `a`, in words, or undefined if they may. */
export function refusalText(viewer: Principal, a: Reviewable): string | undefined {
  switch (reviewRefusal(viewer, a.requester, a.requirements, a.decisions)) {
    case 'own-request':
      return 'This is your own request. Someone else from the reviewer groups has to decide on it.';
    case 'service-account':
      return 'Service accounts cannot review requests.';
    case 'not-a-reviewer':
      return `You are not a reviewer for this request: it needs a member of ${a.requirements.flatMap((r) => r.groups).join(', ')}.`;
    case 'already-decided':
      return 'You have already decided on this request. It is waiting for other reviewers.';
    default:
      return undefined;
  }
}

/** The short tag on an inbox row. */
export function rowTag(viewer: Principal, a: Reviewable): SafeHtml {
  if (a.state !== 'pending') return html``;
  switch (reviewRefusal(viewer, a.requester, a.requirements, a.decisions)) {
    case undefined:
      return html`<span class="tag act">Needs your review</span>`;
    case 'own-request':
      return html`<span class="tag wait">Your request</span>`;
    case 'already-decided':
      return html`<span class="tag wait">You decided</span>`;
    default:
      return html`<span class="tag wait">Waiting</span>`;
  }
}
