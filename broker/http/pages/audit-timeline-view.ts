/**
 * One session replayed as a timeline: how it started (who, from where, how), each statement in
 * order with its SQL, decision, rule and outcome, the approval that released or refused it and
 * who gave it, masking notices, the rows the client got as recorded (already masked), and how
 * it ended. Everything here was written by the session's user or comes from their database, so
 * it is all escaped (the `html` template; SQL through the highlighter, which escapes each token).
 */
import type { ApprovalEventView, MaskedView, SessionDetail, SessionEventView, SessionInfo, StatementView } from '../../recording/queries.js';
import { plural, stateBadge } from './format.js';
import { html, raw, type SafeHtml } from './html.js';
import { personName, span, utcStamp } from './audit-search-view.js';
import { highlightSql } from './sql-highlight.js';

/** What the approval service still knows of a request: reviewers' names, comments, times. */
export interface ApprovalFacts {
  readonly decisions: readonly {
    readonly who: string;
    readonly email?: string | undefined;
    readonly verdict: 'approve' | 'deny';
    readonly comment: string;
    readonly at: string;
  }[];
  /** The viewer may open the request's page (`/approvals/:id`). */
  readonly linkable: boolean;
}

export interface TimelineInput {
  readonly detail: SessionDetail;
  /** Open now (on this broker, or — with a shared store — on another running one). */
  readonly active: boolean;
  readonly approval: (id: string) => ApprovalFacts | undefined;
  /** First statement shown and statements per page (for the paging links). */
  readonly from: number;
  readonly pageSize: number;
}

/** Rows of a recorded result shown in the table (a journal keeps at most `recording.resultRows`). */
const MAX_ROWS_SHOWN = 50;

const ACTION_LABEL: Readonly<Record<string, string>> = { allow: 'allowed', block: 'blocked', approve: 'held for approval' };

/** "14:03:05.120" (UTC). */
function clock(iso: string): SafeHtml {
  return html`<time class="t" datetime="${iso}" title="${iso}">${iso.slice(11, 23)}</time>`;
}

/** Time since the session started: "+0.84 s", "+3 min 12 s". */
function offset(iso: string, startedAt: string): string {
  const ms = Math.max(0, Date.parse(iso) - Date.parse(startedAt));
  return ms < 60_000 ? `+${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s` : `+${span(ms)}`;
}

function ms(d: number): string {
  return d < 10 ? `${d.toFixed(2)} ms` : d < 1000 ? `${Math.round(d)} ms` : `${(d / 1000).toFixed(2)} s`;
}

/** The impact recorded with a request, in words; the record keeps it as it was (shape not checked). */
function impactText(impact: unknown): string | undefined {
  if (typeof impact !== 'object' || impact === null) return undefined;
  const method = 'method' in impact && typeof impact.method === 'string' ? impact.method : undefined;
  const rows = 'rowsChanged' in impact && typeof impact.rowsChanged === 'number' ? impact.rowsChanged : undefined;
  if ('error' in impact && impact.error) return 'the dry run failed';
  if (rows !== undefined) return `${plural(rows, 'row')} ${method === 'estimated' ? 'estimated by the planner' : 'changed in the dry run'}`;
  return method === 'unavailable' ? 'impact not measurable' : undefined;
}

function approvalStep(e: ApprovalEventView, input: TimelineInput): SafeHtml {
  const facts = e.approvalId !== undefined ? input.approval(e.approvalId) : undefined;
  const id = e.approvalId === undefined ? '' : facts?.linkable ? html` <a class="mono" href="/approvals/${e.approvalId}">${e.approvalId}</a>` : html` <span class="mono">${e.approvalId}</span>`;
  switch (e.type) {
    case 'approval.dry-run':
      return html`<div class="step">${clock(e.at)}<span><strong>Dry run</strong> — measured in a transaction that was rolled back</span></div>`;
    case 'approval.requested': {
      const impact = impactText(e.impact);
      return html`<div class="step">${clock(e.at)}<span><strong>Approval requested</strong>${id}${e.rules && e.rules.length > 0 ? html` · rule ${e.rules.join(', ')}` : ''}${impact ? html` · ${impact}` : ''}</span></div>`;
    }
    case 'approval.closed': {
      const decisions = facts?.decisions ?? [];
      const by = decisions.length > 0
        ? decisions.map((d) => html`<div class="step"><span class="t"></span><span>${d.verdict === 'approve' ? 'Approved' : 'Denied'} by <strong>${d.who}</strong>${d.email !== undefined && d.email !== d.who ? html` (${d.email})` : ''} at ${utcStamp(d.at)} UTC</span></div>${d.comment ? html`<p class="comment">${d.comment}</p>` : ''}`)
        : (e.reviewers ?? []).map((r) => html`<div class="step"><span class="t"></span><span>${r.verdict === 'approve' ? 'Approved' : r.verdict === 'deny' ? 'Denied' : r.verdict} by <strong>${r.subject}</strong></span></div>`);
      return html`<div class="step">${clock(e.at)}<span><strong>Request closed</strong> ${stateBadge(e.state ?? 'closed')}${id}</span></div>${by}`;
    }
  }
}

function maskNote(m: MaskedView): SafeHtml {
  return html`<div class="masknote"><strong>Masked:</strong> ${plural(m.values, 'value')} in ${m.columns.length > 0 ? m.columns.join(', ') : 'the result'}${m.rules.length > 0 ? html` (rule ${m.rules.join(', ')})` : ''}. The client was told with a NOTICE.</div>`;
}

function parameters(p: StatementView['parameters']): SafeHtml | '' {
  if (p === undefined) return '';
  if (p === '[redacted]') return html`<p class="params meta">Bind parameters were sent; their values are not recorded (<span class="mono">recording.recordParameters</span> is off).</p>`;
  return html`<p class="params">Parameters: ${p.map((v, i) => html`${i > 0 ? ', ' : ''}<span class="mono">$${i + 1}</span> = ${v === null ? html`<span class="null">NULL</span>` : html`<code>${v}</code>`}`)}</p>`;
}

function resultTable(st: StatementView): SafeHtml | '' {
  const r = st.end?.result;
  if (r === undefined || (r.rows.length === 0 && (r.columns?.length ?? 0) === 0)) return '';
  const masked = new Set((st.masked ?? []).flatMap((m) => m.columns));
  const width = Math.max(r.columns?.length ?? 0, ...r.rows.map((row) => row.length));
  const names = Array.from({ length: width }, (_, i) => r.columns?.[i] ?? `column ${i + 1}`);
  const rows = r.rows.slice(0, MAX_ROWS_SHOWN);
  const cls = (i: number): string => (masked.has(names[i]!) ? 'masked' : '');
  const total = st.end?.rows;
  const note =
    r.truncated || (total !== null && total !== undefined && total > r.rows.length) || rows.length < r.rows.length
      ? html`<p class="result-note">The first ${plural(rows.length, 'row')}${total !== null && total !== undefined ? html` of ${total.toLocaleString('en-US')}` : ''}, as the client received them.</p>`
      : html`<p class="result-note">As the client received ${r.rows.length === 1 ? 'it' : 'them'}${masked.size > 0 ? ' (masked columns highlighted)' : ''}.</p>`;
  return html`<div class="result"><table><thead><tr>${names.map((n, i) => html`<th class="${cls(i)}">${n}</th>`)}</tr></thead>
<tbody>${rows.map((row) => html`<tr>${names.map((_, i) => {
    const v = row[i];
    return html`<td class="${cls(i)}">${v === null || v === undefined ? html`<span class="null">NULL</span>` : v}</td>`;
  })}</tr>`)}</tbody></table></div>${note}`;
}

function statementItem(st: StatementView, s: SessionInfo, input: TimelineInput): SafeHtml {
  const end = st.end;
  const closed = st.approval?.find((e) => e.type === 'approval.closed');
  const chips = html`${st.kinds.map((k) => html`<span class="chip">${k}</span>`)}<span class="chip">${st.protocol}</span>
${end ? html`<span class="chip">${ms(end.durationMs)}</span>` : html`<span class="chip">${st.action === 'block' ? 'not run' : 'no outcome recorded'}</span>`}
${end && end.rows !== null ? html`<span class="chip">${plural(end.rows, 'row')}</span>` : ''}`;
  return html`<li class="${st.action}" id="st-${st.statementId}"><div class="card">
<div class="tl-head"><span class="num">#${st.statementId}</span><span class="badge ${st.action}">${ACTION_LABEL[st.action] ?? st.action}</span>${closed?.state ? stateBadge(closed.state) : ''}${end?.error ? html`<span class="badge error">error ${end.error.code}</span>` : ''}
${clock(st.at)}<span class="t">${offset(st.at, s.startedAt)}</span><div class="right">${chips}</div></div>
<pre class="sql"><code>${highlightSql(st.text)}</code></pre>
<p class="why"><strong>${st.rule}</strong> — ${st.explanation}</p>
${parameters(st.parameters)}
${st.approval && st.approval.length > 0 ? html`<div class="steps">${st.approval.map((e) => approvalStep(e, input))}</div>` : ''}
${end?.error ? html`<div class="error-box"><strong>${end.error.code}</strong> ${end.error.message}</div>` : ''}
${(st.masked ?? []).map(maskNote)}
${resultTable(st)}
</div></li>`;
}

function eventItem(e: SessionEventView, s: SessionInfo, input: TimelineInput): SafeHtml {
  if (e.kind === 'masked') {
    return html`<li class="masked"><div class="marker"><div class="tl-head"><strong>Masking notice</strong>${e.statementId !== undefined ? html`<span class="meta">statement #${e.statementId}</span>` : ''}${clock(e.at)}<span class="t">${offset(e.at, s.startedAt)}</span></div>${maskNote(e)}</div></li>`;
  }
  const waiting = e.type === 'approval.requested' ? html`<p class="meta">The statement had not run when this was recorded${input.active ? ' (it may still be waiting)' : ''}.</p>` : '';
  return html`<li class="approval"><div class="card"><div class="steps">${approvalStep(e, input)}</div>
${e.text !== undefined ? html`<pre class="sql"><code>${highlightSql(e.text)}</code></pre>` : ''}${waiting}</div></li>`;
}

function startItem(s: SessionInfo): SafeHtml {
  return html`<li class="start"><div class="marker"><div class="tl-head"><strong>Session started</strong>${clock(s.startedAt)}<span class="t">${utcStamp(s.startedAt).slice(0, 10)}</span></div>
<div class="meta"><span>${personName(s)}</span><span>${s.connection}</span><span>${s.via === 'tunnel' ? 'through the Airlock tunnel' : 'PostgreSQL protocol'}</span><span>${s.tls ? 'TLS' : 'no TLS'}</span>${s.applicationName ? html`<span>${s.applicationName}</span>` : ''}</div></div></li>`;
}

function endItem(s: SessionInfo, active: boolean): SafeHtml {
  if (s.endedAt !== undefined) {
    return html`<li class="end"><div class="marker"><div class="tl-head"><strong>Session ended</strong>${clock(s.endedAt)}<span class="t">${offset(s.endedAt, s.startedAt)}</span></div>
<div class="meta"><span>${s.endReason ?? ''}</span><span>${plural(s.statements, 'statement')}</span></div></div></li>`;
  }
  return active
    ? html`<li class="open"><div class="marker"><strong>Still open</strong> <span class="meta">— new statements appear here as they are recorded.</span></div></li>`
    : html`<li class="end"><div class="marker"><strong>No end recorded</strong> <span class="meta">— the session is not open on any running broker: its broker stopped without recording the end.</span></div></li>`;
}

function factsCard(s: SessionInfo, active: boolean): SafeHtml {
  const ended = s.endedAt !== undefined ? html`${utcStamp(s.endedAt)} UTC${s.endReason ? html`<span class="sub">${s.endReason}</span>` : ''}` : active ? 'still open' : 'not recorded';
  const lasted = s.endedAt !== undefined ? span(Date.parse(s.endedAt) - Date.parse(s.startedAt)) : active ? `${span(Date.now() - Date.parse(s.startedAt))} so far` : '—';
  return html`<section class="card"><h2>Session</h2><dl class="facts">
<dt>Person</dt><dd>${personName(s)}${s.email !== undefined && s.email !== personName(s) ? html`<span class="sub">${s.email}</span>` : ''}<span class="sub mono">${s.subject}</span></dd>
<dt>Kind</dt><dd>${s.principalKind === 'human' ? 'person' : 'service account'}</dd>
<dt>Groups</dt><dd>${s.groups.length > 0 ? s.groups.join(', ') : '—'}</dd>
<dt>Issuer</dt><dd class="mono">${s.issuer}</dd>
<dt>Connection</dt><dd>${s.connection}</dd>
<dt>Database role</dt><dd class="mono">${s.databaseRole ?? 'the connection’s user'}</dd>
<dt>Client</dt><dd class="mono">${s.clientAddress}</dd>
<dt>Application</dt><dd>${s.applicationName ?? '—'}</dd>
<dt>Via</dt><dd>${s.via === 'tunnel' ? 'Airlock tunnel (WebSocket)' : 'PostgreSQL protocol'}</dd>
<dt>TLS</dt><dd>${s.tls ? 'yes' : 'no'}</dd>
${s.broker !== undefined ? html`<dt>Broker</dt><dd class="mono">${s.broker}</dd>` : ''}
<dt>Started</dt><dd>${utcStamp(s.startedAt)} UTC</dd>
<dt>Ended</dt><dd>${ended}</dd>
<dt>Duration</dt><dd>${lasted}</dd>
<dt>Session id</dt><dd class="mono">${s.id}</dd>
</dl></section>
<section class="card"><h2>Outcome</h2><div class="stats">
<div><span class="big">${s.statements}</span><small>statements</small></div>
<div><span class="big">${s.blocked}</span><small>blocked</small></div>
<div><span class="big">${s.approvals}</span><small>approvals</small></div>
<div><span class="big">${s.errors}</span><small>errors</small></div>
${s.masked > 0 ? html`<div><span class="big">${s.masked}</span><small>masked results</small></div>` : ''}</div></section>`;
}

/** The live part of the timeline page (served alone as a fragment too). */
export function timelineFragment(input: TimelineInput): SafeHtml {
  const { detail: d, active } = input;
  const s = d.session;
  const open = active && s.endedAt === undefined;
  const items = [
    ...d.statements.map((st) => ({ seq: st.seq, item: statementItem(st, s, input) })),
    ...d.events.map((e) => ({ seq: e.seq, item: eventItem(e, s, input) })),
  ].sort((a, b) => a.seq - b.seq);
  const page = (from: number): string => `/audit/sessions/${s.id}${from > 1 ? `?from=${from}` : ''}`;
  const earlier = d.before > 0 ? html`<a class="pager" href="${page(Math.max(1, input.from - input.pageSize))}">← ${plural(d.before, 'earlier statement')}</a>` : '';
  const later = d.after > 0 ? html`<a class="pager" href="${page(input.from + input.pageSize)}">${plural(d.after, 'later statement')} →</a>` : '';
  return html`<div id="session-state" data-active="${open ? '1' : '0'}" hidden></div>
<div class="grid"><div>${earlier}<ol class="tl">${d.before === 0 ? startItem(s) : ''}${items.map((i) => i.item)}${d.after === 0 ? endItem(s, open) : ''}</ol>${later}</div>
<div>${factsCard(s, open)}</div></div>`;
}

export function timelineBody(input: TimelineInput, fragmentUrl: string): SafeHtml {
  const s = input.detail.session;
  const open = input.active && s.endedAt === undefined;
  return html`<a class="back" href="/audit/sessions">← Sessions</a>
<div class="heading"><h1>${personName(s)} on ${s.connection}</h1>${open ? raw('<span class="badge active">active</span>') : s.endedAt !== undefined ? raw('<span class="badge ended">ended</span>') : raw('<span class="badge ended">no end</span>')}${open ? html`<span class="live" id="live">Connecting…</span>` : ''}</div>
<div id="audit-live" data-fragment="${fragmentUrl}" data-live="${open ? 'session' : 'off'}" data-session="${s.id}">${timelineFragment(input)}</div>`;
}
