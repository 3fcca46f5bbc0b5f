/**
 * The lifecycle of held statements: requested → approved | denied | expired | cancelled |
 * abandoned. Every change is written to the approvals store before anyone hears of it — the
 * waiting session, the events stream, notifiers — so a decision that was announced survives a
 * restart, and a statement never runs on a decision that was not stored.
 *
 * On start, requests still pending from a previous run of this broker are marked `abandoned`:
 * their sessions died with that process, so nothing they held can run any more.
 *
 * With a shared store, a request held on this broker may be decided on another one: the store
 * reports the change and the waiting session is released here.
 */
import { randomBytes } from 'node:crypto';
import { AirlockError } from '../errors/airlock-error.js';
import type { Principal } from '../identity/types.js';
import type { StateTable } from '../store/state-table.js';
import type { EventBus } from './event-bus.js';
import { allRequirementsMet, personRef, REFUSAL_MESSAGES, reviewerGroupsHeld, reviewRefusal, samePerson } from './review-rules.js';
import type { ApprovalRequest, ApprovalState, HeldStatement, Impact, PersonRef, ReviewDecision, ReviewerRequirement } from './types.js';

export interface NewApproval {
  readonly requester: Principal;
  readonly connection: string;
  readonly sessionId: string;
  readonly client: ApprovalRequest['client'];
  readonly statement: HeldStatement;
  readonly requirements: readonly ReviewerRequirement[];
  readonly impact: Impact;
  readonly expiresInSeconds: number;
}

export interface PendingApproval {
  readonly request: ApprovalRequest;
  /** Settles with the closed request (approved, denied, expired, cancelled). Never rejects. */
  readonly outcome: Promise<ApprovalRequest>;
}

export class ApprovalService {
  private readonly waiters = new Map<string, { resolve: (r: ApprovalRequest) => void; timer: NodeJS.Timeout }>();

  constructor(
    /** Writes are atomic (among brokers too), so two reviewers cannot both complete a quorum. */
    private readonly table: StateTable<ApprovalRequest>,
    private readonly events: EventBus,
    /** Base of the links in requests; the broker sets the real one once it listens (port 0). */
    public publicUrl: string,
    /** This broker's name: its sessions' requests carry it. */
    private readonly brokerName?: string,
    private readonly now: () => number = Date.now,
  ) {
    // Decided on another broker: release the session waiting here (the event came with the decision).
    table.onRemoteChange((a) => {
      if (a.state !== 'pending') this.release(a);
    });
  }

  /** Marks requests this broker's previous run left pending as abandoned. */
  async recover(): Promise<number> {
    return this.abandonOwn('the broker restarted while the statement waited; it was not run', false);
  }

  /**
   * Requests held by brokers that are gone (killed, cut off: no heartbeat) can never run: their
   * sessions died with them. Nobody else would close them, so any running broker does.
   */
  abandonOrphans(live: ReadonlySet<string>): Promise<number> {
    return this.abandon((a) => a.broker !== undefined && !live.has(a.broker), (a) => `the broker ${a.broker} holding the statement stopped; it was not run`, true);
  }

  /** Requests of this broker's sessions (a request without a broker name is from a single-broker store). */
  private own(a: ApprovalRequest): boolean {
    return a.broker === undefined || a.broker === this.brokerName;
  }

  private abandonOwn(reason: string, settle: boolean): Promise<number> {
    return this.abandon((a) => this.own(a), () => reason, settle);
  }

  /** Marks the pending requests `which` picks abandoned; `settle` tells waiters and listeners. */
  private async abandon(which: (a: ApprovalRequest) => boolean, reason: (a: ApprovalRequest) => string, settle: boolean): Promise<number> {
    let n = 0;
    for (const a of this.table.all().filter((x) => x.state === 'pending' && which(x))) {
      const next = await this.closePending(a.id, 'abandoned', reason(a));
      if (!next) continue;
      n++;
      if (settle) this.settle(next);
    }
    return n;
  }

  /** Closes a request if it is still pending, as stored (another broker may have decided it). */
  private closePending(id: string, state: 'expired' | 'cancelled' | 'abandoned', reason: string): Promise<ApprovalRequest | undefined> {
    return this.table.update(id, (cur) => (cur?.state === 'pending' ? { ...cur, state, reason, closedAt: this.iso() } : undefined));
  }

  async request(input: NewApproval): Promise<PendingApproval> {
    const id = `apr_${randomBytes(12).toString('base64url')}`;
    const created = this.now();
    const request: ApprovalRequest = {
      id,
      state: 'pending',
      createdAt: new Date(created).toISOString(),
      expiresAt: new Date(created + input.expiresInSeconds * 1000).toISOString(),
      requester: personRef(input.requester),
      connection: input.connection,
      sessionId: input.sessionId,
      client: input.client,
      statement: input.statement,
      requirements: input.requirements,
      impact: input.impact,
      decisions: [],
      url: `${this.publicUrl}/approvals/${id}`,
      ...(this.brokerName ? { broker: this.brokerName } : {}),
    };
    const outcome = new Promise<ApprovalRequest>((resolve) => {
      const timer = setTimeout(() => void this.expire(id), input.expiresInSeconds * 1000);
      timer.unref();
      this.waiters.set(id, { resolve, timer });
    });
    await this.table.insert(request);
    this.events.publish({ type: 'approval.requested', at: request.createdAt, approval: request });
    return { request, outcome };
  }

  get(id: string): ApprovalRequest | undefined {
    return this.table.get(id);
  }

  /** Newest first. */
  list(filter: { state?: ApprovalState; limit?: number } = {}): ApprovalRequest[] {
    const out: ApprovalRequest[] = [];
    const limit = filter.limit ?? 200;
    const all = this.table.all();
    for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
      const a = all[i]!;
      if (!filter.state || a.state === filter.state) out.push(a);
    }
    return out;
  }

  /** A requester sees their own requests; a reviewer sees those they hold a reviewer group for. */
  visibleTo(p: Principal, a: ApprovalRequest): boolean {
    return samePerson(p, a.requester) || reviewerGroupsHeld(p, a.requirements).length > 0;
  }

  /** Whether `p` could decide on `a` now. */
  canDecide(p: Principal, a: ApprovalRequest): boolean {
    return a.state === 'pending' && reviewRefusal(p, a.requester, a.requirements, a.decisions) === undefined;
  }

  async decide(id: string, reviewer: Principal, verdict: 'approve' | 'deny', comment: string): Promise<ApprovalRequest> {
    const next = await this.table.update(id, (current) => {
      if (!current || !this.visibleTo(reviewer, current)) throw new AirlockError('BRK_ERR_NOT_FOUND', `no approval request ${id}`);
      if (current.state !== 'pending') throw new AirlockError('BRK_ERR_APPROVAL_CLOSED', `approval request ${id} is ${current.state}`);
      const refusal = reviewRefusal(reviewer, current.requester, current.requirements, current.decisions);
      if (refusal) throw new AirlockError('BRK_ERR_APPROVAL_REFUSED', REFUSAL_MESSAGES[refusal]);
      const decision: ReviewDecision = {
        reviewer: personRef(reviewer),
        verdict,
        comment,
        at: this.iso(),
        asGroups: reviewerGroupsHeld(reviewer, current.requirements),
      };
      const decisions = [...current.decisions, decision];
      const state: ApprovalState = verdict === 'deny' ? 'denied' : allRequirementsMet(current.requirements, decisions) ? 'approved' : 'pending';
      return { ...current, decisions, state, ...(state === 'pending' ? {} : { closedAt: decision.at }) };
    });
    if (!next) throw new AirlockError('BRK_ERR_NOT_FOUND', `no approval request ${id}`);
    if (next.state === 'pending') this.events.publish({ type: 'approval.updated', at: next.decisions.at(-1)!.at, approval: next });
    else this.settle(next);
    return next;
  }

  /** The client gave up (disconnected, cancelled): the statement will never run. */
  cancel(id: string, reason: string): Promise<ApprovalRequest | undefined> {
    return this.close(id, 'cancelled', reason);
  }

  private expire(id: string): Promise<ApprovalRequest | undefined> {
    return this.close(id, 'expired', 'no decision before the request expired');
  }

  private async close(id: string, state: 'expired' | 'cancelled', reason: string): Promise<ApprovalRequest | undefined> {
    const next = await this.closePending(id, state, reason);
    if (next) this.settle(next);
    return next;
  }

  /**
   * The broker is stopping: pending requests are marked abandoned (their sessions are about to
   * close, so nothing they hold can run) and their waiters told. After a crash, `recover()`
   * does the same at the next start.
   */
  async stop(): Promise<void> {
    await this.abandonOwn('the broker stopped while the statement waited; it was not run', true);
    for (const w of this.waiters.values()) clearTimeout(w.timer);
  }

  /** A request closed here: the waiting session is released and everyone is told. */
  private settle(closed: ApprovalRequest): void {
    this.release(closed);
    this.events.publish({ type: 'approval.decided', at: closed.closedAt ?? this.iso(), approval: closed });
  }

  private release(closed: ApprovalRequest): void {
    const w = this.waiters.get(closed.id);
    if (!w) return;
    clearTimeout(w.timer);
    this.waiters.delete(closed.id);
    w.resolve(closed);
  }


  private iso(): string {
    return new Date(this.now()).toISOString();
  }
}

export type { PersonRef };
