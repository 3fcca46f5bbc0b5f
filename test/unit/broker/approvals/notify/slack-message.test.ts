import { describe, expect, it } from 'vitest';
import { buildSlackMessage, type SlackMessage } from '../../../../../broker/approvals/notify/slack-message.js';
import { clip, codeBlock, escapeMrkdwn, link } from '../../../../../broker/approvals/notify/slack-text.js';
import { accessRequest, accessRequested, approvalRequest, blocked, decided, grace, requested } from './helpers.js';

const texts = (m: SlackMessage): string[] => [m.text, ...m.blocks.flatMap((b) => (b.type === 'section' || b.type === 'header' ? [b.text.text] : b.type === 'context' ? b.elements.map((e) => e.text) : []))];
const all = (m: SlackMessage): string => texts(m).join('\n');

describe('Slack text helpers', () => {
  it("escapes Slack's three control characters, & first", () => {
    expect(escapeMrkdwn('<!channel> & <@U123> <http://x|y> &amp;')).toBe('&lt;!channel&gt; &amp; &lt;@U123&gt; &lt;http://x|y&gt; &amp;amp;');
  });

  it('keeps SQL inside its code block', () => {
    const block = codeBlock('select 1 ```\n<!here> ``````');
    expect(block.startsWith('```\n')).toBe(true);
    expect(block.endsWith('\n```')).toBe(true);
    expect(block.match(/```/g)).toHaveLength(2);
    expect(block).toContain('&lt;!here&gt;');
  });

  it('truncates long SQL to about 600 characters and stays under the section limit', () => {
    const long = codeBlock(`select ${'x'.repeat(5000)}`);
    expect(long.length).toBeLessThan(620);
    expect(long).toContain('…');
    const worst = codeBlock('<'.repeat(5000));
    expect(worst.length).toBeLessThanOrEqual(2010);
    expect(worst).not.toMatch(/&(?:l|lt)?…/); // no half entity before the ellipsis
  });

  it('clips without splitting a surrogate pair', () => {
    const s = clip(`${'a'.repeat(9)}😀😀`, 11);
    expect(s).toBe(`${'a'.repeat(9)}…`);
  });

  it('makes links whose URL cannot end early', () => {
    expect(link('https://a.example/x?a=1&b=2|3', 'Go <now>')).toBe('<https://a.example/x?a=1&amp;b=2%7C3|Go &lt;now&gt;>');
  });
});

describe('buildSlackMessage', () => {
  it('tells reviewers who, where, why, how much and what, with a link', () => {
    const m = buildSlackMessage(requested(approvalRequest({
      requirements: [{ rule: 'big-deletes', explanation: 'deletes more than 100 rows', groups: ['dba'], mode: 'any', quorum: 1, impactReason: '1240 rows changed > 100' }],
    })));
    const text = all(m);
    expect(text).toContain('Ada Lovelace (ada@example.com)');
    expect(text).toContain('*prod*');
    expect(text).toContain('deletes more than 100 rows');
    expect(text).toContain('1240 rows changed &gt; 100');
    expect(text).toContain('*1,240* rows changed, measured');
    expect(text).toContain('DELETE FROM orders');
    expect(m.text).toContain('<https://airlock.example/approvals/apr_test1|Review in Airlock>');
    expect(m.blocks).toContainEqual(expect.objectContaining({ type: 'actions' }));
  });

  it('says when the impact is an estimate or unknown', () => {
    expect(all(buildSlackMessage(requested(approvalRequest({ impact: { method: 'estimated', rowsChanged: 50, tables: [], notes: [] } }))))).toContain('estimated by the planner');
    expect(all(buildSlackMessage(requested(approvalRequest({ impact: { method: 'unavailable', tables: [], notes: ['COPY cannot be dry-run'], error: { code: '42P01', message: 'relation <x> does not exist' } } })))))
      .toMatch(/not measured[\s\S]*42P01 relation &lt;x&gt; does not exist[\s\S]*COPY cannot be dry-run/);
  });

  it('shows the outcome, reviewers and comments of a decision', () => {
    const m = buildSlackMessage(decided(approvalRequest({
      state: 'approved',
      decisions: [{ reviewer: grace, verdict: 'approve', comment: 'fine <https://evil|click>', at: '2025-01-01T10:03:00.000Z', asGroups: ['dba'] }],
    })));
    expect(m.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Statement approved' } });
    const text = all(m);
    expect(text).toContain('Grace Hopper (grace@example.com) approved: “fine &lt;https://evil|click&gt;”');
    expect(text).not.toContain('<https://evil');
  });

  it('shows why a request ended without a reviewer', () => {
    const text = all(buildSlackMessage(decided(approvalRequest({ state: 'expired', reason: 'no decision in 10 minutes' }))));
    expect(text).toContain('Statement approval expired');
    expect(text).toContain('no decision in 10 minutes');
  });

  it('renders access requests and decisions', () => {
    const req = buildSlackMessage(accessRequested(accessRequest({ reason: '<!channel> incident' })));
    expect(all(req)).toContain('asks for `prod-writers` on *prod* for 1h 30m');
    expect(all(req)).toContain('&lt;!channel&gt; incident');
    expect(req.text).toContain('<https://airlock.example/access/acc_test1|Review in Airlock>');
    const dec = buildSlackMessage({ type: 'access.decided', at: '2025-01-01T10:05:00.000Z', access: accessRequest({ state: 'denied', decisions: [{ reviewer: grace, verdict: 'deny', comment: 'not today', at: '2025-01-01T10:05:00.000Z', asGroups: ['dba'] }] }) });
    expect(all(dec)).toContain('Access denied');
    expect(all(dec)).toContain('Grace Hopper (grace@example.com) denied: “not today”');
  });

  it('renders a blocked statement with its rule and escaped SQL', () => {
    const text = all(buildSlackMessage(blocked('DROP TABLE "<!everyone>"')));
    expect(text).toContain('Statement blocked');
    expect(text).toContain('*no-ddl*: DDL is not allowed here');
    expect(text).toContain('DROP TABLE "&lt;!everyone&gt;"');
  });

  it('never lets a user string make a mention or link anywhere in the message', () => {
    const evil = '<!channel> <@U1> <https://evil|x>';
    const person = { subject: evil, issuer: 'i', name: evil, email: evil, kind: 'human' as const, groups: [] };
    const a = approvalRequest({
      requester: person, connection: 'prod', client: { address: '1.2.3.4', applicationName: evil }, reason: evil, state: 'cancelled',
      statement: { sql: evil, protocol: 'simple', parameterCount: 0, binding: 'b', kinds: [] },
      requirements: [{ rule: evil, explanation: evil, groups: [evil], mode: 'all', quorum: 1, impactReason: evil }],
      impact: { method: 'measured', rowsChanged: 1, tables: [{ table: evil, inserted: 1, updated: 0, deleted: 0 }], notes: [evil], error: { code: evil, message: evil } },
      decisions: [{ reviewer: person, verdict: 'deny', comment: evil, at: 'x', asGroups: [] }],
    });
    for (const m of [buildSlackMessage(requested(a)), buildSlackMessage(decided(a)), buildSlackMessage(accessRequested(accessRequest({ requester: person, reason: evil, groups: [evil] })))]) {
      const json = JSON.stringify(m);
      for (const raw of ['<!channel>', '<@U1>', '<https://evil']) expect(json).not.toContain(raw);
    }
  });
});
