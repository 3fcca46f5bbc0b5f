/** The two request lists: "Waiting for approval" (mine) and "Review" (others', mine to decide). */
import type { ApprovalRequest } from '../../broker/approvals/types.js';
import type { Verdict } from '../../extension/panel/protocol.js';
import { button, h } from './dom.js';
import { elapsed, personName, plural, truncate } from './format.js';

export interface RequestHandlers {
  open(id: string): void;
  decide(id: string, verdict: Verdict, comment: string): void;
  draft(id: string, text: string): void;
}

export interface ReviewView {
  readonly drafts: Readonly<Record<string, string>>;
  /** Ids with a decision on its way, and the last error per id. */
  readonly sending: ReadonlySet<string>;
  readonly errors: ReadonlyMap<string, string>;
}

function sqlBlock(sql: string): HTMLElement {
  return h('pre', { class: 'sql', title: sql.length > 160 ? sql : undefined }, h('code', {}, truncate(sql)));
}

function approvals(r: ApprovalRequest): string {
  const needed = Math.max(1, ...r.requirements.map((q) => q.quorum));
  const got = r.decisions.filter((d) => d.verdict === 'approve').length;
  return `${got}/${needed} approvals`;
}

function waitingCard(r: ApprovalRequest, now: number, on: RequestHandlers): HTMLElement {
  const why = r.requirements[0];
  return h(
    'li',
    { class: 'card', 'data-id': r.id },
    h(
      'div',
      { class: 'card-head' },
      h('span', { class: 'badge pending' }, 'pending'),
      h('span', { class: 'conn' }, r.connection),
      h('span', { class: 'elapsed', 'data-since': r.createdAt, title: `requested ${r.createdAt}` }, elapsed(r.createdAt, now)),
    ),
    sqlBlock(r.statement.sql),
    why && h('p', { class: 'muted' }, why.explanation),
    h(
      'div',
      { class: 'actions' },
      h('span', { class: 'muted' }, `${approvals(r)} · reviewers: ${r.requirements.flatMap((q) => q.groups).join(', ') || '—'}`),
      button('Open request', { class: 'secondary', 'data-action': 'open', 'aria-label': `Open approval request ${r.id}` }, () => on.open(r.id)),
    ),
  );
}

export function waitingSection(list: readonly ApprovalRequest[], now: number, on: RequestHandlers): HTMLElement {
  const items = list.map((r) => waitingCard(r, now, on));
  return h(
    'section',
    { id: 'waiting', 'aria-labelledby': 'waiting-title' },
    h('h2', { id: 'waiting-title' }, 'Waiting for approval ', h('span', { class: 'count' }, String(list.length))),
    h(
      'ul',
      { class: 'cards', 'aria-live': 'polite', 'aria-relevant': 'additions removals' },
      ...(items.length ? items : [h('li', { class: 'empty' }, 'Nothing waiting. Statements held for review show up here.')]),
    ),
  );
}

function reviewCard(r: ApprovalRequest, view: ReviewView, on: RequestHandlers): HTMLElement {
  const sending = view.sending.has(r.id);
  const boxId = `comment-${r.id}`;
  const box = h('textarea', { id: boxId, class: 'comment', rows: '2', placeholder: 'Comment (recorded with your verdict)', 'data-focus-key': boxId, disabled: sending });
  box.value = view.drafts[r.id] ?? '';
  box.addEventListener('input', () => on.draft(r.id, box.value));
  const decide = (verdict: Verdict) => () => on.decide(r.id, verdict, box.value.trim());
  const error = view.errors.get(r.id);
  const impact = r.impact.rowsChanged !== undefined ? ` · ${plural(r.impact.rowsChanged, 'row')} changed (dry run)` : '';
  return h(
    'li',
    { class: 'card', 'data-id': r.id },
    h(
      'div',
      { class: 'card-head' },
      h('span', { class: 'who' }, personName(r.requester)),
      h('span', { class: 'conn' }, r.connection),
      h('span', { class: 'elapsed', 'data-since': r.createdAt }, elapsed(r.createdAt, Date.now())),
    ),
    sqlBlock(r.statement.sql),
    h('p', { class: 'muted' }, `${r.requirements[0]?.explanation ?? ''}${impact}`),
    h('label', { class: 'visually-hidden', for: boxId }, `Comment on request from ${personName(r.requester)}`),
    box,
    error && h('p', { class: 'error', role: 'alert' }, error),
    h(
      'div',
      { class: 'actions' },
      button('Approve', { class: 'primary', 'data-action': 'approve', 'data-focus-key': `approve-${r.id}`, disabled: sending }, decide('approve')),
      button('Deny', { class: 'danger', 'data-action': 'deny', 'data-focus-key': `deny-${r.id}`, disabled: sending }, decide('deny')),
      button('Details', { class: 'secondary', 'data-action': 'open' }, () => on.open(r.id)),
      sending && h('span', { class: 'muted' }, 'Sending…'),
    ),
  );
}

export function reviewSection(list: readonly ApprovalRequest[], view: ReviewView, on: RequestHandlers): HTMLElement {
  return h(
    'section',
    { id: 'review', 'aria-labelledby': 'review-title', hidden: list.length === 0 },
    h('h2', { id: 'review-title' }, 'Review ', h('span', { class: 'count' }, String(list.length))),
    h('ul', { class: 'cards', 'aria-live': 'polite' }, ...list.map((r) => reviewCard(r, view, on))),
  );
}
