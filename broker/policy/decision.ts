/** The outcome of evaluating one query string against the rules. */
import type { RuleAction } from '../config/types.js';

export interface Decision {
  readonly action: RuleAction;
  /** Name of the deciding rule: a configured rule, `airlock:*` built-in, or `default:<connection>`. */
  readonly rule: string;
  /** One line: why this action, in words a person or an agent can act on. */
  readonly explanation: string;
  readonly hint: string | undefined;
  /** Index of the statement (in a multi-statement string) that decided. */
  readonly statementIndex: number;
}

const SEVERITY: Readonly<Record<RuleAction, number>> = { allow: 0, approve: 1, block: 2 };

export function moreSevere(a: Decision, b: Decision): Decision {
  return SEVERITY[b.action] > SEVERITY[a.action] ? b : a;
}
