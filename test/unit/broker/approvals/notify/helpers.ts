/**
 * Test support for the notifier: a real HTTP receiver on 127.0.0.1 (no fetch mocks), fake
 * secrets and small builders for events and targets.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NotifyTarget, Secret } from '../../../../../broker/config/types.js';
import type { AccessRequest, AirlockEvent, ApprovalRequest, PersonRef } from '../../../../../broker/approvals/types.js';

export const fakeSecret = (v: string): Secret => ({ reveal: () => v, toString: () => '[secret]', toJSON: () => '[secret]' });

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly receivedAt: number;
}

/** What the receiver does with the n-th request (0-based): answer, or never answer ('hang'). */
export type Reply = { readonly status: number; readonly headers?: Record<string, string>; readonly body?: string; readonly delayMs?: number } | 'hang';

export interface Receiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Requests to one path. */
  at(path: string): ReceivedRequest[];
  close(): Promise<void>;
}

export async function startReceiver(reply: (index: number, req: ReceivedRequest) => Reply = () => ({ status: 200 })): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
      };
      const r = reply(requests.length, received);
      requests.push(received);
      if (r === 'hang') {
        hanging.add(res);
        return;
      }
      const send = (): void => {
        res.writeHead(r.status, { 'content-type': 'text/plain', ...r.headers });
        res.end(r.body ?? 'ok');
      };
      if (r.delayMs === undefined) send();
      else setTimeout(send, r.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    at: (path) => requests.filter((r) => r.path === path),
    close: () => new Promise<void>((resolve) => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export function target(overrides: Omit<Partial<NotifyTarget>, 'url'> & { readonly name: string; readonly url: string | Secret }): NotifyTarget {
  const { url, ...rest } = overrides;
  return {
    type: 'webhook',
    secret: fakeSecret('whsec_test'),
    events: ['approval.requested', 'approval.decided', 'access.requested', 'access.decided'],
    maxAttempts: 3,
    timeoutMs: 2000,
    ...rest,
    url: typeof url === 'string' ? fakeSecret(url) : url,
  };
}

export const ada: PersonRef = { subject: 'u-ada', issuer: 'https://idp.example', name: 'Ada Lovelace', email: 'ada@example.com', kind: 'human', groups: ['eng'] };
export const grace: PersonRef = { subject: 'u-grace', issuer: 'https://idp.example', name: 'Grace Hopper', email: 'grace@example.com', kind: 'human', groups: ['dba'] };

export function approvalRequest(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    id: 'apr_test1',
    state: 'pending',
    createdAt: '2025-01-01T10:00:00.000Z',
    expiresAt: '2025-01-01T10:10:00.000Z',
    requester: ada,
    connection: 'prod',
    sessionId: 'ses_1',
    client: { address: '127.0.0.1', applicationName: 'psql' },
    statement: { sql: 'DELETE FROM orders WHERE created_at < now() - interval \'1 year\'', protocol: 'simple', parameterCount: 0, binding: 'b'.repeat(64), kinds: ['delete'] },
    requirements: [{ rule: 'big-deletes', explanation: 'deletes more than 100 rows', groups: ['dba'], mode: 'any', quorum: 1 }],
    impact: { method: 'measured', rowsReported: 1234, rowsChanged: 1240, tables: [{ table: 'public.orders', inserted: 0, updated: 0, deleted: 1234 }], notes: [] },
    decisions: [],
    url: 'https://airlock.example/approvals/apr_test1',
    ...overrides,
  };
}

export function accessRequest(overrides: Partial<AccessRequest> = {}): AccessRequest {
  return {
    id: 'acc_test1',
    state: 'pending',
    createdAt: '2025-01-01T10:00:00.000Z',
    requester: ada,
    connection: 'prod',
    groups: ['prod-writers'],
    durationSeconds: 5400,
    reason: 'incident 42',
    requirements: [{ rule: 'access:prod', explanation: 'extra groups on prod', groups: ['dba'], mode: 'any', quorum: 1 }],
    decisions: [],
    expiresAt: '2025-01-02T10:00:00.000Z',
    url: 'https://airlock.example/access/acc_test1',
    ...overrides,
  };
}

export const requested = (a: ApprovalRequest = approvalRequest()): AirlockEvent => ({ type: 'approval.requested', at: a.createdAt, approval: a });
export const decided = (a: ApprovalRequest): AirlockEvent => ({ type: 'approval.decided', at: a.closedAt ?? a.createdAt, approval: a });
export const accessRequested = (r: AccessRequest = accessRequest()): AirlockEvent => ({ type: 'access.requested', at: r.createdAt, access: r });
export const blocked = (sql = 'DROP TABLE users'): AirlockEvent => ({
  type: 'statement.blocked', at: '2025-01-01T10:00:00.000Z',
  statement: { sessionId: 'ses_1', connection: 'prod', requester: ada, sql, rule: 'no-ddl', explanation: 'DDL is not allowed here' },
});
