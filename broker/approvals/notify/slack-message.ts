/**
 * The Slack incoming-webhook message for an event: `text` (the notification and fallback
 * line) plus Block Kit `blocks` (what the channel shows). Every string a user could have
 * written — SQL, names, e-mail addresses, comments, reasons — goes through `slack-text.ts`.
 * @see https://api.slack.com/messaging/webhooks
 * @see https://api.slack.com/reference/block-kit/blocks
 */
import type { AccessRequest, AirlockEvent, ApprovalRequest, Impact, PersonRef, ReviewDecision, ReviewerRequirement } from '../types.js';
import { clip, clipEscaped, codeBlock, escapeMrkdwn, inline, link, slackDate } from './slack-text.js';

interface PlainText { readonly type: 'plain_text'; readonly text: string }
interface Mrkdwn { readonly type: 'mrkdwn'; readonly text: string }

export type SlackBlock =
  | { readonly type: 'header'; readonly text: PlainText }
  | { readonly type: 'section'; readonly text: Mrkdwn }
  | { readonly type: 'context'; readonly elements: readonly Mrkdwn[] }
  | { readonly type: 'actions'; readonly elements: readonly { readonly type: 'button'; readonly text: PlainText; readonly url: string; readonly action_id: string }[] };

export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

const REVIEW_LABEL = 'Review in Airlock';
/** Slack's limit for a section's text object. */
const SECTION_MAX = 3000;

// Headers are fixed strings: a plain_text header is not escaped the way mrkdwn is, so no user
// text goes there.
const header = (text: string): SlackBlock => ({ type: 'header', text: { type: 'plain_text', text } });
/** Sections are built under the limit; the cut is a last resort, better than Slack refusing the message. */
const section = (text: string): SlackBlock => ({ type: 'section', text: { type: 'mrkdwn', text: clipEscaped(text, SECTION_MAX) } });
const context = (text: string): SlackBlock => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });
/** A button as well as the inline link: the button is what people click, the link survives in the notification text. */
const reviewButton = (url: string): SlackBlock => ({
  type: 'actions',
  elements: [{ type: 'button', text: { type: 'plain_text', text: REVIEW_LABEL }, url, action_id: 'airlock-review' }],
});

/** "Ada Lovelace (ada@example.com)", or the e-mail or subject when there is no name. */
export function personLabel(p: PersonRef): string {
  const main = p.name ?? p.email ?? p.subject;
  const extra = p.name !== undefined && p.email !== undefined ? ` (${p.email})` : '';
  const kind = p.kind === 'service' ? ' [service]' : '';
  return inline(`${main}${extra}`, 150) + kind;
}

/** Lists are cut to a few lines so a message stays readable and inside Slack's limits; the page has them all. */
const andMore = (total: number, shown: number): string[] => (total > shown ? [`• … and ${total - shown} more`] : []);

function requirementLines(reqs: readonly ReviewerRequirement[]): string {
  return reqs.slice(0, 5).map((r) => {
    const who = r.groups.length === 0 ? '' : ` — ${r.quorum} from ${r.mode === 'all' ? 'each of' : 'any of'} ${r.groups.map((g) => inline(g, 60)).join(', ')}`;
    const impact = r.impactReason === undefined ? '' : ` (${inline(r.impactReason, 120)})`;
    return `• *${inline(r.rule, 100)}*: ${inline(r.explanation, 300)}${impact}${who}`;
  }).concat(andMore(reqs.length, 5)).join('\n');
}

const count = (n: number): string => n.toLocaleString('en-US');

export function impactLine(impact: Impact): string {
  const tables = impact.tables.slice(0, 5).map((t) => `${inline(t.table, 80)} (+${count(t.inserted)} ~${count(t.updated)} -${count(t.deleted)})`);
  const more = impact.tables.length > 5 ? ` and ${impact.tables.length - 5} more` : '';
  let line: string;
  if (impact.method === 'measured') {
    line = `*${count(impact.rowsChanged ?? 0)}* rows changed, measured by a dry run that was rolled back`;
  } else if (impact.method === 'estimated') {
    line = impact.rowsChanged === undefined ? 'an estimate by the planner (no row count)' : `about *${count(impact.rowsChanged)}* rows, estimated by the planner (not measured)`;
  } else {
    line = 'not measured';
  }
  const parts = [`*Impact:* ${line}`];
  if (tables.length > 0) parts.push(`Tables: ${tables.join(', ')}${more}`);
  if (impact.error !== undefined) parts.push(`The dry run failed: ${inline(`${impact.error.code} ${impact.error.message}`, 300)}`);
  for (const note of impact.notes.slice(0, 3)) parts.push(`_${inline(note, 200)}_`);
  return parts.join('\n');
}

function decisionLines(decisions: readonly ReviewDecision[]): string {
  if (decisions.length === 0) return '';
  return decisions.slice(0, 5).map((d) => {
    const verdict = d.verdict === 'approve' ? 'approved' : 'denied';
    const comment = d.comment.trim() === '' ? '' : `: “${inline(d.comment, 500)}”`;
    return `• ${personLabel(d.reviewer)} ${verdict}${comment}`;
  }).concat(andMore(decisions.length, 5)).join('\n');
}

const APPROVAL_OUTCOME: Record<ApprovalRequest['state'], string> = {
  pending: 'Statement still waiting for approval',
  approved: 'Statement approved',
  denied: 'Statement denied',
  expired: 'Statement approval expired',
  cancelled: 'Statement approval cancelled',
  abandoned: 'Statement approval abandoned',
};

const ACCESS_OUTCOME: Record<AccessRequest['state'], string> = {
  pending: 'Access request still pending',
  active: 'Access granted',
  denied: 'Access denied',
  expired: 'Access request expired',
  revoked: 'Access revoked',
  cancelled: 'Access request cancelled',
};

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (h > 0 && m > 0) return `${h}h ${m}m`;
  if (h > 0) return `${h}h`;
  if (m > 0) return `${m}m`;
  return `${seconds}s`;
}

function approvalMessage(kind: 'requested' | 'updated' | 'decided', a: ApprovalRequest): SlackMessage {
  const who = personLabel(a.requester);
  const conn = `*${inline(a.connection, 100)}*`;
  const app = a.client.applicationName === undefined || a.client.applicationName === '' ? '' : ` from ${inline(a.client.applicationName, 60)}`;
  const title = kind === 'requested' ? 'Statement held for approval' : APPROVAL_OUTCOME[a.state];
  const blocks: SlackBlock[] = [header(title)];
  if (kind === 'requested') {
    blocks.push(section(`${who} wants to run a statement on ${conn}${app}. It waits for a reviewer until ${slackDate(a.expiresAt)}.`));
  } else {
    blocks.push(section(`*${escapeMrkdwn(title)}* — ${who} on ${conn}${app}.`));
    const decisions = decisionLines(a.decisions);
    if (decisions !== '') blocks.push(section(`*Reviewers*\n${decisions}`));
    if (a.reason !== undefined) blocks.push(section(`*Reason:* ${inline(a.reason, 300)}`));
  }
  if (a.requirements.length > 0) blocks.push(section(`*Why it was held*\n${requirementLines(a.requirements)}`));
  blocks.push(section(impactLine(a.impact)));
  blocks.push(section(codeBlock(a.statement.sql)));
  blocks.push(reviewButton(a.url));
  blocks.push(context(`${link(a.url, REVIEW_LABEL)} · ${inline(a.id, 60)}`));
  const rows = a.impact.rowsChanged === undefined ? '' : ` (${count(a.impact.rowsChanged)} rows, ${a.impact.method})`;
  const text = kind === 'requested'
    ? `${clipName(a.requester)} asks to run a statement on ${inline(a.connection, 100)}${rows}: ${link(a.url, REVIEW_LABEL)}`
    : `${escapeMrkdwn(title)}: ${clipName(a.requester)} on ${inline(a.connection, 100)}: ${link(a.url, REVIEW_LABEL)}`;
  return { text, blocks };
}

function accessMessage(kind: 'requested' | 'decided', r: AccessRequest): SlackMessage {
  const who = personLabel(r.requester);
  const conn = `*${inline(r.connection, 100)}*`;
  const groups = r.groups.map((g) => `\`${inline(g, 60).replace(/`/g, "'")}\``).join(', ');
  const title = kind === 'requested' ? 'Access requested' : ACCESS_OUTCOME[r.state];
  const blocks: SlackBlock[] = [header(title)];
  blocks.push(section(`${who} ${kind === 'requested' ? 'asks' : 'asked'} for ${groups} on ${conn} for ${duration(r.durationSeconds)}.`));
  if (r.reason.trim() !== '') blocks.push(section(`*Reason:* ${inline(r.reason, 500)}`));
  if (kind === 'decided') {
    const decisions = decisionLines(r.decisions);
    if (decisions !== '') blocks.push(section(`*Reviewers*\n${decisions}`));
    if (r.state === 'active' && r.activeUntil !== undefined) blocks.push(section(`Active until ${slackDate(r.activeUntil)}.`));
    if (r.revokedBy !== undefined) blocks.push(section(`Revoked by ${personLabel(r.revokedBy)}.`));
  } else {
    if (r.requirements.length > 0) blocks.push(section(`*Reviewers needed*\n${requirementLines(r.requirements)}`));
    blocks.push(context(`The request lapses at ${slackDate(r.expiresAt)}.`));
  }
  blocks.push(reviewButton(r.url));
  blocks.push(context(`${link(r.url, REVIEW_LABEL)} · ${inline(r.id, 60)}`));
  const text = kind === 'requested'
    ? `${clipName(r.requester)} asks for access to ${inline(r.connection, 100)}: ${link(r.url, REVIEW_LABEL)}`
    : `${escapeMrkdwn(title)}: ${clipName(r.requester)} on ${inline(r.connection, 100)}: ${link(r.url, REVIEW_LABEL)}`;
  return { text, blocks };
}

/** The short name used in the one-line `text`. */
function clipName(p: PersonRef): string {
  return escapeMrkdwn(clip(p.name ?? p.email ?? p.subject, 80));
}

/** The message for any event. Targets choose which event types they get; this renders them all. */
export function buildSlackMessage(event: AirlockEvent): SlackMessage {
  switch (event.type) {
    case 'approval.requested':
      return approvalMessage('requested', event.approval);
    case 'approval.updated':
      return approvalMessage('updated', event.approval);
    case 'approval.decided':
      return approvalMessage('decided', event.approval);
    case 'access.requested':
      return accessMessage('requested', event.access);
    case 'access.updated':
    case 'access.decided':
      return accessMessage('decided', event.access);
    case 'statement.blocked': {
      const s = event.statement;
      const text = `Statement blocked: ${clipName(s.requester)} on ${inline(s.connection, 100)} (${inline(s.rule, 100)})`;
      return {
        text,
        blocks: [
          header('Statement blocked'),
          section(`${personLabel(s.requester)} tried to run a statement on *${inline(s.connection, 100)}*.`),
          section(`• *${inline(s.rule, 100)}*: ${inline(s.explanation, 300)}`),
          section(codeBlock(s.sql)),
        ],
      };
    }
    case 'result.masked': {
      const m = event.masked;
      const text = `Values masked for ${clipName(m.requester)} on ${inline(m.connection, 100)}: ${inline(m.columns.join(', '), 300)}`;
      return { text, blocks: [section(escapeMrkdwn(text))] };
    }
    case 'session.started':
    case 'session.ended': {
      const s = event.session;
      const verb = event.type === 'session.started' ? 'opened' : 'closed';
      const reason = s.reason === undefined ? '' : ` (${inline(s.reason, 200)})`;
      const text = `${personLabel(s.requester)} ${verb} a session on *${inline(s.connection, 100)}*${reason}`;
      return { text, blocks: [section(text)] };
    }
  }
}
