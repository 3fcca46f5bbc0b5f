/**
 * The replay search page: the filter form, the sessions open now, and the matching sessions
 * newest first. Everything under `#audit-live` is also served alone as a fragment, which the
 * script fetches again when the event stream says a visible session changed.
 */
import type { SessionOutcome, SessionSummary } from '../../recording/queries.js';
import { plural, when } from './format.js';
import { html, raw, type SafeHtml } from './html.js';

/** The form as typed, echoed back into its fields. */
export interface SearchForm {
  readonly person: string;
  readonly connection: string;
  readonly since: string;
  readonly until: string;
  readonly outcome: SessionOutcome;
}

/** A session open now, on this broker or (shared store) another running one; not from the journal. */
export interface OpenSession {
  readonly id: string;
  readonly connection: string;
  readonly who: string;
  readonly email?: string | undefined;
  readonly startedAt: string;
  /** The replica it is open on, when not this broker. */
  readonly broker?: string | undefined;
}

export interface SearchResults {
  readonly sessions: readonly SessionSummary[];
  readonly more: boolean;
  readonly limit: number;
  /** Ids of the sessions open now. */
  readonly active: ReadonlySet<string>;
  readonly open: readonly OpenSession[];
}

export const OUTCOME_LABELS: Readonly<Record<SessionOutcome, string>> = {
  all: 'All sessions',
  blocked: 'Had blocked statements',
  approvals: 'Had approvals',
  errors: 'Had errors',
  masked: 'Had masked results',
  active: 'Active now',
};

/** "2025-06-01 14:03:05" (UTC). */
export function utcStamp(iso: string): string {
  return iso.replace('T', ' ').slice(0, 19);
}

/** "4 s", "3 min 12 s", "2 h 5 min". */
export function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 > 0 ? ` ${s % 60} s` : ''}`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h} h${m > 0 ? ` ${m} min` : ''}`;
}

export function personName(s: { readonly name?: string | undefined; readonly email?: string | undefined; readonly subject: string }): string {
  return s.name ?? s.email ?? s.subject;
}

export function searchForm(form: SearchForm, auditor: boolean, connections: readonly string[]): SafeHtml {
  const person = auditor
    ? html`<label>Person<input name="person" value="${form.person}" placeholder="subject or email" maxlength="200" autocomplete="off"></label>`
    : '';
  const outcomes = (Object.keys(OUTCOME_LABELS) as SessionOutcome[]).map(
    (o) => html`<option value="${o}"${o === form.outcome ? raw(' selected') : ''}>${OUTCOME_LABELS[o]}</option>`,
  );
  return html`<form class="filters card" method="get" action="/audit/sessions" role="search">
${person}
<label>Connection<input name="connection" value="${form.connection}" list="connection-names" placeholder="any" maxlength="200" autocomplete="off"></label>
<datalist id="connection-names">${connections.map((c) => html`<option value="${c}"></option>`)}</datalist>
<label>From (UTC)<input type="datetime-local" name="since" value="${form.since}"></label>
<label>To (UTC)<input type="datetime-local" name="until" value="${form.until}"></label>
<label>Outcome<select name="outcome">${outcomes}</select></label>
<div class="actions"><button type="submit">Search</button><a href="/audit/sessions">Clear</a></div>
</form>`;
}

function counts(s: SessionSummary): SafeHtml {
  return html`<div class="counts"><span class="chip">${plural(s.statements, 'statement')}</span>
${s.blocked > 0 ? html`<span class="chip bad">${s.blocked} blocked</span>` : ''}
${s.approvals > 0 ? html`<span class="chip warn">${plural(s.approvals, 'approval')}</span>` : ''}
${s.errors > 0 ? html`<span class="chip bad">${plural(s.errors, 'error')}</span>` : ''}
${s.masked > 0 ? html`<span class="chip mask">${s.masked} masked</span>` : ''}</div>`;
}

export function sessionRow(s: SessionSummary, active: boolean, now = Date.now()): SafeHtml {
  const open = active && s.endedAt === undefined;
  const state = open ? html`<span class="badge active">active</span>` : html`<span class="badge ended">${s.endedAt === undefined ? 'no end' : 'ended'}</span>`;
  const ended = s.endedAt !== undefined
    ? html`<span title="ended ${utcStamp(s.endedAt)} UTC${s.endReason ? `: ${s.endReason}` : ''}">lasted ${span(Date.parse(s.endedAt) - Date.parse(s.startedAt))}</span>`
    : open ? html`<span>open for ${span(now - Date.parse(s.startedAt))}</span>` : html`<span>no end recorded</span>`;
  const name = personName(s);
  return html`<li id="s-${s.id}"><a class="row srow" href="/audit/sessions/${s.id}">
${state}
<div><div class="person">${name}${s.email !== undefined && s.email !== name ? html`<span class="sub">${s.email}</span>` : ''}</div>
<div class="meta"><span>${s.connection}</span>${s.applicationName ? html`<span>${s.applicationName}</span>` : ''}<span class="mono">${s.clientAddress}</span><span>started ${utcStamp(s.startedAt)} UTC</span>${ended}</div></div>
${counts(s)}</a></li>`;
}

function openRow(o: OpenSession, now: number): SafeHtml {
  return html`<li id="open-${o.id}"><a class="row srow" href="/audit/sessions/${o.id}">
<span class="badge active">active</span>
<div><div class="person">${o.who}${o.email !== undefined && o.email !== o.who ? html`<span class="sub">${o.email}</span>` : ''}</div>
<div class="meta"><span>${o.connection}</span>${o.broker !== undefined ? html`<span>on ${o.broker}</span>` : ''}<span>started ${when(o.startedAt)}</span><span>open for ${span(now - Date.parse(o.startedAt))}</span></div></div>
<span></span></a></li>`;
}

/** The live part of the page: open sessions, then the results. */
export function searchResults(r: SearchResults, now = Date.now()): SafeHtml {
  const open = r.open.length > 0
    ? html`<section class="group" id="open-now"><div class="results-head"><h2>Open now</h2><span class="meta">${plural(r.open.length, 'session')}</span></div>
<ul class="list">${r.open.map((o) => openRow(o, now))}</ul></section>`
    : '';
  const head = r.more ? `The newest ${r.limit} sessions — narrow the filters to see older ones` : plural(r.sessions.length, 'session');
  const list = r.sessions.length > 0
    ? html`<ul class="list" id="results">${r.sessions.map((s) => sessionRow(s, r.active.has(s.id), now))}</ul>`
    : html`<div class="empty" id="results-empty">No sessions match these filters.</div>`;
  return html`${open}<section class="group"><div class="results-head"><h2>Sessions</h2><span class="meta" id="result-count">${head}</span></div>${list}</section>`;
}

export function searchBody(form: SearchForm, auditor: boolean, connections: readonly string[], problems: readonly string[], results: SafeHtml, fragmentUrl: string): SafeHtml {
  const scope = auditor
    ? 'You are an auditor: you see every session.'
    : 'You see your own sessions. Auditors see everyone’s.';
  const errors = problems.length > 0 ? html`<div class="flash error problems" role="alert">${problems.join(' ')}</div>` : '';
  return html`<div class="heading"><h1>Sessions</h1><span class="live" id="live">Connecting…</span></div>
<p class="meta scope">${scope} Times are UTC.</p>
${errors}${searchForm(form, auditor, connections)}
<div id="audit-live" data-fragment="${fragmentUrl}" data-live="list">${results}</div>`;
}
