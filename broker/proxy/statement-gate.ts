/**
 * Analysis + policy for one statement text in one session. Tracks SQL-level `PREPARE` so that
 * `EXECUTE name` is judged by what was prepared, and the session's reading rules
 * (client_encoding, standard_conforming_strings) so text is read as the server will read it.
 */
import type { Analysis, StatementSummary } from '../analysis/types.js';
import { isReadOnlyBuiltin, type AnalysisCache } from '../analysis/index.js';
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
}

/** Settings that change how statement text is read. */
const READING_SETTINGS = new Set(['client_encoding', 'standard_conforming_strings', 'all', '*']);

function changesReading(s: StatementSummary): boolean {
  if (s.kind === 'do' || s.kind === 'call' || s.node === 'DiscardStmt') return true;
  if (s.setting && READING_SETTINGS.has(s.setting.name)) return true;
  if (s.kind === 'set' && !s.setting) return true;
  return s.functions.some((f) => !isReadOnlyBuiltin(f));
}

export class StatementGate {
  private readonly prepared = new Map<string, StatementSummary>();
  /** `standard_conforming_strings = off` makes backslashes escape quotes, which our parser does not model. */
  standardConformingStrings = true;

  constructor(
    private readonly cache: AnalysisCache,
    private readonly policy: SessionPolicy,
  ) {}

  check(sql: string): GateResult {
    const analysis = this.cache.analyze(sql);
    let decision: Decision;
    if (!this.standardConformingStrings && sql.includes('\\')) {
      decision = {
        action: 'block',
        rule: 'airlock:escape-strings',
        explanation: 'with standard_conforming_strings off, backslashes in string literals cannot be analysed safely',
        hint: 'SET standard_conforming_strings = on, or use E\'\' strings only with it on.',
        statementIndex: 0,
      };
    } else if (analysis.statements.some((s) => s.execute || s.prepare)) {
      decision = this.policy.decideStatements(analysis.statements.flatMap((s) => this.expand(s)));
    } else {
      decision = this.policy.decide(analysis);
    }
    if (!analysis.ok && decision.rule === 'airlock:unparsable') {
      decision = { ...decision, explanation: `${decision.explanation}: ${analysis.error}` };
    }
    if (decision.action === 'allow') this.track(analysis);
    return { analysis, decision, kinds: analysis.statements.map((s) => s.kind), changesReading: analysis.statements.some(changesReading) };
  }

  /**
   * A protocol-level Bind names a statement the broker did not see parsed: one created by SQL
   * `PREPARE` (the two share one namespace in PostgreSQL). Judge what it was prepared as; a name
   * the broker knows nothing about is refused.
   */
  checkPrepared(name: string): GateResult {
    const inner = this.prepared.get(name) ?? UNKNOWN_PREPARED(name);
    const decision = this.policy.decideStatements([inner]);
    return { analysis: { ok: true, statements: [inner] }, decision, kinds: [inner.kind], changesReading: changesReading(inner) };
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
  private track(analysis: Analysis): void {
    for (const s of analysis.statements) {
      if (s.prepare) this.prepared.set(s.prepare.name, s.prepare.inner);
      else if (s.deallocate) {
        if (s.deallocate.name === null) this.prepared.clear();
        else this.prepared.delete(s.deallocate.name);
      } else if (s.node === 'DiscardStmt') this.prepared.clear();
    }
  }
}
