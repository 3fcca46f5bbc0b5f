/** The outcome of evaluating one query string against the rules. */
import type { ReviewerRequirement } from '../approvals/types.js';
import type { RuleAction } from '../config/types.js';

/** What an `approve` decision asks for: every requirement must be met. */
export interface ApprovalDemand {
  readonly requirements: readonly ReviewerRequirement[];
  /** The shortest expiry among the rules that asked. */
  readonly expiresInSeconds: number;
}

export interface Decision {
  readonly action: RuleAction;
  /** Name of the deciding rule: a configured rule, `airlock:*` built-in, or `default:<connection>`. */
  readonly rule: string;
  /** One line: why this action, in words a person or an agent can act on. */
  readonly explanation: string;
  readonly hint: string | undefined;
  /** Index of the statement (in a multi-statement string) that decided. */
  readonly statementIndex: number;
  /** With `approve`: who must approve (all approve rules that matched). */
  readonly approval?: ApprovalDemand;
}

const SEVERITY: Readonly<Record<RuleAction, number>> = { allow: 0, approve: 1, block: 2 };

/** The more severe of two decisions; two approvals combine their requirements. */
export function moreSevere(a: Decision, b: Decision): Decision {
  if (a.action === 'approve' && b.action === 'approve' && a.approval && b.approval) {
    const seen = new Set(a.approval.requirements.map((r) => r.rule));
    return {
      ...a,
      approval: {
        requirements: [...a.approval.requirements, ...b.approval.requirements.filter((r) => !seen.has(r.rule))],
        expiresInSeconds: Math.min(a.approval.expiresInSeconds, b.approval.expiresInSeconds),
      },
    };
  }
  return SEVERITY[b.action] > SEVERITY[a.action] ? b : a;
}
