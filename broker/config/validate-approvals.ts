/**
 * Cross-field checks of the `approvals` and `masking` sections and of rules' `approval` blocks
 * (see validate.ts for the rest): names unique, secrets present where needed, nobody left
 * unable to approve, references to connections and notify targets that exist.
 */
import type { Problem } from './validate.js';
import { arr, isObject, strOf, suggest } from './validate-util.js';

type Obj = Record<string, unknown>;

export function checkApprovals(data: Obj, connections: Obj | undefined, problems: Problem[]): { approvals: Obj; notifyNames: Map<string, number> } {
  const approvals = isObject(data.approvals) ? data.approvals : {};
  const notifyNames = new Map<string, number>();
  arr(approvals.notify).forEach((t, i) => {
    if (!isObject(t)) return;
    const name = strOf(t.name);
    if (name !== undefined) {
      const first = notifyNames.get(name);
      if (first !== undefined) problems.push({ path: ['approvals', 'notify', i, 'name'], message: `duplicate notify target name "${name}" (also approvals.notify[${first}])` });
      else notifyNames.set(name, i);
    }
    if (t.type === 'slack' && t.secret !== undefined) problems.push({ path: ['approvals', 'notify', i, 'secret'], message: 'has no effect with type "slack" (Slack does not check signatures) — remove it' });
    if (t.type === 'webhook' && t.secret === undefined) problems.push({ path: ['approvals', 'notify', i], message: 'a webhook target needs `secret` (the HMAC key receivers check the signature with) — add `secret: { env: NAME }`' });
  });
  if (connections && !isObject(approvals.reviewers)) {
    for (const [name, c] of Object.entries(connections)) {
      if (isObject(c) && c.defaultAction === 'approve') {
        problems.push({ path: ['connections', name, 'defaultAction'], message: 'is "approve" but nobody could approve: set approvals.reviewers (the default reviewers)' });
      }
    }
  }
  return { approvals, notifyNames };
}

export function checkMasking(data: Obj, connections: Obj | undefined, problems: Problem[]): void {
  const masking = isObject(data.masking) ? data.masking : {};
  const maskNames = new Map<string, number>();
  arr(masking.rules).forEach((r, i) => {
    if (!isObject(r)) return;
    const name = strOf(r.name);
    if (name !== undefined) {
      const first = maskNames.get(name);
      if (first !== undefined) problems.push({ path: ['masking', 'rules', i, 'name'], message: `duplicate masking rule name "${name}" (also masking.rules[${first}])` });
      else maskNames.set(name, i);
    }
    arr(r.columns).forEach((c, j) => {
      if (isObject(c) && c.strategy === 'hash' && masking.salt === undefined) {
        problems.push({ path: ['masking', 'rules', i, 'columns', j, 'strategy'], message: 'is "hash" but masking.salt is not set — add `masking: { salt: { env: NAME } }`' });
      }
      if (isObject(c) && c.keepLast !== undefined && c.strategy !== 'partial') {
        problems.push({ path: ['masking', 'rules', i, 'columns', j, 'keepLast'], message: 'has no effect unless strategy is "partial"' });
      }
    });
    if (connections) {
      arr(r.connections).forEach((cn, j) => {
        if (typeof cn === 'string' && !Object.keys(connections).includes(cn)) problems.push({ path: ['masking', 'rules', i, 'connections', j], message: `unknown connection "${cn}"` });
      });
    }
  });
}

export function checkRuleApproval(r: Obj, i: number, approvals: Obj, notifyNames: Map<string, number>, problems: Problem[]): void {
  const approval = isObject(r.approval) ? r.approval : undefined;
  if (approval && r.action !== 'approve') {
    problems.push({ path: ['rules', i, 'approval'], message: `has no effect with action "${String(r.action)}" — remove it, or set action to "approve"` });
    return;
  }
  if (r.action !== 'approve') return;
  const reviewers = approval && isObject(approval.reviewers) ? approval.reviewers : isObject(approvals.reviewers) ? approvals.reviewers : undefined;
  if (!reviewers) {
    problems.push({ path: ['rules', i], message: 'an approve rule needs reviewers — add `approval: { reviewers: { groups: [...] } }`, or set approvals.reviewers for every approve rule' });
    return;
  }
  const groups = arr(reviewers.groups);
  const quorum = approval && typeof approval.quorum === 'number' ? approval.quorum : typeof approvals.quorum === 'number' ? approvals.quorum : 1;
  if (reviewers.mode === 'all' && quorum < groups.length) {
    problems.push({ path: ['rules', i, 'approval', 'quorum'], message: `is ${quorum}, but mode "all" needs one approval from each of ${groups.length} groups — set quorum to at least ${groups.length}` });
  }
  arr(approval?.notify).forEach((n, j) => {
    if (typeof n !== 'string' || notifyNames.has(n)) return;
    const guess = suggest(n, [...notifyNames.keys()]);
    problems.push({ path: ['rules', i, 'approval', 'notify', j], message: `unknown notify target "${n}" — ${guess !== undefined ? `did you mean "${guess}"?` : `defined in approvals.notify: ${[...notifyNames.keys()].join(', ') || '(none)'}`}` });
  });
}
