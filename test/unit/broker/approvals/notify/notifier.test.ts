import { afterEach, describe, expect, it, vi } from 'vitest';
import { Notifier, type DeliveryFailure, type NotifierOptions } from '../../../../../broker/approvals/notify/notifier.js';
import { verifySignature } from '../../../../../broker/approvals/notify/signature.js';
import type { WebhookBody } from '../../../../../broker/approvals/notify/delivery-request.js';
import type { NotifyTarget } from '../../../../../broker/config/types.js';
import { accessRequested, approvalRequest, blocked, requested, startReceiver, target, type Receiver, type Reply } from './helpers.js';

type Delivered = Parameters<NonNullable<NotifierOptions['onDelivered']>>[0];

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function receiver(reply?: (i: number) => Reply): Promise<Receiver> {
  const r = await startReceiver(reply);
  cleanup.push(() => r.close());
  return r;
}

function notifier(targets: readonly NotifyTarget[], opts: Partial<NotifierOptions> = {}): { n: Notifier; failures: DeliveryFailure[]; delivered: Delivered[] } {
  const failures: DeliveryFailure[] = [];
  const delivered: Delivered[] = [];
  const n = new Notifier({
    targets,
    ruleTargets: new Map(),
    onFailure: (f) => failures.push(f),
    onDelivered: (d) => delivered.push(d),
    backoffBaseMs: 20,
    ...opts,
  });
  cleanup.push(() => n.close());
  return { n, failures, delivered };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('Notifier: generic webhook', () => {
  it('POSTs the signed JSON envelope with the documented headers', async () => {
    const rx = await receiver();
    const { n, delivered } = notifier([target({ name: 'hook', url: `${rx.url}/hook` })]);
    const event = requested();
    n.handle(event);
    await vi.waitFor(() => expect(delivered).toHaveLength(1));

    const [req] = rx.requests;
    expect(req?.method).toBe('POST');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers['user-agent']).toBe('airlock-broker');
    expect(req?.headers['airlock-event']).toBe('approval.requested');
    const body = JSON.parse(req?.body ?? '') as WebhookBody;
    expect(body.id).toMatch(/^dlv_/);
    expect(req?.headers['airlock-delivery']).toBe(body.id);
    expect(body).toEqual({ id: body.id, type: 'approval.requested', at: event.at, data: event });
    const sig = req?.headers['airlock-signature'];
    expect(typeof sig).toBe('string');
    expect(verifySignature('whsec_test', sig as string, req?.body ?? '', 300)).toBe(true);
    expect(verifySignature('wrong', sig as string, req?.body ?? '', 300)).toBe(false);
    expect(verifySignature('whsec_test', sig as string, (req?.body ?? '').replace('prod', 'dev'), 300)).toBe(false);
    expect(delivered[0]).toEqual({ target: 'hook', eventType: 'approval.requested', deliveryId: body.id, attempts: 1 });
  });

  it('retries 500s with the same delivery id and body, and reports the attempts on success', async () => {
    const rx = await receiver((i) => (i < 2 ? { status: 500 } : { status: 200 }));
    const { n, delivered, failures } = notifier([target({ name: 'hook', url: `${rx.url}/hook`, maxAttempts: 5 })]);
    n.handle(requested());
    await vi.waitFor(() => expect(delivered).toHaveLength(1));

    expect(rx.requests).toHaveLength(3);
    const ids = rx.requests.map((r) => r.headers['airlock-delivery']);
    expect(new Set(ids).size).toBe(1);
    expect(new Set(rx.requests.map((r) => r.body)).size).toBe(1);
    for (const r of rx.requests) expect(verifySignature('whsec_test', r.headers['airlock-signature'] as string, r.body, 300)).toBe(true);
    expect(delivered[0]).toMatchObject({ target: 'hook', attempts: 3, deliveryId: ids[0] });
    expect(failures).toEqual([]);
  });

  it('gives up after exactly maxAttempts and reports one failure that names the target, not the URL', async () => {
    const rx = await receiver(() => ({ status: 500, body: 'internal' }));
    const url = `${rx.url}/services/T0001/B0002/sekritToken`;
    const { n, failures, delivered } = notifier([target({ name: 'ops-hook', url, maxAttempts: 3 })]);
    n.handle(requested());
    await vi.waitFor(() => expect(failures).toHaveLength(1));
    await sleep(150); // no stray retry after the final failure

    expect(rx.requests).toHaveLength(3);
    expect(failures).toHaveLength(1);
    const [f] = failures;
    expect(f).toMatchObject({ target: 'ops-hook', eventType: 'approval.requested', attempts: 3, status: 500, error: 'HTTP 500: internal' });
    const text = JSON.stringify(f);
    for (const leak of [url, rx.url, 'sekritToken', '127.0.0.1', 'whsec_test']) expect(text).not.toContain(leak);
    expect(delivered).toEqual([]);
  });

  it('does not retry a 400', async () => {
    const rx = await receiver(() => ({ status: 400, body: '<html>bad request</html>' }));
    const { n, failures } = notifier([target({ name: 'hook', url: `${rx.url}/hook`, maxAttempts: 5 })]);
    n.handle(requested());
    await vi.waitFor(() => expect(failures).toHaveLength(1));
    await sleep(100);
    expect(rx.requests).toHaveLength(1);
    // Only code-like bodies are quoted; anything else (which could echo the request) is not.
    expect(failures[0]).toMatchObject({ attempts: 1, status: 400, error: 'HTTP 400' });
  });

  it('does not follow redirects', async () => {
    const rx = await receiver(() => ({ status: 302, headers: { location: '/elsewhere' } }));
    const { n, failures } = notifier([target({ name: 'hook', url: `${rx.url}/hook` })]);
    n.handle(requested());
    await vi.waitFor(() => expect(failures).toHaveLength(1));
    expect(rx.requests.map((r) => r.path)).toEqual(['/hook']);
    expect(failures[0]).toMatchObject({ attempts: 1, status: 302 });
  });

  it('counts a timeout as an attempt', async () => {
    const rx = await receiver(() => 'hang');
    const { n, failures } = notifier([target({ name: 'slow', url: `${rx.url}/hook`, timeoutMs: 150, maxAttempts: 2 })]);
    n.handle(requested());
    await vi.waitFor(() => expect(failures).toHaveLength(1), { timeout: 5000 });
    expect(rx.requests).toHaveLength(2);
    expect(failures[0]).toEqual({ target: 'slow', eventType: 'approval.requested', deliveryId: expect.stringMatching(/^dlv_/) as unknown as string, attempts: 2, error: 'no response within 150 ms' });
  });

  it('retries a network error and reports it without the address', async () => {
    const rx = await receiver();
    const url = `${rx.url}/hook`;
    await rx.close(); // nothing listens on that port any more
    const { n, failures } = notifier([target({ name: 'gone', url, maxAttempts: 2 })]);
    n.handle(requested());
    await vi.waitFor(() => expect(failures).toHaveLength(1), { timeout: 5000 });
    expect(failures[0]).toMatchObject({ target: 'gone', attempts: 2 });
    expect(failures[0]?.error).toMatch(/^network error/);
    expect(failures[0]?.error).not.toContain('127.0.0.1');
  });

  it('waits as long as a 429 Retry-After asks', async () => {
    const rx = await receiver((i) => (i === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }));
    const { n, delivered } = notifier([target({ name: 'hook', url: `${rx.url}/hook` })]);
    n.handle(requested());
    await vi.waitFor(() => expect(delivered).toHaveLength(1), { timeout: 5000 });
    expect(rx.requests).toHaveLength(2);
    const gap = (rx.requests[1]?.receivedAt ?? 0) - (rx.requests[0]?.receivedAt ?? 0);
    expect(gap).toBeGreaterThanOrEqual(900); // backoff alone would be ~20 ms
    expect(delivered[0]?.attempts).toBe(2);
  });

  it('caps a Retry-After longer than backoffMaxMs', async () => {
    const rx = await receiver((i) => (i === 0 ? { status: 503, headers: { 'retry-after': '3600' } } : { status: 204 }));
    const { n, delivered } = notifier([target({ name: 'hook', url: `${rx.url}/hook` })], { backoffMaxMs: 200 });
    n.handle(requested());
    await vi.waitFor(() => expect(delivered).toHaveLength(1), { timeout: 5000 });
    const gap = (rx.requests[1]?.receivedAt ?? 0) - (rx.requests[0]?.receivedAt ?? 0);
    expect(gap).toBeGreaterThanOrEqual(150);
    expect(gap).toBeLessThan(1500);
  });

  it('fails at once for a webhook without a signing secret', async () => {
    const rx = await receiver();
    const { n, failures } = notifier([target({ name: 'unsigned', url: `${rx.url}/hook`, secret: undefined })]);
    n.handle(requested());
    expect(failures).toEqual([expect.objectContaining({ target: 'unsigned', attempts: 0 })]);
    await sleep(50);
    expect(rx.requests).toHaveLength(0);
  });

  it('survives callbacks that throw', async () => {
    const rx = await receiver((i) => (i === 0 ? { status: 200 } : { status: 404 }));
    const seen: string[] = [];
    const { n } = notifier([target({ name: 'hook', url: `${rx.url}/hook` })], {
      onDelivered: () => { seen.push('delivered'); throw new Error('logger down'); },
      onFailure: () => { seen.push('failed'); throw new Error('store down'); },
    });
    expect(() => n.handle(requested())).not.toThrow();
    await vi.waitFor(() => expect(seen).toEqual(['delivered']));
    n.handle(requested());
    await vi.waitFor(() => expect(seen).toEqual(['delivered', 'failed']));
    expect(rx.requests).toHaveLength(2);
  });
});

describe('Notifier: which targets get an event', () => {
  it('sends only the event types a target lists', async () => {
    const rx = await receiver();
    const { n, delivered } = notifier([
      target({ name: 'approvals-only', url: `${rx.url}/a`, events: ['approval.requested'] }),
      target({ name: 'access-only', url: `${rx.url}/b`, events: ['access.requested'] }),
      target({ name: 'blocked', url: `${rx.url}/c`, events: ['statement.blocked'] }),
    ]);
    n.handle(requested());
    n.handle(accessRequested());
    n.handle(blocked());
    n.handle({ type: 'session.started', at: '2025-01-01T10:00:00.000Z', session: { sessionId: 's', connection: 'prod', requester: approvalRequest().requester } });
    await vi.waitFor(() => expect(delivered).toHaveLength(3));
    await sleep(50);
    expect(rx.at('/a').map((r) => r.headers['airlock-event'])).toEqual(['approval.requested']);
    expect(rx.at('/b').map((r) => r.headers['airlock-event'])).toEqual(['access.requested']);
    expect(rx.at('/c').map((r) => r.headers['airlock-event'])).toEqual(['statement.blocked']);
    expect(rx.requests).toHaveLength(3);
  });

  it("narrows approval events to the rules' notify targets", async () => {
    const rx = await receiver();
    const all = ['approval.requested', 'access.requested'];
    const { n, delivered } = notifier(
      [target({ name: 'dba', url: `${rx.url}/dba`, events: all }), target({ name: 'sec', url: `${rx.url}/sec`, events: all }), target({ name: 'eng', url: `${rx.url}/eng`, events: all })],
      { ruleTargets: new Map<string, readonly string[] | undefined>([['big-deletes', ['dba']], ['pii', ['sec']], ['anything', undefined]]) },
    );
    const req = (rules: string[]): void => n.handle(requested(approvalRequest({
      id: `apr_${rules.join('_')}`,
      requirements: rules.map((rule) => ({ rule, explanation: 'x', groups: ['dba'], mode: 'any' as const, quorum: 1 })),
    })));
    req(['big-deletes']); // dba
    req(['big-deletes', 'pii']); // dba + sec
    req(['big-deletes', 'default:prod']); // dba (rules without an entry add nothing)
    req(['anything', 'pii']); // all three
    req(['default:prod']); // no configured rule: all three
    n.handle(accessRequested()); // access requests are never narrowed: all three
    const expected = 1 + 2 + 1 + 3 + 3 + 3;
    await vi.waitFor(() => expect(delivered).toHaveLength(expected));
    await sleep(50);
    const ids = (path: string): string[] => rx.at(path).map((r) => (JSON.parse(r.body) as WebhookBody).data).map((d) => ('approval' in d ? d.approval.id : 'access' in d ? d.access.id : '?')).sort();
    expect(ids('/dba')).toEqual(['acc_test1', 'apr_anything_pii', 'apr_big-deletes', 'apr_big-deletes_default:prod', 'apr_big-deletes_pii', 'apr_default:prod'].sort());
    expect(ids('/sec')).toEqual(['acc_test1', 'apr_anything_pii', 'apr_big-deletes_pii', 'apr_default:prod'].sort());
    expect(ids('/eng')).toEqual(['acc_test1', 'apr_anything_pii', 'apr_default:prod'].sort());
  });
});

describe('Notifier: Slack', () => {
  it('posts text and blocks with the review link, escaping SQL and comments', async () => {
    const rx = await receiver();
    const { n, delivered } = notifier([target({ name: 'slack', type: 'slack', secret: undefined, url: `${rx.url}/services/T/B/x` })]);
    const sql = "UPDATE users SET note = '<!channel> <script>alert(1)</script> <https://evil.example|Approve>' ``` *bold* WHERE true";
    const approval = approvalRequest({
      state: 'denied',
      closedAt: '2025-01-01T10:05:00.000Z',
      statement: { sql, protocol: 'simple', parameterCount: 0, binding: 'b'.repeat(64), kinds: ['update'] },
      decisions: [{ reviewer: { ...approvalRequest().requester, name: 'Grace <!here> Hopper', subject: 'g' }, verdict: 'deny', comment: 'no way <script>x</script> <!channel> & friends', at: '2025-01-01T10:05:00.000Z', asGroups: ['dba'] }],
    });
    n.handle(requested(approval));
    n.handle({ type: 'approval.decided', at: '2025-01-01T10:05:00.000Z', approval });
    await vi.waitFor(() => expect(delivered).toHaveLength(2));

    for (const r of rx.requests) {
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['airlock-signature']).toBeUndefined();
      const msg = JSON.parse(r.body) as { text: string; blocks: { type: string; text?: { text: string }; elements?: { url?: string; text: string | { text: string } }[] }[] };
      expect(typeof msg.text).toBe('string');
      expect(msg.text).toContain('<https://airlock.example/approvals/apr_test1|Review in Airlock>');
      const button = msg.blocks.find((b) => b.type === 'actions')?.elements?.[0];
      expect(button?.url).toBe('https://airlock.example/approvals/apr_test1');
      // Nothing user-written can make a mention or a link.
      for (const raw of ['<!channel>', '<!here>', '<script>', '<https://evil']) expect(r.body).not.toContain(raw);
      expect(r.body).toContain('&lt;!channel&gt;');
      expect(r.body).toContain('&lt;script&gt;');
      // The code block is opened and closed once: the ``` in the SQL is broken up.
      const code = msg.blocks.map((b) => b.text?.text ?? '').find((t) => t.startsWith('```'));
      expect(code).toBeDefined();
      expect(code?.match(/```/g)).toHaveLength(2);
    }
    const decidedBody = rx.requests[1]?.body ?? '';
    expect(decidedBody).toContain('Statement denied');
    expect(decidedBody).toContain('Grace &lt;!here&gt; Hopper');
    expect(decidedBody).toContain('no way &lt;script&gt;x&lt;/script&gt; &lt;!channel&gt; &amp; friends');
  });
});

describe('Notifier: close()', () => {
  it('stops pending retries and reports them as failures', async () => {
    const rx = await receiver(() => ({ status: 503 }));
    const { n, failures } = notifier([target({ name: 'hook', url: `${rx.url}/hook`, maxAttempts: 5 })], { backoffBaseMs: 10_000 });
    n.handle(requested());
    await vi.waitFor(() => expect(n.pendingRetries).toBe(1));
    const started = Date.now();
    await n.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(failures).toEqual([expect.objectContaining({ target: 'hook', attempts: 1, error: 'broker stopping', status: 503 })]);
    expect(n.pendingRetries).toBe(0);
    await sleep(100);
    expect(rx.requests).toHaveLength(1);
  });

  it('waits for an attempt in flight', async () => {
    const rx = await receiver(() => ({ status: 200, delayMs: 200 }));
    const { n, delivered, failures } = notifier([target({ name: 'hook', url: `${rx.url}/hook` })]);
    n.handle(requested());
    await vi.waitFor(() => expect(rx.requests).toHaveLength(1));
    await n.close();
    expect(delivered).toHaveLength(1);
    expect(failures).toEqual([]);
  });

  it('does not retry an attempt that fails while closing, and refuses new events', async () => {
    const rx = await receiver(() => ({ status: 500, delayMs: 150 }));
    const { n, failures } = notifier([target({ name: 'hook', url: `${rx.url}/hook` })]);
    n.handle(requested());
    await vi.waitFor(() => expect(rx.requests).toHaveLength(1));
    await n.close();
    n.handle(requested());
    expect(failures.map((f) => [f.attempts, f.error])).toEqual([[1, 'broker stopping'], [0, 'broker stopping']]);
    await sleep(100);
    expect(rx.requests).toHaveLength(1);
  });
});
