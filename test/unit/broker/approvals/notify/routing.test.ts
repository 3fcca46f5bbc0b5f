import { describe, expect, it } from 'vitest';
import { ruleTargetsFromRules, targetsFor } from '../../../../../broker/approvals/notify/routing.js';
import type { RuleConfig } from '../../../../../broker/config/types.js';
import { accessRequested, approvalRequest, blocked, requested, target } from './helpers.js';

const targets = [
  target({ name: 'a', url: 'http://a', events: ['approval.requested', 'access.requested', 'statement.blocked'] }),
  target({ name: 'b', url: 'http://b', events: ['approval.requested', 'access.requested'] }),
];
const names = (ts: readonly { name: string }[]): string[] => ts.map((t) => t.name);
const withRules = (...rules: string[]) => requested(approvalRequest({ requirements: rules.map((rule) => ({ rule, explanation: 'x', groups: [], mode: 'any' as const, quorum: 1 })) }));

describe('targetsFor', () => {
  const ruleTargets = new Map<string, readonly string[] | undefined>([['r-a', ['a']], ['r-b', ['b']], ['r-all', undefined], ['r-unknown', ['nope']]]);

  it('filters on the event types each target lists', () => {
    expect(names(targetsFor(blocked(), targets, ruleTargets))).toEqual(['a']);
    expect(names(targetsFor(accessRequested(), targets, ruleTargets))).toEqual(['a', 'b']);
    expect(names(targetsFor({ type: 'approval.decided', at: 'x', approval: approvalRequest() }, targets, ruleTargets))).toEqual([]);
  });

  it("uses the union of the approval rules' notify lists", () => {
    expect(names(targetsFor(withRules('r-a'), targets, ruleTargets))).toEqual(['a']);
    expect(names(targetsFor(withRules('r-b', 'r-a'), targets, ruleTargets))).toEqual(['a', 'b']);
    expect(names(targetsFor(withRules('r-a', 'r-all'), targets, ruleTargets))).toEqual(['a', 'b']);
    expect(names(targetsFor(withRules('r-a', 'default:prod'), targets, ruleTargets))).toEqual(['a']);
    expect(names(targetsFor(withRules('default:prod'), targets, ruleTargets))).toEqual(['a', 'b']);
    expect(names(targetsFor(withRules(), targets, ruleTargets))).toEqual(['a', 'b']);
    expect(names(targetsFor(withRules('r-unknown'), targets, ruleTargets))).toEqual([]);
  });

  it('builds the rule map from approve rules only', () => {
    const rules: RuleConfig[] = [
      { name: 'held', match: {}, action: 'approve', approval: { notify: ['a'] } },
      { name: 'held-all', match: {}, action: 'approve' },
      { name: 'blocked', match: {}, action: 'block' },
    ];
    expect([...ruleTargetsFromRules(rules)]).toEqual([['held', ['a']], ['held-all', undefined]]);
  });
});
