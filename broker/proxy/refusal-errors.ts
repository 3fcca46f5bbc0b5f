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

/** Text pipelined in one extended batch behind a statement that can change how text is read. */
export const PIPELINED_AFTER_SETTING: Decision = {
  action: 'block',
  rule: 'airlock:pipelined-after-setting',
  explanation: 'rule "airlock:pipelined-after-setting" (block): this text was sent in the same batch as a statement that can change how text is read (client_encoding, standard_conforming_strings, procedural code), before that statement completed',
  hint: 'Send a Sync after such a statement and wait for its result before sending more.',
  statementIndex: 0,
};

/** Recorded for an Execute of a portal the client did not Bind (a SQL cursor, judged at DECLARE). */
export const CURSOR_PORTAL: Decision = {
  action: 'allow',
  rule: 'airlock:cursor-portal',
  explanation: 'rule "airlock:cursor-portal" (allow): fetching from a portal the client did not bind (a cursor, judged at DECLARE)',
  hint: undefined,
  statementIndex: 0,
};
