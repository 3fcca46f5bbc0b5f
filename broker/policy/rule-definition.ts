/**
 * A configured rule compiled for evaluation. Definitions are data (see config `rules:`); this
 * class only turns them into fast predicates and says in words why they matched.
 */
import type { ReviewerRequirement } from '../approvals/types.js';
import type { ApprovalsConfig, RuleAction, RuleConfig } from '../config/types.js';
import type { StatementSummary } from '../analysis/types.js';
import type { Principal } from '../identity/types.js';
import { anyMatch, NamePattern } from './glob.js';

export interface EvaluationContext {
  readonly connection: string;
  readonly principal: Principal;
}

/** The approval defaults a rule's own `approval` block overrides. */
export type ApprovalDefaults = Pick<ApprovalsConfig, 'reviewers' | 'quorum' | 'expiresInSeconds'>;

export const NO_APPROVAL_DEFAULTS: ApprovalDefaults = { reviewers: { groups: [], mode: 'any' }, quorum: 1, expiresInSeconds: 600 };

export class RuleDefinition {
  readonly name: string;
  readonly action: RuleAction;
  /** For approve rules: who reviews, and the impact condition (explanation filled per statement). */
  readonly approval: Omit<ReviewerRequirement, 'explanation'> & { readonly expiresInSeconds: number } | undefined;
  private readonly tables: NamePattern[] | undefined;
  private readonly tablesWritten: NamePattern[] | undefined;
  private readonly functions: NamePattern[] | undefined;

  constructor(private readonly cfg: RuleConfig, defaults: ApprovalDefaults = NO_APPROVAL_DEFAULTS) {
    this.name = cfg.name;
    this.action = cfg.action;
    const a = cfg.approval;
    this.approval = cfg.action !== 'approve' ? undefined : {
      rule: cfg.name,
      groups: a?.reviewers?.groups ?? defaults.reviewers.groups,
      mode: a?.reviewers?.mode ?? defaults.reviewers.mode,
      quorum: a?.quorum ?? defaults.quorum,
      expiresInSeconds: a?.expiresInSeconds ?? defaults.expiresInSeconds,
      ...(a?.rowsChangedAbove === undefined ? {} : { rowsChangedAbove: a.rowsChangedAbove }),
    };
    this.tables = cfg.match.tables?.map((t) => new NamePattern(t));
    this.tablesWritten = cfg.match.tablesWritten?.map((t) => new NamePattern(t));
    this.functions = cfg.match.functions?.map((t) => new NamePattern(t));
  }

  /** True when the rule applies to this caller and connection, before looking at statements. */
  appliesTo(ctx: EvaluationContext): boolean {
    const m = this.cfg.match;
    if (m.connections && !m.connections.includes(ctx.connection)) return false;
    if (m.groups && !m.groups.some((g) => ctx.principal.groups.includes(g))) return false;
    if (m.principalKinds && !m.principalKinds.includes(ctx.principal.kind)) return false;
    return true;
  }

  /** An approve rule naming tables: it also catches writes that reach them indirectly (measured). */
  get reachesTables(): boolean {
    return this.action === 'approve' && (this.tables !== undefined || this.tablesWritten !== undefined);
  }

  /**
   * Whether the rule matches `s` once the tables a dry run saw written are counted as written
   * by `s` (cascades, triggers, functions, views). `measured` undefined: nothing could be
   * measured, so the table conditions are taken as met (fail closed).
   */
  matchesReached(s: StatementSummary, measured: readonly string[] | undefined): boolean {
    if (measured === undefined) {
      return this.matches({ ...s, tablesWritten: [...s.tablesWritten, ...this.tableSources()] });
    }
    return this.matches({ ...s, tablesWritten: [...s.tablesWritten, ...measured] });
  }

  /** A name every table pattern of the rule matches (for the unmeasurable case). */
  private tableSources(): string[] {
    return [...(this.cfg.match.tablesWritten ?? []), ...(this.cfg.match.tables ?? [])].map((g) => g.replace(/\*/g, 'x'));
  }

  /** Every condition given must hold; a list matches when any of its entries does. */
  matches(s: StatementSummary): boolean {
    const m = this.cfg.match;
    if (m.kinds && !this.kindsMatch(m.kinds, s)) return false;
    if (this.tables && !anyMatch(this.tables, s.tablesRead) && !anyMatch(this.tables, s.tablesWritten)) return false;
    if (this.tablesWritten && !anyMatch(this.tablesWritten, s.tablesWritten)) return false;
    if (this.functions && !anyMatch(this.functions, s.functions)) return false;
    if (m.missingWhere !== undefined && s.missingWhere !== m.missingWhere) return false;
    if (m.modifyingCte !== undefined && s.modifyingCte !== m.modifyingCte) return false;
    if (m.copyProgram !== undefined && (s.copy?.program ?? false) !== m.copyProgram) return false;
    return true;
  }

  /**
   * `kinds` looks at the statement's kind and at the data-modifying operations inside it (a
   * DELETE in a WITH clause or in `COPY (...) TO`). Erring on the safe side either way: a
   * block/approve rule matches if any of them is listed; an allow rule only if all of them are.
   */
  private kindsMatch(kinds: readonly string[], s: StatementSummary): boolean {
    if (this.action === 'allow') return kinds.includes(s.kind) && s.operations.every((o) => kinds.includes(o));
    return kinds.includes(s.kind) || s.operations.some((o) => kinds.includes(o));
  }

  /** One line for the client, the recording and the reviewer. */
  explain(s: StatementSummary): string {
    const what = this.cfg.reason ?? this.describeMatch(s);
    return `rule "${this.name}" (${this.action}): ${what}`;
  }

  get hint(): string | undefined {
    return this.cfg.hint;
  }

  private describeMatch(s: StatementSummary): string {
    const m = this.cfg.match;
    const parts: string[] = [];
    if (m.kinds) parts.push(`a ${s.kind} statement`);
    if (m.missingWhere) parts.push(`${s.kind.toUpperCase()} without WHERE`);
    if (this.tables || this.tablesWritten) {
      const names = [...s.tablesWritten, ...s.tablesRead];
      parts.push(`touches ${[...new Set(names)].join(', ')}`);
    }
    if (this.functions) parts.push(`calls ${s.functions.join(', ')}`);
    if (m.modifyingCte) parts.push('a data-modifying WITH clause');
    if (m.copyProgram) parts.push('COPY ... PROGRAM');
    if (m.groups) parts.push(`for groups ${m.groups.join(', ')}`);
    return parts.length ? parts.join('; ') : 'matched';
  }
}
