/**
 * The replay pages in a real browser (Debian's chromium driven by playwright-core): carol, an
 * auditor, signs in at the development provider's login page, sees a session open live in the
 * search page without a reload, filters the sessions, and opens alice's session as a timeline:
 * a query whose result was masked, a statement refused by a rule, one held for approval and
 * approved by bob with a comment, and a failed one. The timeline of a session still open takes
 * new statements without a reload. Screenshots for the README go to docs/images/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { adminClient } from '../support/admin-client.js';
import { startTestBroker, type TestBroker } from '../support/broker-harness.js';
import { AUDITOR_USER, closeSession, heldAndDecided, openSession } from '../support/replay-sessions.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.AIRLOCK_REQUIRE_BROWSER) throw new Error(`${CHROMIUM} does not exist, and AIRLOCK_REQUIRE_BROWSER is set (apt-get install -y chromium)`);
if (!hasChromium) console.warn(`replay-pages-browser: skipped, ${CHROMIUM} does not exist (apt-get install -y chromium)`);

const IMAGES = fileURLToPath(new URL('../../docs/images/', import.meta.url));

describe.skipIf(!hasChromium)('replay pages in a browser', () => {
  let b: TestBroker;
  let browser: Browser;
  let admin: pg.Client;

  beforeAll(async () => {
    admin = await adminClient();
    // Before the broker starts: masking reads the catalog when it starts.
    await admin.query(`
      DROP TABLE IF EXISTS replay_customers;
      CREATE TABLE replay_customers (id int PRIMARY KEY, name text, email text, ssn text, city text);
      INSERT INTO replay_customers VALUES
        (1, 'Ada Lovelace', 'ada@example.org', '123-45-6789', 'London'),
        (2, 'Grace Hopper', 'grace@example.org', '987-65-4321', 'Arlington'),
        (3, 'Edsger Dijkstra', 'edsger@example.org', '555-12-3456', 'Nuenen');
    `);
    b = await startTestBroker({
      extraUsers: AUDITOR_USER,
      masking: `
  salt: { env: MASK_SALT }
  rules:
    - name: customer-pii
      groups: [agents]
      columns:
        - { column: replay_customers.email, strategy: redact }
        - { column: replay_customers.ssn, strategy: partial }
`,
      env: { MASK_SALT: 'replay-salt' },
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await admin?.query('DROP TABLE IF EXISTS replay_customers').catch(() => undefined);
    await admin?.end();
    await browser?.close();
    await b?.[Symbol.asyncDispose]();
  });

  it('carol, an auditor, searches the sessions and replays one with a refusal and an approval', { timeout: 120_000 }, async () => {
    mkdirSync(IMAGES, { recursive: true });
    await admin.query("DELETE FROM audit_me WHERE note = 'replay-browser'; INSERT INTO audit_me (note) SELECT 'replay-browser' FROM generate_series(1, 3)");

    // Sessions already in the journal when carol arrives.
    const bobSession = await openSession(b, 'bob', ['dba'], { application_name: 'psql' });
    await bobSession.client.query('SELECT count(*) FROM items');
    await bobSession.client.query('VACUUM ANALYZE items');
    await closeSession(b, bobSession);

    const a = await openSession(b, 'alice', ['developers', 'agents'], { application_name: 'claude-code' });
    await a.client.query('SELECT name, email, ssn, city FROM replay_customers ORDER BY id');
    await expect(a.client.query('DROP TABLE items')).rejects.toThrow(/agents do not change the schema/);
    await expect(a.client.query("UPDATE items SET qty = 0")).rejects.toThrow();
    const held = await heldAndDecided(b, a, "DELETE FROM audit_me WHERE note = 'replay-browser'", 'approve', 'Checked: only the three debug rows. Go ahead.');
    if (held.result instanceof Error) throw held.result;
    expect(held.result.rowCount).toBe(3);
    await a.client.query("SELECT id, name, qty FROM items WHERE name = 'item 7'");
    await closeSession(b, a);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      // The browser asks for /favicon.ico by itself; the broker has none.
      if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) consoleErrors.push(`${m.text()} (${m.location().url})`);
    });
    let documents = 0;
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame()) documents++;
    });

    const base = b.broker.httpUrl;
    await page.goto(`${base}/audit/sessions`);
    await page.waitForURL((u) => u.pathname.startsWith('/interaction/'));
    await page.locator('button[name="user"][value="carol"]').click();
    await page.waitForURL(`${base}/audit/sessions`);
    await expect.poll(() => page.locator('#live').getAttribute('class')).toContain('on');
    expect(await page.locator('#results > li').count()).toBe(2);
    const loaded = documents;

    // A session opens while carol watches: it appears under "Open now" and in the list, no reload.
    const open = await openSession(b, 'dave', ['developers'], { application_name: 'DBeaver' });
    await open.client.query('SELECT id, name FROM items ORDER BY id LIMIT 2');
    await page.locator(`#open-${open.id}`).waitFor({ state: 'visible', timeout: 10_000 });
    await page.locator(`#s-${open.id} .badge.active`).waitFor({ state: 'visible' });
    expect(documents).toBe(loaded);
    await page.screenshot({ path: `${IMAGES}replay-search.png`, fullPage: true });

    // Filter: alice's sessions that had approvals.
    await page.locator('input[name="person"]').fill('alice@example.com');
    await page.locator('select[name="outcome"]').selectOption('approvals');
    await page.locator('form.filters button[type="submit"]').click();
    await page.waitForURL((u) => u.searchParams.get('outcome') === 'approvals');
    expect(new URL(page.url()).searchParams.get('person')).toBe('alice@example.com');
    expect(await page.locator('#results > li').count()).toBe(1);
    await page.locator(`#s-${a.id} a`).click();
    await page.waitForURL(`${base}/audit/sessions/${a.id}`);

    // The timeline: masked result rows, the refusals with their rules, the approval and who gave it.
    const item = (n: number) => page.locator(`#st-${n}`);
    expect(await item(1).locator('.badge').first().textContent()).toBe('allowed');
    expect(await item(1).locator('.result th.masked').allTextContents()).toEqual(['email', 'ssn']);
    const cells = await item(1).locator('.result tbody tr').first().locator('td').allTextContents();
    expect(cells[0]).toBe('Ada Lovelace');
    expect(cells[1]).not.toContain('ada@example.org');
    expect(cells[2]).toMatch(/6789$/);
    expect(cells[2]).not.toBe('123-45-6789');
    expect(await item(1).locator('.masknote').textContent()).toContain('customer-pii');
    expect(await item(2).locator('.badge.block').textContent()).toBe('blocked');
    expect(await item(2).locator('.why').textContent()).toContain('no-ddl-for-agents');
    expect(await item(3).locator('.why').textContent()).toContain('no-unbounded-writes');
    expect(await item(4).locator('.tl-head .badge.approved').textContent()).toBe('approved');
    expect(await item(4).locator('.steps').textContent()).toContain('Approved by bob');
    expect(await item(4).locator('.steps .comment').textContent()).toBe('Checked: only the three debug rows. Go ahead.');
    expect(await item(4).locator('pre.sql .k').first().textContent()).toBe('DELETE');
    expect(await page.locator('ol.tl > li.end').textContent()).toContain('Session ended');
    expect(await page.locator('#live').count()).toBe(0);
    await page.screenshot({ path: `${IMAGES}replay-session.png`, fullPage: true });

    // The open session's timeline takes new statements without a reload: a refusal (an event)
    // at once, an allowed statement (no event) with the next look.
    await page.goto(`${base}/audit/sessions/${open.id}`);
    await expect.poll(() => page.locator('#live').getAttribute('class')).toContain('on');
    const before = documents;
    await open.client.query('DELETE FROM items').catch(() => undefined);
    await page.locator('#st-2 .badge.block').waitFor({ state: 'visible', timeout: 10_000 });
    await open.client.query("SELECT 'still here' AS note");
    await page.locator('#st-3').waitFor({ state: 'visible', timeout: 12_000 });
    await closeSession(b, open);
    await expect.poll(() => page.locator('#live').textContent(), { timeout: 12_000 }).toBe('Session ended');
    expect(await page.locator('ol.tl > li.end').textContent()).toContain('Session ended');
    expect(documents).toBe(before);

    // No script error, no CSP violation.
    expect(consoleErrors).toEqual([]);
    await context.close();
  });
});
