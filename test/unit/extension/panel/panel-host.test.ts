/**
 * The panel host's message handling, with the `vscode` fake: the webview gets the whole state on
 * `ready`, live events after; malformed messages are dropped; a request's URL is opened only from
 * the host's own state; a reviewer's decision goes to the broker and its outcome back to the
 * webview.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { created, Uri, type FakeWebviewPanel } from '../../../support/vscode-fake.js';
import { PanelHost } from '../../../../extension/panel/panel-host.js';
import type { ApprovalRequest } from '../../../../broker/approvals/types.js';

const me = { subject: 'alice', issuer: 'https://idp', groups: ['developers'] };
const bob = { subject: 'bob', issuer: 'https://idp', groups: ['dba'] };

function request(id: string, requester: { subject: string; issuer: string }): ApprovalRequest {
  return {
    id,
    state: 'pending',
    createdAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + 600_000).toISOString(),
    requester: { ...requester, kind: 'human', groups: [] },
    connection: 'shop',
    sessionId: 's1',
    client: { address: '127.0.0.1' },
    statement: { sql: 'DELETE FROM t WHERE id = 1', protocol: 'simple', parameterCount: 0, binding: 'b', kinds: ['delete'] },
    requirements: [{ rule: 'review', explanation: 'x', groups: ['dba'], mode: 'any', quorum: 1 }],
    impact: { method: 'measured', rowsChanged: 1, tables: [], notes: [] },
    decisions: [],
    url: `https://airlock.example.com/approvals/${id}`,
  };
}

let decisions: { id: string; verdict: string; comment: string }[];
let fail = false;
let host: PanelHost;
let panel: FakeWebviewPanel;

beforeEach(() => {
  created.panels.length = 0;
  created.opened.length = 0;
  decisions = [];
  fail = false;
  // The fake's Uri stands in for vscode.Uri (the alias in vitest.config.ts serves the fake).
  host = new PanelHost(Uri.file('/ext') as unknown as import('vscode').Uri, async (id, verdict, comment) => {
    if (fail) throw new Error('you hold none of the reviewer groups of this request');
    decisions.push({ id, verdict, comment });
  });
  host.setAccount(bob);
  host.show();
  panel = created.panels[0]!;
});

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('panel host', () => {
  it('serves a strict CSP page with its script, and reveals the same panel again', () => {
    expect(panel.options).toMatchObject({ enableScripts: true });
    const html = panel.webview.html;
    const nonce = /nonce-([A-Za-z0-9_-]+)/.exec(html)?.[1];
    expect(nonce).toBeDefined();
    expect(html).toContain("default-src 'none'");
    expect(html).toContain(`<script nonce="${nonce}"`);
    expect(html).toContain('webview.js');
    host.show();
    expect(created.panels).toHaveLength(1);
    expect(panel.revealed).toBe(1);
  });

  it('answers ready with the state, forwards events, and drops malformed messages', async () => {
    host.seed([request('apr_aaaaaaaaaaaaaaaa', me)]);
    panel.webview.send({ method: 'ready', params: {} });
    await flush();
    const full = panel.webview.posted.find((m) => (m as { method: string }).method === 'state/full') as { params: { state: { inbox: ApprovalRequest[] } } };
    expect(full.params.state.inbox.map((a) => a.id)).toEqual(['apr_aaaaaaaaaaaaaaaa']);
    const before = panel.webview.posted.length;
    panel.webview.send({ method: 'command/openApproval', params: { id: 42 } });
    panel.webview.send('not even an object');
    panel.webview.send({ method: 'eval', params: { code: 'alert(1)' } });
    await flush();
    expect(panel.webview.posted.length).toBe(before);
    expect(created.opened).toEqual([]);
  });

  it('opens a request URL only from its own state', async () => {
    host.seed([request('apr_bbbbbbbbbbbbbbbb', me)]);
    panel.webview.send({ method: 'command/openApproval', params: { id: 'apr_bbbbbbbbbbbbbbbb' } });
    panel.webview.send({ method: 'command/openApproval', params: { id: 'apr_unknownunknown00', url: 'https://evil.example' } });
    await flush();
    expect(created.opened).toEqual(['https://airlock.example.com/approvals/apr_bbbbbbbbbbbbbbbb']);
  });

  it('sends a decision to the broker and its outcome back to the webview', async () => {
    host.seed([request('apr_cccccccccccccccc', me)]);
    panel.webview.send({ method: 'command/decide', params: { id: 'apr_cccccccccccccccc', verdict: 'approve', comment: 'fine' } });
    await flush();
    expect(decisions).toEqual([{ id: 'apr_cccccccccccccccc', verdict: 'approve', comment: 'fine' }]);
    fail = true;
    panel.webview.send({ method: 'command/decide', params: { id: 'apr_cccccccccccccccc', verdict: 'deny', comment: '' } });
    await flush();
    const completions = panel.webview.posted.filter((m) => (m as { method: string }).method === 'command/decide/completion') as { params: { ok: boolean; message?: string } }[];
    expect(completions.map((c) => c.params.ok)).toEqual([true, false]);
    expect(completions[1]!.params.message).toContain('reviewer groups');
  });
});
