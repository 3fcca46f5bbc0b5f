/**
 * Contract: a held statement is announced to the configured targets — a generic webhook gets a
 * JSON body signed with HMAC-SHA256, Slack gets a message with a link to the request — and the
 * decision is announced too. A target that keeps failing is recorded in the journal by name,
 * never by URL. Receivers are local HTTP servers (Slack's servers are out of reach here).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../broker/approvals/notify/index.js';
import { DEFAULT_APPROVALS, startTestBroker, type TestBroker } from '../support/broker-harness.js';

interface Received {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

const received: Received[] = [];
let receiver: Server;
let b: TestBroker;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      res.statusCode = req.url === '/broken' ? 500 : 200;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  b = await startTestBroker({
    env: { HOOK_URL: `${base}/hook`, HOOK_KEY: 'hook-secret', SLACK_URL: `${base}/slack/T000/B000/secret-path`, BROKEN_URL: `${base}/broken` },
    approvals: `${DEFAULT_APPROVALS}
  notify:
    - { name: hook, type: webhook, url: { env: HOOK_URL }, secret: { env: HOOK_KEY } }
    - { name: slack, type: slack, url: { env: SLACK_URL } }
    - { name: broken, type: webhook, url: { env: BROKEN_URL }, secret: { env: HOOK_KEY }, maxAttempts: 2, timeoutMs: 500 }
`,
  });
});
afterAll(async () => {
  await b[Symbol.asyncDispose]();
  await new Promise((resolve) => receiver.close(resolve));
});

describe('notifications', () => {
  it('sends a signed webhook and a Slack message for a held statement and its decision', async () => {
    const c = await b.client('alice', ['developers']);
    const notice = new Promise<string>((resolve) => c.on('notice', (n) => resolve(String(n.message))));
    const done = c.query("DELETE FROM audit_me WHERE note = '<!channel> notify-test'").catch(() => undefined);
    const id = /approval (apr_\S+)/.exec(await notice)![1]!;

    await expect.poll(() => received.filter((r) => r.path === '/hook').length).toBeGreaterThanOrEqual(1);
    const hook = received.find((r) => r.path === '/hook')!;
    expect(hook.headers['airlock-event']).toBe('approval.requested');
    expect(verifySignature('hook-secret', String(hook.headers['airlock-signature']), hook.body, 300)).toBe(true);
    expect(verifySignature('wrong-secret', String(hook.headers['airlock-signature']), hook.body, 300)).toBe(false);
    const payload = JSON.parse(hook.body) as { type: string; data: { approval: { id: string; url: string } } };
    expect(payload).toMatchObject({ type: 'approval.requested', data: { approval: { id } } });
    expect(payload.data.approval.url).toBe(`${b.broker.httpUrl}/approvals/${id}`);

    await expect.poll(() => received.some((r) => r.path.startsWith('/slack/'))).toBe(true);
    const slack = received.find((r) => r.path.startsWith('/slack/'))!.body;
    expect(slack).toContain(`/approvals/${id}`);
    expect(slack).toContain('&lt;!channel&gt;');
    expect(slack).not.toContain('<!channel>');

    const bob = await b.broker.verifier.verify(await b.token('bob', ['dba']));
    await b.broker.approvals.decide(id, bob, 'deny', 'no');
    await done;
    await expect.poll(() => received.some((r) => r.path === '/hook' && r.headers['airlock-event'] === 'approval.decided')).toBe(true);

    // The broken target was tried twice per event and recorded by name, without its URL.
    await expect.poll(() => b.store.records.filter((r) => r.type === 'notify.failed').length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    const failed = b.store.records.find((r) => r.type === 'notify.failed')!;
    expect(failed).toMatchObject({ target: 'broken', attempts: 2 });
    expect(JSON.stringify(failed)).not.toContain('/broken');
  });
});
