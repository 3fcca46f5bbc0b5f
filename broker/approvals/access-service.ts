/**
 * Time-boxed access requests: a user asks for extra groups on one connection for a while
 * ("group `writers` on `shop-prod` for 1 hour, because ..."); reviewers approve under the same
 * rules as statements (never one's own request, never a service account, reviewer group held
 * at the decision, quorum); the grant then applies to that user's new sessions and to the rules
 * of their open ones, and ends by itself or when revoked.
 *
 * Stored with the approvals (the shared-state port), written before anyone is told. With a
 * shared store, every broker arms the timers of the requests it hears of, so a grant ends on
 * time even if the broker that granted it is gone; the store lets only one of them end it.
 */
import { randomBytes } from 'node:crypto';
import type { ApprovalsConfig, ConnectionConfig } from '../config/types.js';
import { AirlockError } from '../errors/airlock-error.js';
import type { Principal } from '../identity/types.js';
import type { StateTable } from '../store/state-table.js';
import type { EventBus } from './event-bus.js';
import { allRequirementsMet, personRef, REFUSAL_MESSAGES, reviewerGroupsHeld, reviewRefusal, samePerson } from './review-rules.js';
import type { AccessRequest, GrantState, ReviewDecision } from './types.js';

export interface NewAccessRequest {
  readonly connection: string;
  readonly groups: readonly string[];
  readonly durationSeconds: number;
  readonly reason: string;
}

const OPEN: readonly GrantState[] = ['pending', 'active'];

export class AccessService {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly table: StateTable<AccessRequest>,
    private readonly events: EventBus,
    private readonly config: ApprovalsConfig['access'],
    private readonly connections: ReadonlyMap<string, ConnectionConfig>,
    /** Base of the links in requests; the broker sets the real one once it listens (port 0). */
    public publicUrl: string,
    private readonly now: () => number = Date.now,
  ) {
    table.onRemoteChange((a) => this.arm(a));
  }

  /** Re-arms the timers of open requests and ends those whose time passed while the broker was down. */
  async start(): Promise<void> {
    for (const a of this.table.all()) if (OPEN.includes(a.state)) this.arm(a);
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  async request(p: Principal, input: NewAccessRequest): Promise<AccessRequest> {
    const conn = this.connections.get(input.connection);
    if (!conn) throw new AirlockError('BRK_ERR_CONNECTION_UNKNOWN', input.connection);
    const known = new Set([...conn.allowGroups, ...conn.roles.map((r) => r.group)]);
    const unknown = input.groups.filter((g) => !known.has(g));
    if (unknown.length) throw new AirlockError('BRK_ERR_ACCESS_INVALID', `groups ${unknown.join(', ')} are not used by connection ${conn.name} (it knows ${[...known].join(', ')})`);
    const already = input.groups.filter((g) => p.groups.includes(g));
    if (already.length === input.groups.length) throw new AirlockError('BRK_ERR_ACCESS_INVALID', 'you already hold every group asked for');
    if (input.durationSeconds > this.config.maxDurationSeconds) {
      throw new AirlockError('BRK_ERR_ACCESS_INVALID', `at most ${this.config.maxDurationSeconds} seconds can be asked for`);
    }
    const created = this.now();
    const id = `acc_${randomBytes(12).toString('base64url')}`;
    const request: AccessRequest = {
      id,
      state: 'pending',
      createdAt: new Date(created).toISOString(),
      requester: personRef(p),
      connection: conn.name,
      groups: [...input.groups],
      durationSeconds: input.durationSeconds,
      reason: input.reason,
      requirements: [{
        rule: 'access-request',
        explanation: `access to ${conn.name} as ${input.groups.join(', ')} for ${input.durationSeconds} s: ${input.reason}`,
        groups: this.config.reviewers.groups,
        mode: this.config.reviewers.mode,
        quorum: this.config.quorum,
      }],
      decisions: [],
      expiresAt: new Date(created + this.config.expiresInSeconds * 1000).toISOString(),
      url: `${this.publicUrl}/access/${id}`,
    };
    await this.table.insert(request);
    this.arm(request);
    this.events.publish({ type: 'access.requested', at: request.createdAt, access: request });
    return request;
  }

  get(id: string): AccessRequest | undefined {
    return this.table.get(id);
  }

  list(limit = 200): AccessRequest[] {
    return this.table.all().slice(-limit).reverse();
  }

  visibleTo(p: Principal, a: AccessRequest): boolean {
    return samePerson(p, a.requester) || reviewerGroupsHeld(p, a.requirements).length > 0;
  }

  canDecide(p: Principal, a: AccessRequest): boolean {
    return a.state === 'pending' && reviewRefusal(p, a.requester, a.requirements, a.decisions) === undefined;
  }

  async decide(id: string, reviewer: Principal, verdict: 'approve' | 'deny', comment: string): Promise<AccessRequest> {
    const next = await this.table.update(id, (cur) => {
      if (!cur || !this.visibleTo(reviewer, cur)) throw new AirlockError('BRK_ERR_NOT_FOUND', `no access request ${id}`);
      if (cur.state !== 'pending') throw new AirlockError('BRK_ERR_APPROVAL_CLOSED', `access request ${id} is ${cur.state}`);
      const refusal = reviewRefusal(reviewer, cur.requester, cur.requirements, cur.decisions);
      if (refusal) throw new AirlockError('BRK_ERR_APPROVAL_REFUSED', REFUSAL_MESSAGES[refusal]);
      const at = new Date(this.now());
      const decision: ReviewDecision = { reviewer: personRef(reviewer), verdict, comment, at: at.toISOString(), asGroups: reviewerGroupsHeld(reviewer, cur.requirements) };
      const decisions = [...cur.decisions, decision];
      let next: AccessRequest = { ...cur, decisions };
      if (verdict === 'deny') next = { ...next, state: 'denied', closedAt: decision.at };
      else if (allRequirementsMet(cur.requirements, decisions)) {
        next = { ...next, state: 'active', activeFrom: decision.at, activeUntil: new Date(at.getTime() + cur.durationSeconds * 1000).toISOString() };
      }
      return next;
    });
    if (!next) throw new AirlockError('BRK_ERR_NOT_FOUND', `no access request ${id}`);
    this.arm(next);
    this.events.publish({ type: next.state === 'pending' ? 'access.updated' : 'access.decided', at: next.decisions.at(-1)!.at, access: next });
    return next;
  }

  /** Ends an active grant (or withdraws a pending request): the requester or a reviewer may. */
  async revoke(id: string, by: Principal): Promise<AccessRequest> {
    const next = await this.table.update(id, (cur) => {
      if (!cur || !this.visibleTo(by, cur)) throw new AirlockError('BRK_ERR_NOT_FOUND', `no access request ${id}`);
      if (!OPEN.includes(cur.state)) throw new AirlockError('BRK_ERR_APPROVAL_CLOSED', `access request ${id} is ${cur.state}`);
      const own = samePerson(by, cur.requester);
      if (!own && (by.kind === 'service' || reviewerGroupsHeld(by, cur.requirements).length === 0)) throw new AirlockError('BRK_ERR_APPROVAL_REFUSED', 'only the requester or a reviewer may revoke');
      return { ...cur, state: cur.state === 'pending' ? 'cancelled' : 'revoked', closedAt: new Date(this.now()).toISOString(), revokedBy: personRef(by) };
    });
    if (!next) throw new AirlockError('BRK_ERR_NOT_FOUND', `no access request ${id}`);
    this.arm(next);
    this.events.publish({ type: 'access.decided', at: next.closedAt!, access: next });
    return next;
  }

  /** Groups active grants add for `p` on `connection` right now. */
  grantedGroups(p: { subject: string; issuer: string }, connection: string): string[] {
    const now = this.now();
    const out = new Set<string>();
    for (const a of this.table.all()) {
      if (a.state === 'active' && a.connection === connection && samePerson(p, a.requester) && Date.parse(a.activeUntil!) > now) {
        for (const g of a.groups) out.add(g);
      }
    }
    return [...out];
  }

  /** Schedules the next automatic change: a pending request lapsing, an active grant ending. */
  private arm(a: AccessRequest): void {
    const old = this.timers.get(a.id);
    if (old) clearTimeout(old);
    this.timers.delete(a.id);
    const until = a.state === 'pending' ? a.expiresAt : a.state === 'active' ? a.activeUntil : undefined;
    if (!until) return;
    // setTimeout holds at most 2^31-1 ms; longer waits re-arm.
    const delay = Math.min(Math.max(0, Date.parse(until) - this.now()), 2 ** 31 - 1);
    const t = setTimeout(() => void this.lapse(a.id), delay);
    t.unref();
    this.timers.set(a.id, t);
  }

  private async lapse(id: string): Promise<void> {
    this.timers.delete(id);
    let notYet: AccessRequest | undefined;
    const next = await this.table.update(id, (cur) => {
      if (!cur || !OPEN.includes(cur.state)) return undefined;
      const until = cur.state === 'pending' ? cur.expiresAt : cur.activeUntil!;
      if (Date.parse(until) > this.now()) {
        notYet = cur;
        return undefined;
      }
      return { ...cur, state: 'expired', closedAt: new Date(this.now()).toISOString() };
    });
    if (notYet) this.arm(notYet);
    if (next) this.events.publish({ type: 'access.decided', at: next.closedAt!, access: next });
  }

}
