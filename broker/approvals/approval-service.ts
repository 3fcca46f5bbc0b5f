/**
 * The lifecycle of held statements: requested → approved | denied | expired | cancelled |
 * abandoned. Every change is written to the approvals store before anyone hears of it — the
 * waiting session, the events stream, notifiers — so a decision that was announced survives a
 * restart, and a statement never runs on a decision that was not stored.
 *
 * On start, requests still pending from a previous run are marked `abandoned`: their sessions
 * died with that process, so nothing they held can run any more.
 */
import { randomBytes } from 'node:crypto';
import { AirlockError } from '../errors/airlock-error.js';
import type { Principal } from '../identity/types.js';
import type { ApprovalsDb } from './approvals-store.js';
import { pruneHistory } from './approvals-store.js';
import type { EventBus } from './event-bus.js';
import { allRequirementsMet, personRef, REFUSAL_MESSAGES, reviewerGroupsHeld, reviewRefusal, samePerson } from './review-rules.js';
import { Serial } from './serial.js';
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

const OPEN: readonly ApprovalState[] = ['pending'];


export class ApprovalService {
  private readonly waiters = new Map<string, { resolve: (r: ApprovalRequest) => void; timer: NodeJS.Timeout }>();
  /** Decisions are applied one at a time, so two reviewers cannot both complete a quorum. */
  private readonly queue = new Serial();

  constructor(
    private readonly db: ApprovalsDb,
    private readonly events: EventBus,
    /** Base of the links in requests; the broker sets the real one once it listens (port 0). */
    public publicUrl: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Marks requests left pending by a previous run as abandoned. */
  async recover(): Promise<number> {
    const at = this.iso();
    let n = 0;
    this.db.data.approvals = this.db.data.approvals.map((a) => {
      if (a.state !== 'pending') return a;
      n++;
      return { ...a, state: 'abandoned', closedAt: at, reason: 'the broker restarted while the statement waited; it was not run' };
    });
    if (n > 0) await this.db.write();
    return n;
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
    };
    const outcome = new Promise<ApprovalRequest>((resolve) => {
      const timer = setTimeout(() => void this.expire(id), input.expiresInSeconds * 1000);
      timer.unref();
      this.waiters.set(id, { resolve, timer });
    });
    await this.queue.run(async () => {
      this.db.data.approvals.push(request);
      this.db.data.approvals = pruneHistory(this.db.data.approvals, OPEN);
      await this.db.write();
    });
    this.events.publish({ type: 'approval.requested', at: request.createdAt, approval: request });
    return { request, outcome };
  }

  get(id: string): ApprovalRequest | undefined {
    return this.db.data.approvals.find((a) => a.id === id);
  }

  /** Newest first. */
  list(filter: { state?: ApprovalState; limit?: number } = {}): ApprovalRequest[] {
    const out: ApprovalRequest[] = [];
    const limit = filter.limit ?? 200;
    const all = this.db.data.approvals;
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

  decide(id: string, reviewer: Principal, verdict: 'approve' | 'deny', comment: string): Promise<ApprovalRequest> {
    return this.queue.run(async () => {
      const current = this.get(id);
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
      const next: ApprovalRequest = { ...current, decisions, state, ...(state === 'pending' ? {} : { closedAt: decision.at }) };
      await this.replace(next);
      if (state === 'pending') this.events.publish({ type: 'approval.updated', at: decision.at, approval: next });
      else this.settle(next);
      return next;
    });
  }

  /** The client gave up (disconnected, cancelled): the statement will never run. */
  cancel(id: string, reason: string): Promise<ApprovalRequest | undefined> {
    return this.close(id, 'cancelled', reason);
  }

  private expire(id: string): Promise<ApprovalRequest | undefined> {
    return this.close(id, 'expired', 'no decision before the request expired');
  }

  private close(id: string, state: 'expired' | 'cancelled', reason: string): Promise<ApprovalRequest | undefined> {
    return this.queue.run(async () => {
      const current = this.get(id);
      if (!current || current.state !== 'pending') return undefined;
      const next: ApprovalRequest = { ...current, state, reason, closedAt: this.iso() };
      await this.replace(next);
      this.settle(next);
      return next;
    });
  }

  /**
   * The broker is stopping: pending requests are marked abandoned (their sessions are about to
   * close, so nothing they hold can run) and their waiters told. After a crash, `recover()`
   * does the same at the next start.
   */
  async stop(): Promise<void> {
    const pending = this.list({ state: 'pending', limit: Number.MAX_SAFE_INTEGER });
    for (const a of pending) {
      await this.queue.run(async () => {
        const current = this.get(a.id);
        if (!current || current.state !== 'pending') return;
        const next: ApprovalRequest = { ...current, state: 'abandoned', closedAt: this.iso(), reason: 'the broker stopped while the statement waited; it was not run' };
        await this.replace(next);
        this.settle(next);
      });
    }
    for (const w of this.waiters.values()) clearTimeout(w.timer);
  }

  private settle(closed: ApprovalRequest): void {
    const w = this.waiters.get(closed.id);
    if (w) {
      clearTimeout(w.timer);
      this.waiters.delete(closed.id);
      w.resolve(closed);
    }
    this.events.publish({ type: 'approval.decided', at: closed.closedAt ?? this.iso(), approval: closed });
  }

  private async replace(next: ApprovalRequest): Promise<void> {
    const list = this.db.data.approvals;
    const i = list.findIndex((a) => a.id === next.id);
    list[i] = next;
    await this.db.write();
  }


  private iso(): string {
    return new Date(this.now()).toISOString();
  }
}

export type { PersonRef };
