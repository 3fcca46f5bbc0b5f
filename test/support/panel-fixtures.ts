/** Builders for the live panel's tests: approval requests and events with sensible defaults. */
import type { AirlockEvent, ApprovalRequest, PersonRef } from '../../broker/approvals/types.js';
import type { PanelAccount } from '../../extension/panel/protocol.js';

export const ISSUER = 'https://idp.example.test';

export function person(subject: string, groups: string[] = [], name?: string): PersonRef {
  return { subject, issuer: ISSUER, kind: 'human', groups, ...(name ? { name, email: `${subject}@example.test` } : {}) };
}

export function account(subject: string, groups: string[] = [], name?: string): PanelAccount {
  return { subject, issuer: ISSUER, groups, ...(name ? { name } : {}) };
}

let seq = 0;
export function approval(overrides: Partial<ApprovalRequest> & { sql?: string } = {}): ApprovalRequest {
  const { sql, ...rest } = overrides;
  const id = rest.id ?? `apr_test${++seq}`;
  return {
    id,
    state: 'pending',
    createdAt: new Date(Date.now() - 95_000).toISOString(),
    expiresAt: new Date(Date.now() + 600_000).toISOString(),
    requester: person('alice', ['dev'], 'Alice Example'),
    connection: 'orders-prod',
    sessionId: 'ses_1234567890abcdef',
    client: { address: '127.0.0.1', applicationName: 'claude-code' },
    statement: { sql: sql ?? 'DELETE FROM orders WHERE created_at < now() - interval \'2 years\'', protocol: 'simple', parameterCount: 0, binding: 'b', kinds: ['delete'] },
    requirements: [{ rule: 'review-deletes', explanation: 'rule "review-deletes" (approve): deletes need a DBA', groups: ['dba'], mode: 'any', quorum: 1 }],
    impact: { method: 'measured', rowsReported: 312, rowsChanged: 312, tables: [], notes: [] },
    decisions: [],
    url: `https://airlock.example.test/approvals/${id}`,
    ...rest,
  };
}

const at = () => new Date().toISOString();

export const events = {
  requested: (a: ApprovalRequest): AirlockEvent => ({ type: 'approval.requested', at: at(), approval: a }),
  updated: (a: ApprovalRequest): AirlockEvent => ({ type: 'approval.updated', at: at(), approval: a }),
  decided: (a: ApprovalRequest): AirlockEvent => ({ type: 'approval.decided', at: at(), approval: a }),
  blocked: (requester: PersonRef, sql = 'DROP TABLE customers', extra: Record<string, unknown> = {}): AirlockEvent => ({
    type: 'statement.blocked',
    at: at(),
    statement: { sessionId: 'ses_1', connection: 'orders-prod', requester, sql, rule: 'no-ddl', explanation: 'rule "no-ddl" (deny): schema changes go through migrations', ...extra },
  }),
  masked: (requester: PersonRef): AirlockEvent => ({
    type: 'result.masked',
    at: at(),
    masked: { sessionId: 'ses_1', connection: 'orders-prod', requester, columns: ['email', 'phone'], rules: ['pii-email', 'pii-phone'], values: 84 },
  }),
  session: (requester: PersonRef, kind: 'started' | 'ended' = 'started'): AirlockEvent => ({
    type: kind === 'started' ? 'session.started' : 'session.ended',
    at: at(),
    session: { sessionId: 'ses_1234567890abcdef', connection: 'orders-prod', requester, ...(kind === 'ended' ? { reason: 'client closed' } : {}) },
  }),
};
