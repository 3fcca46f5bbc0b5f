/**
 * What a statement text from the client must pass before it is forwarded: it reads as text in the
 * session's encoding, no reading-rule change is pending in its batch (reading-barrier.ts), the
 * gate allows it (or holds it for an approval this broker can ask for), and — for a masked
 * identity — its output's lineage is known. Whatever fails is refused in place
 * (statement-refusal.ts), and the caller drops the message.
 */
import type { Decision } from '../policy/decision.js';
import { ProtocolError } from '../protocol/postgres/index.js';
import { LineageError, type StatementOutput } from '../masking/lineage/types.js';
import type { ExtendedQueryState } from './extended-query-state.js';
import type { ReadingBarrier } from './reading-barrier.js';
import { decisionError, PIPELINED_AFTER_SETTING } from './refusal-errors.js';
import type { ResultMasking } from './result-masking.js';
import type { GateResult, StatementGate } from './statement-gate.js';
import type { StatementRefusal } from './statement-refusal.js';

export class StatementAdmission {
  constructor(
    private readonly gate: StatementGate,
    /** Approvals can be asked for: an `approve` decision holds the statement instead of refusing it. */
    private readonly approvals: boolean,
    private readonly barrier: ReadingBarrier,
    private readonly extended: ExtendedQueryState,
    private readonly masking: ResultMasking | undefined,
    private readonly refusal: StatementRefusal,
  ) {}

  /**
   * A message's text could not be read. Text invalid in the session's encoding is refused (the
   * caller drops the message); any other error is the client's protocol error and is rethrown.
   */
  undecodable(e: unknown, protocol: 'simple' | 'extended'): void {
    if (!(e instanceof ProtocolError) || e.code !== 'encoding') throw e;
    this.refusal.refuse({ severity: 'ERROR', code: e.sqlState, message: `Airlock refused the statement: ${e.message}`, hint: 'Send valid text in the session\'s client_encoding.' }, protocol, '<undecodable text>', ['unknown']);
  }

  /** The decision refuses the statement: a block, or an approval this broker cannot ask for. */
  refuses(decision: Decision): boolean {
    return decision.action === 'block' || (decision.action === 'approve' && !this.approvals);
  }

  /**
   * Judges a statement text; refuses it (undefined) unless allowed. Text pipelined in the same
   * extended batch behind a reading-rule change is refused unread (see reading-barrier.ts).
   */
  admit(protocol: 'simple' | 'extended', sql: string): GateResult | undefined {
    if (this.barrier.changedInBatch) {
      this.refusal.refuse(decisionError(PIPELINED_AFTER_SETTING), protocol, sql, ['unknown'], PIPELINED_AFTER_SETTING);
      return undefined;
    }
    const gate = this.gate.check(sql);
    if (this.refuses(gate.decision)) {
      this.refusal.refuse(decisionError(gate.decision), protocol, sql, gate.kinds, gate.decision);
      return undefined;
    }
    this.extended.forgetDeallocated(gate);
    return gate;
  }

  /**
   * For a masked identity: what each statement returns, or `null` after refusing a statement
   * whose lineage cannot be established. `undefined` when the session is not masked.
   */
  maskingOutputs(protocol: 'simple' | 'extended', sql: string, kinds: readonly string[]): StatementOutput[] | null | undefined {
    const m = this.masking;
    if (!m) return undefined;
    try {
      return m.masking.outputs(sql);
    } catch (e) {
      if (!(e instanceof LineageError)) throw e;
      const explanation = `rule "airlock:masking-lineage" (block): ${e.message}`;
      this.refusal.refuse(
        { severity: 'ERROR', code: '42501', message: `Airlock cannot show this to a masked identity: ${e.message}`, hint: 'Select the columns you need directly from tables or views (built-in functions only), or ask for an exemption from masking.' },
        protocol, sql, kinds, { action: 'block', rule: 'airlock:masking-lineage', explanation, hint: undefined, statementIndex: 0 },
      );
      return null;
    }
  }
}
