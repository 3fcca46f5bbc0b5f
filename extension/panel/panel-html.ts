/**
 * The live panel's HTML shell: nothing but a mount point and the nonce'd bundle
 * (`dist/webview.js`). The webview injects its own stylesheet under the same nonce.
 *
 * The Content Security Policy denies everything by default; scripts run only with the nonce,
 * styles only from the extension's resources or with the nonce, and no connections are allowed
 * at all: the webview talks to the extension through `postMessage` only.
 *
 * @see https://code.visualstudio.com/api/extension-guides/webview#content-security-policy
 * @see https://www.w3.org/TR/CSP3/#framework-directive-source-list
 */
import { randomBytes } from 'node:crypto';

export interface PanelHtmlOptions {
  /** `webview.asWebviewUri(…/dist/webview.js)` as a string. */
  readonly scriptUri: string;
  /** An optional stylesheet (`webview.asWebviewUri(…)`). */
  readonly styleUri?: string;
  /** `webview.cspSource`. */
  readonly cspSource: string;
  /** From {@link newNonce}, fresh for every render. */
  readonly nonce: string;
  /** The document title (default "Airlock"). */
  readonly title?: string;
}

/** A fresh CSP nonce: 128 bits from the CSPRNG, base64url. */
export function newNonce(): string {
  return randomBytes(16).toString('base64url');
}

const NONCE = /^[A-Za-z0-9_-]{16,}$/;

/**
 * `webview.cspSource` is a list of sources, not one: VS Code 1.139 gives
 * `'self' https://*.vscode-cdn.net` (plus the extension's own origin when it is served over
 * http(s)). Each must be a scheme or host source, or the `'self'` keyword; anything that could
 * end the directive or add a weaker keyword (`;`, `,`, other quotes) is refused.
 *
 * @see https://www.w3.org/TR/CSP3/#grammardef-serialized-source-list
 */
function cspSources(cspSource: string): string[] {
  const sources = cspSource.trim().split(/\s+/).filter(Boolean);
  const ok = sources.length > 0 && sources.every((s) => s === "'self'" || /^[^;,'"]+$/.test(s));
  if (!ok) throw new Error('panelHtml: cspSource is not a list of CSP sources');
  return sources;
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The CSP for the panel; exported for tests. */
export function panelCsp(cspSource: string, nonce: string): string {
  const sources = cspSources(cspSource).join(' ');
  return [
    "default-src 'none'",
    `img-src ${sources} data:`,
    `style-src ${sources} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${sources}`,
  ].join('; ');
}

export function panelHtml(options: PanelHtmlOptions): string {
  const { scriptUri, styleUri, cspSource, nonce } = options;
  if (!NONCE.test(nonce)) throw new Error('panelHtml: the nonce must be base64url from newNonce()');
  const csp = panelCsp(cspSource, nonce);
  const title = escapeAttr(options.title ?? 'Airlock');
  const style = styleUri ? `\n    <link rel="stylesheet" href="${escapeAttr(styleUri)}">` : '';
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    <title>${title}</title>${style}
  </head>
  <body>
    <main id="app" aria-label="${title}"></main>
    <script nonce="${nonce}" src="${escapeAttr(scriptUri)}"></script>
  </body>
</html>
`;
}
