/**
 * Makes a pending approval request for page tests. Today it goes straight to the service; a
 * test that wants a statement really held by the proxy (a pg client waiting on its query) can
 * pass its own `CreatePendingRequest` with the same shape.
 */
import type { PendingApproval } from '../../broker/approvals/approval-service.js';
import type { Impact, ReviewerRequirement } from '../../broker/approvals/types.js';
import type { TestBroker } from './broker-harness.js';

export interface PendingRequestOptions {
  readonly sql?: string;
  /** The requesting dev user and the groups in their token. */
  readonly requester?: { readonly user: string; readonly groups: string[] };
  readonly requirements?: readonly ReviewerRequirement[];
  readonly impact?: Impact;
  readonly expiresInSeconds?: number;
  readonly applicationName?: string;
}

export type CreatePendingRequest = (b: TestBroker, opts?: PendingRequestOptions) => Promise<PendingApproval>;

export const DEFAULT_REQUIREMENTS: readonly ReviewerRequirement[] = [
  { rule: 'test-rule', explanation: 'rule "test-rule" (approve): a delete statement', groups: ['dba'], mode: 'any', quorum: 1 },
];

export const DEFAULT_IMPACT: Impact = {
  method: 'measured',
  rowsReported: 3,
  rowsChanged: 3,
  tables: [{ table: 'public.audit_me', inserted: 0, updated: 0, deleted: 3 }],
  notes: ['sequences advanced by the dry run are not rolled back'],
  durationMs: 4,
};

let session = 0;

export const createPendingRequest: CreatePendingRequest = async (b, opts = {}) => {
  const who = opts.requester ?? { user: 'alice', groups: ['developers'] };
  const requester = await b.broker.verifier.verify(await b.token(who.user, who.groups));
  const sql = opts.sql ?? "DELETE FROM audit_me WHERE created_at < now() - interval '30 days'";
  session++;
  return b.broker.approvals.request({
    requester,
    connection: 'testdb',
    sessionId: `sess_test_${session}`,
    client: { address: '127.0.0.1', applicationName: opts.applicationName ?? 'psql' },
    statement: { sql, protocol: 'simple', parameterCount: 0, binding: `binding-${session}`, kinds: ['delete'] },
    requirements: opts.requirements ?? DEFAULT_REQUIREMENTS,
    impact: opts.impact ?? DEFAULT_IMPACT,
    expiresInSeconds: opts.expiresInSeconds ?? 600,
  });
};
