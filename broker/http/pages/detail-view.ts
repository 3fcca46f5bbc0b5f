/** One request in full: statement, why it was held, measured impact, who asked, decisions, the form. */
import { waitingFor } from '../../approvals/review-rules.js';
import type { ApprovalRequest, Impact, ReviewDecision } from '../../approvals/types.js';
import type { Principal } from '../../identity/types.js';
import { cannotDecideReason, countdown, plural, stateBadge, when } from './format.js';
import { html, type SafeHtml } from './html.js';
import { highlightSql, highlightSqlExact } from './sql-highlight.js';

function statementCard(a: ApprovalRequest): SafeHtml {
  const s = a.statement;
  const params = s.parameterCount > 0 ? html`<span class="chip">${plural(s.parameterCount, 'bind parameter')} (values not shown)</span>` : '';
  return html`<section class="card"><h2>Statement</h2>
<pre class="sql"><code>${highlightSql(s.sql)}</code></pre>
<details><summary>Exact text as sent (${plural(s.sql.length, 'character')})</summary><pre class="sql"><code>${highlightSqlExact(s.sql)}</code></pre></details>
<div class="chips">${s.kinds.map((k) => html`<span class="chip">${k}</span>`)}<span class="chip">${s.protocol} protocol</span>${params}</div></section>`;
}

function rulesCard(a: ApprovalRequest): SafeHtml {
  const rules = a.requirements.map(
    (r) => html`<div class="rule"><strong>${r.rule}</strong><p>${r.explanation}</p>
<div class="meta"><span>reviewers: ${r.groups.join(', ')}</span><span>${r.mode === 'all' ? 'one from each group' : 'any of the groups'}</span><span>${plural(r.quorum, 'approval')} needed</span></div></div>`,
  );
  const waiting = a.state === 'pending' ? html`<p class="meta">Still needed: ${waitingFor(a.requirements, a.decisions)}</p>` : '';
  return html`<section class="card"><h2>Why it was held</h2>${rules}${waiting}</section>`;
}

function impactCard(i: Impact): SafeHtml {
  const method = { measured: 'Measured by a dry run that was rolled back', estimated: "Estimated by the planner (not run)", unavailable: 'Not available' }[i.method];
  const stats = html`<div class="stats">
${i.rowsChanged !== undefined ? html`<div><span class="big">${i.rowsChanged.toLocaleString('en-US')}</span><small>rows ${i.method === 'estimated' ? 'estimated' : 'changed'}</small></div>` : ''}
${i.rowsReported !== undefined ? html`<div><span class="big">${i.rowsReported.toLocaleString('en-US')}</span><small>rows reported</small></div>` : ''}
${i.durationMs !== undefined ? html`<div><span class="big">${Math.round(i.durationMs).toLocaleString('en-US')}</span><small>ms dry run</small></div>` : ''}</div>`;
  const tables =
    i.tables.length > 0
      ? html`<table><thead><tr><th>Table</th><th class="num">Inserted</th><th class="num">Updated</th><th class="num">Deleted</th></tr></thead><tbody>
${i.tables.map((t) => html`<tr><td class="mono">${t.table}</td><td class="num">${t.inserted}</td><td class="num">${t.updated}</td><td class="num">${t.deleted}</td></tr>`)}</tbody></table>`
      : '';
  const notes = i.notes.length > 0 ? html`<ul class="notes">${i.notes.map((n) => html`<li>${n}</li>`)}</ul>` : '';
  const error = i.error ? html`<div class="error-box"><strong>The dry run failed</strong> (${i.error.code}): ${i.error.message}</div>` : '';
  return html`<section class="card"><h2>Impact</h2><p class="meta">${method}</p>${stats}${tables}${notes}${error}</section>`;
}

function decideCard(a: ApprovalRequest, viewer: Principal, canDecide: boolean, csrf: string): SafeHtml {
  if (!canDecide) return html`<section class="card"><h2>Your decision</h2><p class="reason">${cannotDecideReason(viewer, a) ?? 'You cannot decide on this request.'}</p></section>`;
  return html`<section class="card"><h2>Your decision</h2>
<form class="decide" method="post" action="/approvals/${a.id}/decision">
<input type="hidden" name="csrf" value="${csrf}">
<label for="comment">Comment <span class="meta">(shown to the requester)</span></label>
<textarea id="comment" name="comment" maxlength="2000" placeholder="Why you approve or deny"></textarea>
<div class="buttons"><button class="approve" type="submit" name="verdict" value="approve">Approve</button><button class="deny" type="submit" name="verdict" value="deny">Deny</button></div>
</form></section>`;
}

function requestCard(a: ApprovalRequest): SafeHtml {
  const r = a.requester;
  return html`<section class="card"><h2>Request</h2><dl class="facts">
<dt>Asked by</dt><dd>${r.name ?? r.subject}${r.email !== undefined && r.email !== r.name ? html`<span class="sub">${r.email}</span>` : ''}</dd>
<dt>Kind</dt><dd>${r.kind === 'human' ? 'person' : 'service account'}${r.groups.length > 0 ? html` · ${r.groups.join(', ')}` : ''}</dd>
<dt>Client</dt><dd class="mono">${a.client.address}</dd>
<dt>Application</dt><dd>${a.client.applicationName || '—'}</dd>
<dt>Connection</dt><dd>${a.connection}</dd>
<dt>Session</dt><dd class="mono">${a.sessionId}</dd>
<dt>Created</dt><dd>${when(a.createdAt)}</dd>
<dt>${a.state === 'pending' ? 'Expires' : 'Closed'}</dt><dd>${a.state === 'pending' ? countdown(a) : a.closedAt ? when(a.closedAt) : '—'}</dd>
<dt>Request id</dt><dd class="mono">${a.id}</dd>
</dl></section>`;
}

/** Shared with the access request page: decisions look the same on both. */
export function decisionsCard(a: { readonly decisions: readonly ReviewDecision[] }): SafeHtml {
  const list = a.decisions.map(
    (d) => html`<div class="decision"><div><strong>${d.reviewer.name ?? d.reviewer.subject}</strong> ${stateBadge(d.verdict === 'approve' ? 'approved' : 'denied')}</div>
<div class="meta">${d.reviewer.email ? html`<span>${d.reviewer.email}</span>` : ''}<span>${when(d.at)}</span><span>as ${d.asGroups.join(', ')}</span></div>
${d.comment ? html`<p class="comment">${d.comment}</p>` : ''}</div>`,
  );
  return html`<section class="card"><h2>Decisions</h2>${a.decisions.length > 0 ? list : html`<p class="meta">No decisions yet.</p>`}</section>`;
}

export function detailBody(a: ApprovalRequest, viewer: Principal, canDecide: boolean, csrf: string): SafeHtml {
  return html`<a class="back" href="${a.state === 'pending' ? '/approvals' : '/approvals/history'}">← ${a.state === 'pending' ? 'Inbox' : 'History'}</a>
<div class="heading"><h1>Statement on ${a.connection}</h1>${stateBadge(a.state)}${a.state === 'pending' ? html`<span class="live" id="live">Connecting…</span>` : ''}</div>
<div class="notice" id="notice" role="status">This request was updated — it is now <strong data-state>…</strong>. <a href="/approvals/${a.id}">Reload</a> to see the latest.</div>
<div class="grid"><div>${statementCard(a)}${rulesCard(a)}${impactCard(a.impact)}</div>
<div>${decideCard(a, viewer, canDecide, csrf)}${requestCard(a)}${decisionsCard(a)}</div></div>`;
}
