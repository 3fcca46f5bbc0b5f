/**
 * Analysis + policy for one statement text in one session. Tracks SQL-level `PREPARE` so that
 * `EXECUTE name` is judged by what was prepared, and the session's reading rules
 * (client_encoding, standard_conforming_strings) so text is read as the server will read it.
 */
import type { Analysis, StatementSummary } from '../analysis/types.js';
import { isReadOnlyBuiltin, type AnalysisCache } from '../analysis/index.js';
import type { ReviewerRequirement } from '../approvals/types.js';
import type { Decision } from '../policy/decision.js';
import type { SessionPolicy } from '../policy/policy-engine.js';

const UNKNOWN_PREPARED = (name: string): StatementSummary =>
  Object.freeze({
    kind: 'unknown',
    node: 'ExecuteStmt',
    tablesRead: [],
    tablesWritten: [],
    functions: [],
    operations: [],
    missingWhere: false,
    modifyingCte: false,
    writes: true,
    execute: { name },
    literalDependent: false,
  });

export interface GateResult {
  readonly analysis: Analysis;
  readonly decision: Decision;
  readonly kinds: readonly string[];
  /**
   * Running it may change how the server reads the next statements (client_encoding,
   * standard_conforming_strings): messages after it must wait until it has run.
   */
  readonly changesReading: boolean;
  /**
   * Allowed, but it may write and the session has approve rules naming tables: measure which
   * tables it really writes (cascades, triggers, functions, views) before running it.
   */
  readonly measure: boolean;
}

/** Settings that change how statement text is read. */
const READING_SETTINGS = new Set(['client_encoding', 'standard_conforming_strings', 'all', '*']);

function changesReading(s: StatementSummary): boolean {
  if (s.kind === 'do' || s.kind === 'call' || s.node === 'DiscardStmt') return true;
  if (s.setting && READING_SETTINGS.has(s.setting.name)) return true;
  if (s.kind === 'set' && !s.setting) return true;
  return s.functions.some((f) => !isReadOnlyBuiltin(f));
}

/**
 * Prepared statements an analysis drops when it runs: names, or `null` for all of them
 * (`DEALLOCATE ALL`, `DISCARD`). Used for SQL-level and protocol-level statements alike.
 */
export function droppedStatements(analysis: Analysis): readonly (string | null)[] {
  return derive(analysis).drops;
}

/** Facts that depend only on the (shared, frozen) analysis: computed once per cached entry. */
interface Derived {
  readonly kinds: readonly string[];
  readonly changesReading: boolean;
  /** Judged through EXECUTE/PREPARE expansion, which depends on session state. */
  readonly expands: boolean;
  /** PREPAREs and drops in statement order, to replay on the session's prepared statements. */
  readonly preparedChanges: readonly (StatementSummary['prepare'] | { readonly drop: string | null })[];
  readonly drops: readonly (string | null)[];
  /** Some statement can change data (directly, or through code it calls). */
  readonly mayWrite: boolean;
}

const derivedFacts = new WeakMap<Analysis, Derived>();

function derive(analysis: Analysis): Derived {
  let d = derivedFacts.get(analysis);
  if (!d) {
    const st = analysis.statements;
    const drops: (string | null)[] = [];
    const preparedChanges: Derived['preparedChanges'][number][] = [];
    for (const s of st) {
      const drop = s.deallocate ? s.deallocate.name : s.node === 'DiscardStmt' ? null : undefined;
      if (drop !== undefined) {
        drops.push(drop);
        preparedChanges.push({ drop });
      } else if (s.prepare) preparedChanges.push(s.prepare);
    }
    d = {
      kinds: st.map((s) => s.kind),
      changesReading: st.some(changesReading),
      expands: st.some((s) => s.execute !== undefined || s.prepare !== undefined),
      preparedChanges,
      drops,
      // PREPARE runs nothing (its statement is judged when EXECUTE runs it).
      mayWrite: st.some((s) => s.kind !== 'prepare' && (s.writes || s.functions.some((f) => !isReadOnlyBuiltin(f)))),
    };
    derivedFacts.set(analysis, d);
  }
  return d;
}

const ESCAPE_STRINGS: Decision = {
  action: 'block',
  rule: 'airlock:escape-strings',
  explanation: 'with standard_conforming_strings off, backslashes in string literals cannot be analysed safely',
  hint: 'SET standard_conforming_strings = on, or use E\'\' strings only with it on.',
  statementIndex: 0,
};

export class StatementGate {
  private readonly prepared = new Map<string, StatementSummary>();
  /** Results that depend only on the analysis and this session's rules, reused for repeated text. */
  private results = new WeakMap<Analysis, GateResult>();
  /** `standard_conforming_strings = off` makes backslashes escape quotes, which our parser does not model. */
  standardConformingStrings = true;

  constructor(
    private readonly cache: AnalysisCache,
    private policy: SessionPolicy,
  ) {}

  /** Approve requirements a measured statement meets through the tables it really wrote. */
  indirectRequirements(statements: readonly StatementSummary[], measured: readonly string[] | undefined): ReviewerRequirement[] {
    return this.policy.indirectRequirements(statements, measured);
  }

  /** The session's rules changed (an access grant began or ended): forget decisions made under the old ones. */
  setPolicy(policy: SessionPolicy): void {
    this.policy = policy;
    this.results = new WeakMap();
  }

  check(sql: string): GateResult {
    const analysis = this.cache.analyze(sql);
    if (!this.standardConformingStrings && sql.includes('\\')) return this.result(analysis, ESCAPE_STRINGS);
    const d = derive(analysis);
    let result: GateResult | undefined;
    if (d.expands) {
      result = this.result(analysis, this.policy.decideStatements(analysis.statements.flatMap((s) => this.expand(s))));
    } else {
      result = this.results.get(analysis);
      if (!result) {
        result = this.result(analysis, this.policy.decide(analysis));
        this.results.set(analysis, result);
      }
    }
    if (result.decision.action === 'allow' && d.preparedChanges.length > 0) this.track(d);
    return result;
  }

  /**
   * A protocol-level Bind names a statement the broker did not see parsed: one created by SQL
   * `PREPARE` (the two share one namespace in PostgreSQL). Judge what it was prepared as; a name
   * the broker knows nothing about is refused.
   */
  checkPrepared(name: string): GateResult {
    const inner = this.prepared.get(name) ?? UNKNOWN_PREPARED(name);
    return this.result({ ok: true, statements: [inner] }, this.policy.decideStatements([inner]));
  }

  private result(analysis: Analysis, decision: Decision): GateResult {
    const d = derive(analysis);
    if (!analysis.ok && decision.rule === 'airlock:unparsable') {
      decision = { ...decision, explanation: `${decision.explanation}: ${analysis.error}` };
    }
    const measure = decision.action === 'allow' && d.mayWrite && this.policy.measuresWrites;
    return { analysis, decision, kinds: d.kinds, changesReading: d.changesReading, measure };
  }

  /**
   * What a statement stands for when judged: `EXECUTE name` is what `name` was prepared as;
   * `PREPARE name AS inner` is judged both as itself and as `inner`, so nothing can be prepared
   * that could not be run.
   */
  private expand(s: StatementSummary): StatementSummary[] {
    if (s.execute) return [this.prepared.get(s.execute.name) ?? UNKNOWN_PREPARED(s.execute.name)];
    if (s.prepare) return [s, s.prepare.inner];
    return [s];
  }

  /** Remembers what allowed PREPAREs define, and forgets what DEALLOCATE/DISCARD drop. */
  private track(d: Derived): void {
    for (const change of d.preparedChanges) {
      if (!change) continue;
      if (!('drop' in change)) this.prepared.set(change.name, change.inner);
      else if (change.drop === null) this.prepared.clear();
      else this.prepared.delete(change.drop);
    }
  }
}
