/**
 * The ErrorResponse fields a client sees when Airlock refuses something: SQLSTATE 42501 for a
 * rule's refusal, the coded error's own SQLSTATE otherwise; the message names the rule and says
 * why, the hint what to do instead.
 * @see https://www.postgresql.org/docs/current/protocol-error-fields.html
 */
import { AirlockError } from '../errors/airlock-error.js';
import type { Decision } from '../policy/decision.js';
import type { NoticeFields, ProtocolError } from '../protocol/postgres/index.js';

export function decisionError(d: Decision): NoticeFields {
  const message = d.action === 'approve'
    ? `Airlock: this statement needs approval by ${d.explanation} — approvals are not available on this broker yet`
    : `Airlock blocked this statement: ${d.explanation}`;
  const hint = d.hint ?? (d.action === 'approve' ? new AirlockError('BRK_ERR_APPROVAL_UNAVAILABLE').hint : undefined);
  return { severity: 'ERROR', code: '42501', message, ...(hint ? { hint } : {}) };
}

export function errorFields(e: AirlockError | ProtocolError, severity: 'ERROR' | 'FATAL' = 'ERROR'): NoticeFields {
  const hint = e instanceof AirlockError ? e.hint : undefined;
  return { severity, code: e.sqlState, message: `Airlock: ${e.message}`, ...(hint ? { hint } : {}) };
}
