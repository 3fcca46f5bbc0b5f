/**
 * Contract: the panel's HTML carries a CSP that denies by default, allows scripts only with the
 * nonce, and takes the editor's `webview.cspSource` as the list of sources it is (VS Code 1.139:
 * `'self' https://*.vscode-cdn.net`), refusing anything that could widen the policy.
 */
import { describe, expect, it } from 'vitest';
import { newNonce, panelCsp, panelHtml } from '../../../../extension/panel/panel-html.js';

const VSCODE_CSP_SOURCE = "'self' https://*.vscode-cdn.net";

describe('panel HTML', () => {
  it("takes VS Code's multi-source cspSource as is", () => {
    const nonce = newNonce();
    expect(panelCsp(VSCODE_CSP_SOURCE, nonce)).toBe(
      `default-src 'none'; img-src 'self' https://*.vscode-cdn.net data:; style-src 'self' https://*.vscode-cdn.net 'nonce-${nonce}'; script-src 'nonce-${nonce}'; font-src 'self' https://*.vscode-cdn.net`,
    );
    const html = panelHtml({ scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js', cspSource: VSCODE_CSP_SOURCE, nonce });
    expect(html).toContain(`<script nonce="${nonce}" src="https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js"></script>`);
    expect(html).toContain(`content="default-src 'none'; img-src 'self' https://*.vscode-cdn.net data:;`);
  });

  it('takes a single source, and the extension origin VS Code adds for an http(s)-served extension', () => {
    expect(panelCsp('vscode-resource:', 'a'.repeat(22))).toContain('img-src vscode-resource: data:');
    expect(panelCsp(`https://cdn.example/ext/ ${VSCODE_CSP_SOURCE}`, 'a'.repeat(22))).toContain("font-src https://cdn.example/ext/ 'self' https://*.vscode-cdn.net");
  });

  it.each([
    ['empty', '  '],
    ['a directive break', "'self'; script-src *"],
    ['a list break', 'https://a.example, https://b.example'],
    ['a weaker keyword', "'self' 'unsafe-inline'"],
    ['a quote', 'https://a.example"'],
  ])('refuses a cspSource with %s', (_what, cspSource) => {
    expect(() => panelHtml({ scriptUri: 'x.js', cspSource, nonce: newNonce() })).toThrow(/cspSource/);
  });

  it('refuses a nonce that is not from newNonce()', () => {
    expect(() => panelHtml({ scriptUri: 'x.js', cspSource: VSCODE_CSP_SOURCE, nonce: "abc' 'unsafe-inline" })).toThrow(/nonce/);
  });
});
