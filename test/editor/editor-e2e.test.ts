/**
 * The extension in a real VS Code (code-server 4.139 = VS Code 1.139, web workbench, remote
 * Node extension host), driven through headless Chromium, against a real broker.
 *
 * Contract: the .vsix that `npm run package` builds installs with `code-server
 * --install-extension` and activates; **Airlock: Sign In** opens the broker's development
 * identity provider in a browser tab, where alice picks herself, and the loopback redirect
 * signs the editor in; **Airlock: Connect** starts the local forwarder; a new integrated
 * terminal gets PGHOST/PGPORT/PGDATABASE/PGUSER/PGSSLMODE/DATABASE_URL for it; `psql` typed in
 * that terminal goes through the broker, which records the session (via the tunnel) and its
 * statements for alice; in the Airlock panel (a webview) a blocked statement shows its rule and
 * a held one shows as waiting, until a reviewer denies it. Screenshots of the panel go to
 * docs/images/editor-panel-*.png.
 *
 * Needs `node scripts/editor/install.mjs` (code-server in .vscode-test/) and /usr/bin/chromium;
 * skipped without them unless AIRLOCK_REQUIRE_EDITOR is set, when their absence fails the run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { AuditRecord } from '../../broker/recording/records.js';
import { adminClient } from '../support/admin-client.js';
import { startTestBroker, type TestBroker } from '../support/broker-harness.js';
import { editorMissing, installExtension, ROOT, scratchDirs, startCodeServer, writeUserSettings, type CodeServer, type ScratchDirs } from './support/code-server.js';
import { CHROMIUM, CHROMIUM_ARGS, fileText, frameText, notification, runCommand, runCommandAndPick, screenshot, terminalText, typeInTerminal, until } from './support/workbench.js';

const missing = editorMissing() ?? (existsSync(CHROMIUM) ? undefined : `${CHROMIUM} does not exist (apt-get install -y chromium)`);
if (missing && process.env.AIRLOCK_REQUIRE_EDITOR) throw new Error(`editor end-to-end test: ${missing}, and AIRLOCK_REQUIRE_EDITOR is set`);
if (missing) console.warn(`editor end-to-end test: skipped, ${missing}`);

const VSIX = join(ROOT, 'dist', 'airlock-0.1.0.vsix');
const IMAGES = join(ROOT, 'docs', 'images');
const ALICE_GROUPS = ['developers', 'agents'];
const MARK = 'editor-e2e';

/** What the API answers for the caller's sessions. */
interface ApiSession {
  readonly id: string;
  readonly connection: string;
  readonly subject: string;
  readonly applicationName?: string;
  readonly statements: number;
  readonly blocked: number;
}
interface ApiStatement {
  readonly text: string;
  readonly action: string;
  readonly rule?: string;
  readonly end?: { readonly rows: number | null };
}

describe.skipIf(missing !== undefined)('the extension in a real VS Code (code-server)', () => {
  let b: TestBroker;
  let admin: pg.Client;
  let dirs: ScratchDirs;
  let editor: CodeServer | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];
  /** Each step builds on the one before: after a failure the rest are skipped, not failed again. */
  let stepFailed = false;
  let port = 0;
  let approvalId = '';
  const out = (name: string): string => join(dirs.workspace, `${name}.txt`);

  beforeAll(async () => {
    b = await startTestBroker();
    admin = await adminClient();
    await admin.query(`DELETE FROM audit_me WHERE note = '${MARK}'; INSERT INTO audit_me (note) SELECT '${MARK}' FROM generate_series(1, 3)`);
    // The package a user installs, built the way the README says.
    execFileSync('npm', ['run', 'package'], { cwd: ROOT, stdio: 'pipe' });
    dirs = scratchDirs(mkdtempSync(join(tmpdir(), 'airlock-editor-')));
    // A short prompt keeps the terminal in the screenshots readable.
    writeFileSync(join(dirs.home, '.bashrc'), "PS1='\\W \\$ '\n");
    writeUserSettings(dirs, {
      'airlock.brokerUrl': b.broker.httpUrl,
      'workbench.startupEditor': 'none',
      'workbench.colorTheme': 'Default Dark Modern',
      'workbench.tips.enabled': false,
      'workbench.secondarySideBar.defaultVisibility': 'hidden',
      'chat.disableAIFeatures': true,
      'telemetry.telemetryLevel': 'off',
      'update.mode': 'none',
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'security.workspace.trust.enabled': false,
      'terminal.integrated.defaultProfile.linux': 'bash',
      'terminal.integrated.enablePersistentSessions': false,
      'terminal.integrated.stickyScroll.enabled': false,
      // The DOM renderer: the WebGL one, in software, leaves rows half painted under a toast.
      'terminal.integrated.gpuAcceleration': 'off',
      'git.enabled': false,
      // The forwarder and the sign-in listener are local ports: no "forward this port?" toasts.
      'remote.autoForwardPorts': false,
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await editor?.[Symbol.asyncDispose]();
    await admin?.end();
    await b?.[Symbol.asyncDispose]();
    if (dirs && !process.env.AIRLOCK_KEEP_EDITOR_SCRATCH) rmSync(dirs.root, { recursive: true, force: true });
  });

  const records = async (): Promise<AuditRecord[]> => {
    const all: AuditRecord[] = [];
    for await (const r of b.store.readAll()) all.push(r);
    return all;
  };

  beforeEach((ctx) => {
    if (stepFailed) ctx.skip();
    ctx.onTestFailed(async () => {
      stepFailed = true;
      // What the editor looked like and said, for the CI log.
      mkdirSync(join(ROOT, '.test-results'), { recursive: true });
      await page?.screenshot({ path: join(ROOT, '.test-results', 'editor-e2e-failure.png') }).catch(() => undefined);
      const tabs = context ? context.pages().map((p) => p.url()).join('\n  ') : '';
      const frames = page ? page.frames().map((f) => f.url()).join('\n  ') : '';
      console.error(`editor-e2e failed; browser tabs:\n  ${tabs}\nframes:\n  ${frames}\nbrowser console errors:\n  ${consoleErrors.join('\n  ')}\nscreenshot in .test-results/editor-e2e-failure.png; code-server said:\n${editor?.output() ?? '(not started)'}`);
    });
  });

  it('installs the packaged .vsix, which activates', { timeout: 120_000 }, async () => {
    const installed = await installExtension(dirs, VSIX);
    expect(installed).toMatch(/Extension 'airlock-0\.1\.0\.vsix' was successfully installed/);
    expect(readdirSync(dirs.extensions)).toContain('airlock.airlock-0.1.0');
    editor = await startCodeServer(dirs);
    context = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
    // The browser runs on the editor's machine, as with desktop VS Code, which hands an
    // openExternal URL to the browser as it is. code-server instead rewrites every localhost URL
    // an extension opens to its port-forwarding path (/proxy/<port>/...), meant for a browser on
    // another machine; the development provider's login form does not work under that prefix.
    // Undo the rewrite: the tab then opens exactly the URL the extension asked for.
    await context.route(`${editor.url}/proxy/**`, (route) => {
      const m = /\/proxy\/(\d+)(\/.*)$/.exec(route.request().url());
      return m ? route.fulfill({ status: 302, headers: { location: `http://127.0.0.1:${m[1]}${m[2]}` } }) : route.continue();
    });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text().slice(0, 500));
    });
    page.setDefaultTimeout(20_000);
    await page.goto(`${editor.url}/?folder=${encodeURIComponent(dirs.workspace)}`);
    await page.locator('.monaco-workbench').waitFor();
    // The status bar entry exists only once activate() has run.
    await page.locator('.statusbar-item', { hasText: 'Airlock: sign in' }).waitFor({ timeout: 30_000 });
  });

  it("signs in at the broker's development identity provider, in a browser tab the extension opens", { timeout: 120_000 }, async () => {
    const popup = context.waitForEvent('page', { timeout: 20_000 });
    await runCommand(page, 'Airlock: Sign In');
    const idp = await popup;
    await idp.waitForURL((u) => u.pathname.startsWith('/interaction/'));
    expect(idp.url().startsWith(b.broker.devProvider!.issuer)).toBe(true);
    await idp.locator('button[name="user"][value="alice"]').click();
    await idp.waitForURL((u) => u.pathname === '/callback');
    expect(await idp.locator('h1').textContent()).toBe('Signed in to Airlock');
    await idp.close();
    await notification(page, /signed in as alice@example\.com/, { dismiss: true });
    await page.locator('.statusbar-item', { hasText: 'alice@example.com' }).waitFor();
    // The panel, open before anything happens: what follows arrives live.
    await runCommand(page, 'Airlock: Open Panel');
    await until(() => frameText(page, '#app'), (t) => t?.includes('signed in as alice') ?? false, 'the panel to show alice');
  });

  it('connects (the local forwarder starts), and a new terminal gets the environment for it', { timeout: 120_000 }, async () => {
    await runCommandAndPick(page, 'Airlock: Connect', 'testdb');
    const opened = await notification(page, /testdb is open on 127\.0\.0\.1:\d+/, { dismiss: true });
    port = Number(/127\.0\.0\.1:(\d+)/.exec(opened)![1]);
    await page.locator('.statusbar-item', { hasText: 'alice@example.com · testdb' }).waitFor();

    await runCommand(page, 'Terminal: Create New Terminal');
    await page.locator('.terminal-wrapper .xterm').first().waitFor();
    // Typing before bash has drawn its prompt works, but echoes the line twice on the screenshots.
    await until(() => terminalText(page), (t) => /workspace [#$]/.test(t), 'the shell prompt');
    const envFile = join(dirs.workspace, 'airlock-env.txt');
    await typeInTerminal(page, `env | grep -E '^(PG[A-Z]+|DATABASE_URL)=' | sort > airlock-env.txt`);
    const env = Object.fromEntries(
      (await fileText(envFile, (t) => t.includes('PGPORT'), 'the terminal to write its environment'))
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(env).toEqual({
      DATABASE_URL: `postgres://alice%40example.com@127.0.0.1:${port}/testdb?sslmode=disable`,
      PGDATABASE: 'testdb',
      PGHOST: '127.0.0.1',
      PGPORT: String(port),
      PGSSLMODE: 'disable',
      PGUSER: 'alice@example.com',
    });
  });

  it('runs psql typed in that terminal through the broker; the panel shows the blocked and the held statement', { timeout: 120_000 }, async () => {
    await typeInTerminal(page, `psql -X -c "SELECT '${MARK}' AS probe, count(*) AS items FROM items" 2>&1 | tee select.txt`);
    expect(await fileText(out('select'), (t) => /\(1 row\)/.test(t), 'psql to answer the SELECT')).toMatch(/editor-e2e \|\s+100/);
    await typeInTerminal(page, `psql -X -c "DROP TABLE audit_me" 2>&1 | tee blocked.txt`);
    expect(await fileText(out('blocked'), (t) => t.includes('ERROR'), 'psql to report the block')).toContain('no-ddl-for-agents');
    // The file can be complete before the terminal has drawn the same lines: wait for the screen.
    const screen = await until(() => terminalText(page), (t) => t.includes('ERROR:  Airlock blocked'), 'the terminal to show the refusal');
    expect(screen).toContain('ERROR:  Airlock blocked this statement: rule "no-ddl-for-agents"');
    // The panel shows the blocked statement with its rule.
    const blocked = await until(() => frameText(page, '#blocked'), (t) => t?.includes('no-ddl-for-agents') ?? false, 'the blocked statement in the panel');
    expect(blocked).toContain('DROP TABLE audit_me');
    mkdirSync(IMAGES, { recursive: true });
    await screenshot(page, join(IMAGES, 'editor-panel-blocked.png'));

    await typeInTerminal(page, `psql -X -c "DELETE FROM audit_me WHERE note = '${MARK}'" 2>&1 | tee held.txt`);
    const notice = await fileText(out('held'), (t) => t.includes('waiting for approval'), 'psql to say the DELETE waits');
    approvalId = /waiting for approval (apr_[A-Za-z0-9_-]+)/.exec(notice)![1]!;
    const waiting = await until(() => frameText(page, '#waiting'), (t) => t?.includes(`DELETE FROM audit_me WHERE note = '${MARK}'`) ?? false, 'the held statement in the panel');
    expect(waiting).toMatch(/Waiting for approval\s*1/i);
    expect(waiting).toContain('review-audit-deletes');
    // The toast the extension shows when one of the user's own statements starts waiting.
    await notification(page, /a statement is waiting for approval \(review-audit-deletes\)/);
    await screenshot(page, join(IMAGES, 'editor-panel-held.png'));
  });

  it("shows alice's psql sessions on the broker: through the tunnel, with their statements and decisions", async () => {
    const token = await b.token('alice', ALICE_GROUPS);
    const api = async <T>(path: string): Promise<T> => {
      const res = await fetch(`${b.broker.httpUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status, path).toBe(200);
      return (await res.json()) as T;
    };
    const { sessions } = await api<{ sessions: ApiSession[] }>('/v1/sessions?connection=testdb');
    const details = await Promise.all(sessions.map((s) => api<{ session: ApiSession; statements: ApiStatement[] }>(`/v1/sessions/${s.id}`)));
    const statements = details.flatMap((d) => d.statements.map((st) => ({ ...st, session: d.session })));
    const select = statements.find((s) => s.text.includes(`'${MARK}' AS probe`));
    expect(select).toMatchObject({ action: 'allow', end: { rows: 1 }, session: { subject: 'alice', applicationName: 'psql', connection: 'testdb' } });
    expect(statements.find((s) => s.text === 'DROP TABLE audit_me')).toMatchObject({ action: 'block', rule: 'no-ddl-for-agents' });
    const journal = await records();
    const starts = journal.flatMap((r) => (r.type === 'session.start' && r.subject === 'alice' ? [r] : []));
    expect(starts.length).toBeGreaterThanOrEqual(3);
    expect(starts.every((r) => r.via === 'tunnel')).toBe(true);
    // The held DELETE is journalled as a request, in one of those sessions, until it is decided.
    const requested = journal.find((r) => r.type === 'approval.requested' && r.approvalId === approvalId);
    expect(requested).toMatchObject({ text: `DELETE FROM audit_me WHERE note = '${MARK}'`, rules: ['review-audit-deletes'] });
    expect(starts.map((r) => r.sessionId)).toContain(requested!.sessionId);
  });

  it('takes the request off the panel when a reviewer denies it; psql gets the refusal', { timeout: 30_000 }, async () => {
    const bob = await b.token('bob', ['dba']);
    const decided = await fetch(`${b.broker.httpUrl}/v1/approvals/${approvalId}/decision`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bob}`, 'content-type': 'application/json' },
      body: JSON.stringify({ verdict: 'deny', comment: 'not from the editor, please' }),
    });
    expect(decided.status).toBe(200);
    expect(await fileText(out('held'), (t) => t.includes('denied'), 'psql to report the denial')).toMatch(/denied by bob/);
    await until(() => frameText(page, '#waiting'), (t) => /Waiting for approval\s*0/i.test(t ?? ''), 'the panel to drop the denied request');
    expect((await admin.query(`SELECT count(*)::int AS n FROM audit_me WHERE note = '${MARK}'`)).rows[0].n).toBe(3);
    expect(readFileSync(out('held'), 'utf8')).not.toMatch(/^DELETE \d/m);
    const closed = (await records()).find((r) => r.type === 'approval.closed' && r.approvalId === approvalId);
    expect(closed).toMatchObject({ state: 'denied', reviewers: [{ subject: 'bob', verdict: 'deny' }] });
    // No command failed along the way (their errors reach the workbench's console as "Airlock: …").
    expect(consoleErrors.filter((e) => e.includes('Airlock'))).toEqual([]);
  });
});
