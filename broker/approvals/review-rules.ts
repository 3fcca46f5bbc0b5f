/**
 * Who may review what, and when enough reviewers have approved. Pure functions over the
 * request's requirements and decisions, so the HTTP API, the approval page and the store all
 * apply the same rules.
 *
 * - Nobody reviews their own request (same subject at the same issuer), and a service account
 *   never reviews (segregation of duties needs a person).
 * - A reviewer must hold a reviewer group *at the moment of the decision*: the groups come from
 *   the token presented with the decision, not from any earlier one.
 * - One approval counts towards every requirement whose groups the reviewer holds. A request is
 *   approved when every requirement is met; one denial by an eligible reviewer denies it.
 */
import type { Principal } from '../identity/types.js';
import type { PersonRef, ReviewDecision, ReviewerRequirement } from './types.js';

export function personRef(p: Principal): PersonRef {
  return {
    subject: p.subject,
    issuer: p.issuer,
    ...(p.name ? { name: p.name } : {}),
    ...(p.email ? { email: p.email } : {}),
    kind: p.kind,
    groups: [...p.groups],
  };
}

export function samePerson(a: { subject: string; issuer: string }, b: { subject: string; issuer: string }): boolean {
  return a.subject === b.subject && a.issuer === b.issuer;
}

/** Reviewer groups of `requirements` that `reviewer` holds now. */
export function reviewerGroupsHeld(reviewer: Principal, requirements: readonly ReviewerRequirement[]): string[] {
  const held = new Set<string>();
  for (const r of requirements) for (const g of r.groups) if (reviewer.groups.includes(g)) held.add(g);
  return [...held];
}

export type ReviewRefusal = 'own-request' | 'service-account' | 'not-a-reviewer' | 'already-decided';

/** Why a decision is refused, in words for the reviewer. */
export const REFUSAL_MESSAGES: Readonly<Record<ReviewRefusal, string>> = {
  'own-request': 'nobody approves their own request',
  'service-account': 'a service account cannot review requests',
  'not-a-reviewer': 'you hold none of the reviewer groups of this request',
  'already-decided': 'you have already decided on this request',
};

/** Why `reviewer` may not decide, or undefined if they may. */
export function reviewRefusal(reviewer: Principal, requester: PersonRef, requirements: readonly ReviewerRequirement[], decisions: readonly ReviewDecision[]): ReviewRefusal | undefined {
  if (samePerson(reviewer, requester)) return 'own-request';
  if (reviewer.kind === 'service') return 'service-account';
  if (reviewerGroupsHeld(reviewer, requirements).length === 0) return 'not-a-reviewer';
  if (decisions.some((d) => samePerson(d.reviewer, reviewer))) return 'already-decided';
  return undefined;
}

/** A requirement is met when enough distinct eligible reviewers approved (one per group with `all`). */
export function requirementMet(req: ReviewerRequirement, decisions: readonly ReviewDecision[]): boolean {
  const approvals = decisions.filter((d) => d.verdict === 'approve' && d.asGroups.some((g) => req.groups.includes(g)));
  if (req.mode === 'all' && !req.groups.every((g) => approvals.some((d) => d.asGroups.includes(g)))) return false;
  return approvals.length >= req.quorum;
}

export function allRequirementsMet(requirements: readonly ReviewerRequirement[], decisions: readonly ReviewDecision[]): boolean {
  return requirements.length > 0 && requirements.every((r) => requirementMet(r, decisions));
}

/** What is still missing, in words (for the waiting client and the page). */
export function waitingFor(requirements: readonly ReviewerRequirement[], decisions: readonly ReviewDecision[]): string {
  const parts: string[] = [];
  for (const r of requirements) {
    if (requirementMet(r, decisions)) continue;
    const have = decisions.filter((d) => d.verdict === 'approve' && d.asGroups.some((g) => r.groups.includes(g))).length;
    const who = r.mode === 'all' ? `one reviewer from each of ${r.groups.join(', ')}` : `a reviewer from ${r.groups.join(' or ')}`;
    parts.push(`${r.quorum - Math.min(have, r.quorum) || 1} more approval(s) (${who}; ${r.quorum} in all)`);
  }
  return parts.join('; ') || 'nothing';
}
