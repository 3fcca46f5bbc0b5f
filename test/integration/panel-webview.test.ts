/**
 * The live panel's webview in a real browser (Debian's chromium driven by playwright-core).
 *
 * Contract: the built `dist/webview.js`, loaded into the page `panelHtml()` produces (strict CSP,
 * nonce'd script) with a stub `acquireVsCodeApi()` standing in for VS Code, posts `ready` first;
 * renders a full state; folds in live events; posts `command/decide` with the typed comment;
 * renders hostile SQL as text; persists UI state through `setState`; and triggers no CSP
 * violation. A screenshot for the docs is written to docs/images/panel.png.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newNonce, panelHtml } from '../../extension/panel/panel-html.js';
import { EventNotification, StateNotification, emptyState, message, reduce, type HostMessage, type PanelState } from '../../extension/panel/protocol.js';
import { account, approval, events, person } from '../support/panel-fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.AIRLOCK_REQUIRE_BROWSER) throw new Error(`${CHROMIUM} does not exist, and AIRLOCK_REQUIRE_BROWSER is set (apt-get install -y chromium)`);
if (!hasChromium) console.warn(`panel-webview: skipped, ${CHROMIUM} does not exist (apt-get install -y chromium)`);

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const IMAGES = fileURLToPath(new URL('../../docs/images/', import.meta.url));

/** Dark+ values for the theme variables VS Code sets on the webview's <html>. */
const DARK_THEME: Record<string, string> = {
  '--vscode-font-family': '-apple-system, "Segoe UI", "Ubuntu", "Droid Sans", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-editor-font-family': '"Droid Sans Mono", "DejaVu Sans Mono", monospace',
  '--vscode-editor-font-size': '12px',
  '--vscode-foreground': '#cccccc',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-editor-background': '#1f1f1f',
  '--vscode-sideBar-background': '#181818',
  '--vscode-sideBarTitle-foreground': '#cccccc',
  '--vscode-widget-border': '#313131',
  '--vscode-panel-border': '#2b2b2b',
  '--vscode-textCodeBlock-background': '#2b2b2b',
  '--vscode-textLink-foreground': '#4daafc',
  '--vscode-badge-background': '#616161',
  '--vscode-badge-foreground': '#f8f8f8',
  '--vscode-button-background': '#0078d4',
  '--vscode-button-foreground': '#ffffff',
  '--vscode-button-hoverBackground': '#026ec1',
  '--vscode-button-border': 'rgba(255,255,255,0.07)',
  '--vscode-button-secondaryBackground': '#313131',
  '--vscode-button-secondaryForeground': '#cccccc',
  '--vscode-button-secondaryHoverBackground': '#3c3c3c',
  '--vscode-input-background': '#313131',
  '--vscode-input-foreground': '#cccccc',
  '--vscode-input-border': '#3c3c3c',
  '--vscode-input-placeholderForeground': '#989898',
  '--vscode-focusBorder': '#0078d4',
  '--vscode-errorForeground': '#f85149',
  '--vscode-editorWarning-foreground': '#cca700',
  '--vscode-editorInfo-foreground': '#3794ff',
  '--vscode-testing-iconPassed': '#73c991',
};

/**
 * The page's globals as these tests use them (this file compiles without the DOM lib; functions
 * passed to the page are serialized and run there).
 */
interface PageWindow {
  __posted: { method: string; params: unknown }[];
  __state: { drafts: Record<string, string> } | undefined;
  __csp: string[];
  __pwned?: number;
  acquireVsCodeApi: () => unknown;
  postMessage(message: unknown, targetOrigin: string): void;
  document: {
    addEventListener(type: string, listener: (e: { violatedDirective: string; blockedURI: string }) => void): void;
    documentElement: { style: { setProperty(name: string, value: string): void } };
    body: { classList: { add(name: string): void } };
    activeElement: { getAttribute(name: string): string | null } | null;
  };
}

/** Runs in the page before any of its scripts: the stub VS Code bridge and a CSP violation log. */
function bridgeStub(theme: Record<string, string>): void {
  const w = globalThis as unknown as PageWindow;
  const document = w.document;
  w.__posted = [];
  w.__state = undefined;
  w.__csp = [];
  let acquired = false;
  w.acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi called twice');
    acquired = true;
    return {
      postMessage: (m: unknown) => void w.__posted.push(JSON.parse(JSON.stringify(m)) as PageWindow['__posted'][number]),
      getState: () => w.__state,
      setState: (s: PageWindow['__state']) => {
        w.__state = s;
        return s;
      },
    };
  };
  document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  // VS Code sets these as CSSOM properties on <html>, which CSP allows.
  document.addEventListener('DOMContentLoaded', () => {
    for (const [k, v] of Object.entries(theme)) document.documentElement.style.setProperty(k, v);
    document.body.classList.add('vscode-dark');
  });
}

const posted = (page: Page) => page.evaluate(() => (globalThis as unknown as PageWindow).__posted);
const send = (page: Page, msg: HostMessage) => page.evaluate((m) => (globalThis as unknown as PageWindow).postMessage(m, '*'), msg as unknown as Record<string, unknown>);

describe.skipIf(!hasChromium)('live panel webview in a browser', () => {
  let browser: Browser;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    execFileSync('node', ['scripts/build.mjs'], { cwd: ROOT, stdio: 'pipe' });
    const script = readFileSync(`${ROOT}dist/webview.js`);
    server = createServer((req, res) => {
      if (req.url === '/webview.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
        return;
      }
      if (req.url === '/') {
        const origin = `http://${req.headers.host}`;
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(panelHtml({ scriptUri: `${origin}/webview.js`, cspSource: origin, nonce: newNonce() }));
        return;
      }
      res.writeHead(req.url === '/favicon.ico' ? 204 : 404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('handshakes, renders state, updates live, decides, escapes SQL, and stays inside its CSP', { timeout: 60_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 760, height: 1040 }, colorScheme: 'dark' });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    await page.addInitScript(bridgeStub, DARK_THEME);
    await page.goto(`${base}/`);

    // 1. ready first.
    await expect.poll(() => posted(page)).toEqual([{ method: 'ready', params: {} }]);

    // 2. A full state: one request of mine waiting, one to review, a blocked statement, a masked result, sessions.
    const me = account('alice', ['dev', 'dba'], 'Alice Example');
    const xss = `SELECT '<img src=x onerror="window.__pwned=1">' AS "<script>window.__pwned=2</script>"`;
    const mine = approval({ id: 'apr_mine', requester: person('alice', ['dev', 'dba'], 'Alice Example'), sql: "UPDATE orders SET status = 'cancelled' WHERE status = 'pending' AND created_at < now() - interval '90 days'" });
    const theirs = approval({ id: 'apr_theirs', requester: person('bob', ['dev'], 'Bob Builder'), sql: xss, createdAt: new Date(Date.now() - 42_000).toISOString() });
    let state: PanelState = emptyState(me);
    for (const e of [
      events.session(person('alice'), 'started'),
      events.requested(mine),
      events.requested(theirs),
      events.blocked(person('alice'), 'DROP TABLE customers CASCADE', { hint: 'Ask a DBA for a migration, or request access to the "dba" group.' }),
      events.masked(person('alice')),
    ]) state = reduce(state, e, me);
    await send(page, message(StateNotification, { state }));

    const waiting = page.locator('#waiting li.card');
    await expect.poll(() => waiting.count()).toBe(1);
    expect(await waiting.first().textContent()).toContain("UPDATE orders SET status = 'cancelled'");
    expect(await page.locator('#waiting ul').getAttribute('aria-live')).toBe('polite');
    expect(await page.locator('#review').isHidden()).toBe(false);
    expect(await page.locator('#blocked').textContent()).toContain('no-ddl');
    expect(await page.locator('#blocked .hint').textContent()).toContain('Ask a DBA');
    expect(await page.locator('#masked').textContent()).toMatch(/84 values masked in email, phone/);
    expect(await page.locator('#sessions').textContent()).toContain('started');

    // 3. The elapsed time ticks.
    const clock = page.locator('#waiting .elapsed').first();
    const before = await clock.textContent();
    await expect.poll(() => clock.textContent(), { timeout: 3_000 }).not.toBe(before);

    // 4. Hostile SQL is text, not markup.
    const reviewSql = page.locator('#review li.card[data-id="apr_theirs"] pre.sql');
    expect(await reviewSql.textContent()).toContain('<img src=x onerror=');
    expect(await page.locator('#review img, #review script').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as PageWindow).__pwned)).toBeUndefined();

    // 5. A live event: a new request of mine appears without a reload.
    const fresh = approval({ id: 'apr_fresh', requester: person('alice', ['dev', 'dba'], 'Alice Example'), sql: 'DELETE FROM sessions WHERE last_seen < now() - interval \'30 days\'', createdAt: new Date(Date.now() - 7_000).toISOString() });
    await send(page, message(EventNotification, { event: events.requested(fresh) }));
    await expect.poll(() => waiting.count()).toBe(2);
    expect(await waiting.first().getAttribute('data-id')).toBe('apr_fresh');

    // 6. Open request posts command/openApproval.
    await page.locator('#waiting li.card[data-id="apr_fresh"] button[data-action="open"]').click();
    await expect.poll(async () => (await posted(page)).at(-1)).toEqual({ method: 'command/openApproval', params: { id: 'apr_fresh' } });

    // 7. Approve with a comment, by keyboard: type the comment, tab to Approve, press Enter.
    const card = page.locator('#review li.card[data-id="apr_theirs"]');
    await card.locator('textarea').fill('Looks right; ran it on staging.');
    await card.locator('textarea').focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as unknown as PageWindow).document.activeElement?.getAttribute('data-action'))).toBe('approve');
    // The draft survives being hidden and shown again.
    expect(await page.evaluate(() => (globalThis as unknown as PageWindow).__state?.drafts)).toEqual({ apr_theirs: 'Looks right; ran it on staging.' });
    await page.screenshot({ path: `${mkdir(IMAGES)}panel.png`, fullPage: true });
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await posted(page)).at(-1)).toEqual({ method: 'command/decide', params: { id: 'apr_theirs', verdict: 'approve', comment: 'Looks right; ran it on staging.' } });
    expect(await card.locator('button[data-action="approve"]').isDisabled()).toBe(true);

    // 8. The decision arrives as an event: the inbox empties and the Review section hides.
    await send(page, message(EventNotification, { event: events.decided({ ...theirs, state: 'approved' }) }));
    await expect.poll(() => page.locator('#review').isHidden()).toBe(true);

    // 9. Malformed host messages are ignored.
    await page.evaluate(() => (globalThis as unknown as PageWindow).postMessage({ method: 'state/full', params: { state: { waiting: 'nope' } } }, '*'));
    await page.waitForTimeout(100);
    expect(await waiting.count()).toBe(2);

    // 10. Nothing blocked by CSP, no errors.
    expect(await page.evaluate(() => (globalThis as unknown as PageWindow).__csp)).toEqual([]);
    expect(consoleErrors).toEqual([]);
    await context.close();
  });
});

function mkdir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
