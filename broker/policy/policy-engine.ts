/**
 * Evaluates analysed statements against built-in protections and the configured rules.
 * The most severe matching action wins; with no match the connection's default applies.
 */
import type { ConnectionConfig, RuleConfig } from '../config/types.js';
import type { Analysis, StatementSummary } from '../analysis/types.js';
import { checkBuiltIns } from './built-in-rules.js';
import type { ReviewerRequirement } from '../approvals/types.js';
import { moreSevere, type ApprovalDemand, type Decision } from './decision.js';
import { NO_APPROVAL_DEFAULTS, RuleDefinition, type ApprovalDefaults, type EvaluationContext } from './rule-definition.js';

export class PolicyEngine {
  private readonly rules: readonly RuleDefinition[];

  constructor(rules: readonly RuleConfig[], private readonly approvals: ApprovalDefaults = NO_APPROVAL_DEFAULTS) {
    this.rules = rules.map((r) => new RuleDefinition(r, approvals));
  }

  /** The rules relevant to one session, filtered once when it starts. */
  forSession(ctx: EvaluationContext, connection: ConnectionConfig, roleLocked: boolean): SessionPolicy {
    return new SessionPolicy(this.rules.filter((r) => r.appliesTo(ctx)), connection, roleLocked, this.approvals);
  }
}

export class SessionPolicy {
  /** Analyses are shared, frozen cache entries: identical text reuses the same decision. */
  private readonly memo = new WeakMap<Analysis, Decision>();

  constructor(
    private readonly rules: readonly RuleDefinition[],
    private readonly connection: ConnectionConfig,
    private readonly roleLocked: boolean,
    private readonly approvals: ApprovalDefaults = NO_APPROVAL_DEFAULTS,
  ) {}

  /** Approve rules that name tables: writes in this session are measured to find indirect ones. */
  get measuresWrites(): boolean {
    return this.rules.some((r) => r.reachesTables);
  }

  /**
   * Requirements of approve rules that a statement meets once the tables a dry run saw written
   * count as its own (`measured` undefined: the writes could not be measured).
   */
  indirectRequirements(statements: readonly StatementSummary[], measured: readonly string[] | undefined): ReviewerRequirement[] {
    const out: ReviewerRequirement[] = [];
    for (const rule of this.rules) {
      if (!rule.reachesTables || !rule.approval) continue;
      const s = statements.find((x) => rule.matchesReached(x, measured));
      if (!s) continue;
      const how = measured === undefined ? 'the tables it writes could not be measured' : `it writes ${measured.join(', ')} (measured, including cascades, triggers and functions)`;
      out.push(...approvalOf(rule.approval, `rule "${rule.name}" (approve): ${how}`).requirements);
    }
    return out;
  }

  decide(analysis: Analysis): Decision {
    let d = this.memo.get(analysis);
    if (!d) {
      d = this.decideStatements(analysis.statements);
      this.memo.set(analysis, d);
    }
    return d;
  }

  /** Evaluates without memoising, for statements whose facts come from elsewhere (EXECUTE). */
  decideStatements(statements: readonly StatementSummary[]): Decision {
    if (statements.length === 0) return this.defaultDecision(0, 'an empty query');
    let result: Decision | undefined;
    for (let i = 0; i < statements.length; i++) {
      const d = this.decideOne(statements[i]!, i);
      result = result ? moreSevere(result, d) : d;
      if (result.action === 'block') break;
    }
    return result!;
  }

  private decideOne(s: StatementSummary, index: number): Decision {
    const builtIn = checkBuiltIns(s, this.roleLocked);
    if (builtIn) {
      return { action: 'block', rule: builtIn.rule, explanation: `rule "${builtIn.rule}" (block): ${builtIn.explanation}`, hint: builtIn.hint, statementIndex: index };
    }
    let best: Decision | undefined;
    for (const rule of this.rules) {
      if (!rule.matches(s)) continue;
      const explanation = rule.explain(s);
      const d: Decision = {
        action: rule.action,
        rule: rule.name,
        explanation,
        hint: rule.hint,
        statementIndex: index,
        ...(rule.approval ? { approval: approvalOf(rule.approval, explanation) } : {}),
      };
      best = best ? moreSevere(best, d) : d;
      if (best.action === 'block') break;
    }
    if (best) return best;
    if (s.kind === 'do' || s.kind === 'call') {
      // Procedural code cannot be analysed: a permissive default does not cover it; only a
      // rule that names the kind does.
      return {
        action: 'block',
        rule: 'airlock:opaque-code',
        explanation: `rule "airlock:opaque-code" (block): a ${s.kind.toUpperCase()} statement runs code Airlock cannot analyse, and no rule allows it`,
        hint: `Run the statements themselves, or ask for a rule that allows kind "${s.kind}".`,
        statementIndex: index,
      };
    }
    return this.defaultDecision(index, `a ${s.kind} statement no rule matches`);
  }

  private defaultDecision(index: number, what: string): Decision {
    const action = this.connection.defaultAction;
    const rule = `default:${this.connection.name}`;
    const explanation = `rule "${rule}" (${action}): ${what}; the connection's default action applies`;
    const a = this.approvals;
    return {
      action,
      rule,
      explanation,
      hint: action === 'block' ? 'Ask the broker operator for a rule that allows this statement.' : undefined,
      statementIndex: index,
      ...(action === 'approve'
        ? { approval: { requirements: [{ rule, explanation, groups: a.reviewers.groups, mode: a.reviewers.mode, quorum: a.quorum }], expiresInSeconds: a.expiresInSeconds } }
        : {}),
    };
  }
}

function approvalOf(a: NonNullable<RuleDefinition['approval']>, explanation: string): ApprovalDemand {
  const { expiresInSeconds, ...requirement } = a;
  return { requirements: [{ ...requirement, explanation }], expiresInSeconds };
}
