/**
 * What happens to a statement an `approve` decision holds, from the session's point of view:
 * measure its impact (dry run, else the planner's estimate), drop the rules whose impact
 * condition does not hold, ask for approval, tell the client at once with a NoticeResponse,
 * and wait for the decision, the expiry, the client's cancel or the end of the session.
 *
 * The session keeps every later client message queued meanwhile, so the statement runs in
 * order — exactly once, and only the bytes that were held (the approval is bound to them).
 */
import { createHash } from 'node:crypto';
import type { StatementSummary } from '../analysis/types.js';
import type { ApprovalService } from '../approvals/approval-service.js';
import { dryRunObstacle, estimable } from '../approvals/impact/dry-run-eligibility.js';
import { planDryRun, type DryRunTarget, type UnitResult } from '../approvals/impact/dry-run-plan.js';
import { planEstimate } from '../approvals/impact/estimate-plan.js';
import { readEstimate, readImpact } from '../approvals/impact/read-impact.js';
import { waitingFor } from '../approvals/review-rules.js';
import type { ApprovalRequest, Impact, ReviewerRequirement } from '../approvals/types.js';
import type { ApprovalsConfig } from '../config/types.js';
import type { Principal } from '../identity/types.js';
import type { ApprovalEventRecord } from '../recording/records.js';
import type { Decision } from '../policy/decision.js';
import type { NoticeFields, TransactionStatus } from '../protocol/postgres/index.js';

export interface HoldContext {
  readonly service: ApprovalService;
  readonly config: ApprovalsConfig;
  readonly principal: Principal;
  readonly connection: string;
  readonly sessionId: string;
  readonly client: ApprovalRequest['client'];
}

export interface HoldTarget extends DryRunTarget {
  readonly decision: Decision;
  readonly statements: readonly StatementSummary[];
  readonly kinds: readonly string[];
  /** Other messages of the same extended batch were already forwarded: nothing can run before it. */
  readonly midBatch: boolean;
  /** Why parameters are unknown (a portal bound in an earlier batch), if they are. */
  readonly unknownParameters?: string;
  /** Approve rules met through the tables a dry run saw written (undefined: not measurable). */
  readonly indirect: (measured: readonly string[] | undefined) => ReviewerRequirement[];
}

/** What the session provides while it holds. */
export interface HoldHost {
  /** Resolves once every earlier message has been answered, with the transaction status. */
  quiesce(): Promise<TransactionStatus>;
  /** Runs the broker's own units on the session's database connection. */
  runSide(units: readonly Buffer[][]): Promise<UnitResult[]>;
  notice(fields: NoticeFields): void;
  /** Resolves when the client cancels (CancelRequest) while the request waits, or the session ends. */
  readonly interrupted: Promise<'cancelled' | 'ended'>;
  /** The client cancelled while the impact was being measured (the cancel went to the database). */
  cancelledWhileMeasuring(): boolean;
  /** The hold moves from measuring to waiting for reviewers: cancels now withdraw the request. */
  waiting(): void;
  /** Records something about the hold before it happens (dry run, request); throws if it cannot. */
  record(type: ApprovalEventRecord['type'], data: Omit<ApprovalEventRecord, 'type' | 'seq' | 'at' | 'sessionId'>): void;
}

export type HoldOutcome =
  | { readonly kind: 'run'; readonly decision: Decision }
  | { readonly kind: 'refuse'; readonly fields: NoticeFields; readonly decision: Decision }
  | { readonly kind: 'ended' };

export function bindingOf(sessionId: string, t: DryRunTarget): string {
  const h = createHash('sha256').update(sessionId).update('\0').update(t.protocol).update('\0').update(t.sql).update('\0');
  for (const f of t.paramFormats ?? []) h.update(`${f},`);
  h.update('\0');
  for (const p of t.params ?? []) {
    if (p === null) h.update('N');
    else h.update(`${p.length}:`).update(p);
  }
  return h.digest('hex');
}

const unavailable = (note: string): Impact => ({ method: 'unavailable', tables: [], notes: [note] });

async function measure(t: HoldTarget, host: HoldHost, ctx: HoldContext): Promise<Impact> {
  if (t.midBatch) return unavailable('not measured: the statement came in the middle of a batch after other statements');
  if (t.unknownParameters) return unavailable(`not measured: ${t.unknownParameters}`);
  const status = await host.quiesce();
  if (status === 'E') return unavailable('not measured: the session\'s transaction has already failed, so the statement cannot run');
  const obstacle = dryRunObstacle(t.statements);
  const started = performance.now();
  const elapsed = (): number => Math.round((performance.now() - started) * 10) / 10;
  if (!obstacle && ctx.config.dryRun.enabled) {
    host.record('approval.dry-run', { text: t.sql, protocol: t.protocol });
    const plan = planDryRun(t, status === 'T', ctx.config.dryRun);
    return readImpact(plan, await host.runSide(plan.units), t.statements, elapsed());
  }
  const why = obstacle ? `no dry run: ${obstacle}` : 'no dry run: dry runs are turned off (approvals.dryRun.enabled)';
  const estimate = estimable(t.statements) ? planEstimate(t) : undefined;
  if (!estimate) return unavailable(why);
  const est = readEstimate(await host.runSide(estimate), t.statements, elapsed());
  return { ...est, notes: [why, ...est.notes] };
}

/** Keeps the requirements whose impact condition holds (a rule without one always holds). */
function applicable(requirements: readonly ReviewerRequirement[], impact: Impact): ReviewerRequirement[] {
  const out: ReviewerRequirement[] = [];
  for (const r of requirements) {
    if (r.rowsChangedAbove === undefined) {
      out.push(r);
    } else if (impact.method === 'unavailable' || impact.rowsChanged === undefined) {
      out.push({ ...r, impactReason: 'the impact could not be measured, so the condition is treated as met' });
    } else if (impact.rowsChanged > r.rowsChangedAbove) {
      out.push({ ...r, impactReason: `${impact.rowsChanged} rows ${impact.method === 'estimated' ? 'estimated' : 'changed'} > ${r.rowsChangedAbove}` });
    }
  }
  return out;
}

function describeImpact(i: Impact): string {
  if (i.method === 'unavailable') return `Impact: ${i.notes[0] ?? 'not measured'}.`;
  const where = i.tables.map((t) => `${t.table} (+${t.inserted} ~${t.updated} -${t.deleted})`).join(', ');
  const how = i.method === 'measured' ? 'measured by a dry run that was rolled back' : 'the planner\'s estimate';
  return `Impact: ${i.rowsChanged} rows changed${where ? ` in ${where}` : ''} (${how}).`;
}

function who(a: ApprovalRequest): string {
  return a.decisions.map((d) => d.reviewer.name ?? d.reviewer.email ?? d.reviewer.subject).join(', ');
}

export async function holdForApproval(t: HoldTarget, host: HoldHost, ctx: HoldContext): Promise<HoldOutcome> {
  const demand = t.decision.approval;
  const impact = await Promise.race([measure(t, host, ctx), host.interrupted.then(() => undefined)]);
  if (impact === undefined) return { kind: 'ended' };
  if (host.cancelledWhileMeasuring()) {
    return {
      kind: 'refuse',
      decision: { ...t.decision, action: 'block', explanation: 'cancelled by the client while its impact was being measured' },
      fields: { severity: 'ERROR', code: '57014', message: 'canceling statement due to user request', detail: 'Airlock was measuring the statement\'s impact; it did not run.' },
    };
  }
  // Approve rules naming tables also hold what the dry run saw reach them (cascades, triggers...).
  const measured = impact.method === 'measured' ? impact.tables.map((x) => x.table) : undefined;
  const indirect = applicable(t.indirect(measured), impact);
  if (t.decision.action === 'allow') {
    // Allowed as written; held only to see which tables it really writes.
    if (indirect.length === 0) return { kind: 'run', decision: t.decision };
    return ask(t, host, ctx, indirect, impact, ctx.config.expiresInSeconds, { ...t.decision, action: 'approve', rule: indirect[0]!.rule, explanation: indirect[0]!.explanation });
  }
  const direct = applicable(demand?.requirements ?? [], impact);
  const requirements = [...direct, ...indirect.filter((r) => !direct.some((d) => d.rule === r.rule))];
  if (requirements.length === 0 && demand && demand.requirements.length > 0) {
    const first = demand.requirements[0]!;
    return {
      kind: 'run',
      decision: {
        ...t.decision,
        action: 'allow',
        explanation: `rule "${first.rule}" (approve) did not hold it: ${impact.rowsChanged} rows ${impact.method === 'estimated' ? 'estimated' : 'changed'}, not above ${first.rowsChangedAbove}`,
      },
    };
  }
  return ask(t, host, ctx, requirements, impact, demand?.expiresInSeconds ?? ctx.config.expiresInSeconds, t.decision);
}

/** Makes the request, tells the client, waits, and turns the outcome into run or refuse. */
async function ask(t: HoldTarget, host: HoldHost, ctx: HoldContext, requirements: ReviewerRequirement[], impact: Impact, expiresInSeconds: number, decision: Decision): Promise<HoldOutcome> {
  const binding = bindingOf(ctx.sessionId, t);
  const pending = await ctx.service.request({
    requester: ctx.principal,
    connection: ctx.connection,
    sessionId: ctx.sessionId,
    client: ctx.client,
    statement: { sql: t.sql, protocol: t.protocol, parameterCount: t.params?.length ?? 0, binding, kinds: t.kinds },
    requirements,
    impact,
    expiresInSeconds,
  });
  const req = pending.request;
  host.waiting();
  host.record('approval.requested', { approvalId: req.id, text: t.sql, rules: requirements.map((r) => r.rule), impact });
  host.notice({
    severity: 'NOTICE',
    code: '00000',
    message: `Airlock: this statement is waiting for approval ${req.id} (${requirements.map((r) => `rule "${r.rule}"`).join(', ')})`,
    detail: `Waiting for ${waitingFor(requirements, [])}. ${describeImpact(impact)} Expires at ${req.expiresAt}.`,
    hint: `A reviewer decides at ${req.url}. Keep this session open: the result arrives here. Cancel the query to withdraw the request.`,
  });
  const first = await Promise.race([pending.outcome, host.interrupted]);
  const closed = typeof first === 'string'
    ? await ctx.service.cancel(req.id, first === 'cancelled' ? 'the client cancelled the statement' : 'the client disconnected').then((c) => c ?? ctx.service.get(req.id))
    : first;
  if (first === 'ended' && closed?.state !== 'approved') return { kind: 'ended' };
  // Abandoned: the broker is stopping and ends the session itself, telling the client (terminate()).
  if (!closed || closed.state === 'abandoned') return { kind: 'ended' };
  host.record('approval.closed', { approvalId: closed.id, state: closed.state, reviewers: closed.decisions.map((d) => ({ subject: d.reviewer.subject, verdict: d.verdict })) });
  const base = { ...decision, rule: requirements[0]!.rule };
  switch (closed.state) {
    case 'approved':
      if (closed.statement.binding !== binding) break;
      return { kind: 'run', decision: { ...base, explanation: `approved by ${who(closed)} (${closed.id}); ${decision.explanation}` } };
    case 'denied': {
      const d = closed.decisions.find((x) => x.verdict === 'deny')!;
      const name = d.reviewer.name ?? d.reviewer.email ?? d.reviewer.subject;
      const explanation = `denied by ${name}${d.comment ? `: "${d.comment}"` : ''} (${closed.id})`;
      return {
        kind: 'refuse',
        decision: { ...base, action: 'block', explanation },
        fields: { severity: 'ERROR', code: '42501', message: `Airlock: statement ${explanation}`, hint: 'Talk to the reviewer, or change the statement and send it again.' },
      };
    }
    case 'cancelled':
      return {
        kind: 'refuse',
        decision: { ...base, action: 'block', explanation: `approval ${closed.id} withdrawn: ${closed.reason ?? 'cancelled'}` },
        fields: { severity: 'ERROR', code: '57014', message: 'canceling statement due to user request', detail: `Airlock approval ${closed.id} was withdrawn; the statement did not run.` },
      };
    default:
      break;
  }
  const explanation = `not approved: approval ${closed.id} is ${closed.state}${closed.reason ? ` (${closed.reason})` : ''}`;
  return {
    kind: 'refuse',
    decision: { ...base, action: 'block', explanation },
    fields: { severity: 'ERROR', code: '42501', message: `Airlock: statement ${explanation}`, hint: 'Send the statement again to make a new request, and ask a reviewer to look at it in time.' },
  };
}
