/**
 * The approval page in a real browser (Debian's chromium driven by playwright-core): bob signs
 * in at the development provider's real login page, watches a new request arrive in his inbox
 * without a reload, opens it, and approves it with a comment; the held statement's outcome
 * resolves `approved`. Screenshots for the README are written to docs/images/.
 *
 * The request that is approved is a real psql session's DELETE held by the proxy; psql prints
 * the NOTICE at once and its result once approved.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { ApprovalRequest } from '../../broker/approvals/types.js';
import { startTestBroker, type TestBroker } from '../support/broker-harness.js';
import { adminClient } from '../support/admin-client.js';
import { psql } from '../support/run-process.js';
import { createPendingRequest, type CreatePendingRequest } from '../support/pending-approval.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.AIRLOCK_REQUIRE_BROWSER) throw new Error(`${CHROMIUM} does not exist, and AIRLOCK_REQUIRE_BROWSER is set (apt-get install -y chromium)`);
if (!hasChromium) console.warn(`approval-page-browser: skipped, ${CHROMIUM} does not exist (apt-get install -y chromium)`);

const IMAGES = fileURLToPath(new URL('../../docs/images/', import.meta.url));
const createRequest: CreatePendingRequest = createPendingRequest;

describe.skipIf(!hasChromium)('approval page in a browser', () => {
  let b: TestBroker;
  let browser: Browser;
  let admin: pg.Client;

  beforeAll(async () => {
    b = await startTestBroker();
    admin = await adminClient();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await admin?.end();
    await browser?.close();
    await b?.[Symbol.asyncDispose]();
  });

  it('bob signs in, sees a new request arrive live, and approves it with a comment', { timeout: 90_000 }, async () => {
    mkdirSync(IMAGES, { recursive: true });
    // Something already waiting when the page loads.
    await createRequest(b, {
      sql: "UPDATE orders SET status = 'cancelled', updated_at = now() WHERE status = 'pending' AND created_at < now() - interval '90 days'",
      applicationName: 'claude-code',
      impact: {
        method: 'measured',
        rowsReported: 1284,
        rowsChanged: 2568,
        tables: [
          { table: 'public.orders', inserted: 0, updated: 1284, deleted: 0 },
          { table: 'public.order_events', inserted: 1284, updated: 0, deleted: 0 },
        ],
        notes: ['a trigger wrote to public.order_events'],
        durationMs: 38,
      },
      requirements: [{ rule: 'review-bulk-updates', explanation: 'rule "review-bulk-updates" (approve): an update of more than 1000 rows', groups: ['dba'], mode: 'any', quorum: 1 }],
    });

    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const cspErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') cspErrors.push(m.text());
    });
    let documents = 0;
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame()) documents++;
    });

    const base = b.broker.httpUrl;
    await page.goto(`${base}/approvals`);
    // The development provider's own login page.
    await page.waitForURL((u) => u.pathname.startsWith('/interaction/'));
    expect(page.url().startsWith(b.broker.devProvider!.issuer)).toBe(true);
    await page.locator('button[name="user"][value="bob"]').click();
    await page.waitForURL(`${base}/approvals`);
    await expect.poll(() => page.locator('#live').getAttribute('class')).toContain('on');
    const loadedDocuments = documents;

    // A real psql session's statement, held by the proxy: alice's DELETE waits for a reviewer.
    await admin.query("DELETE FROM audit_me WHERE note = 'browser-debug'; INSERT INTO audit_me (note) SELECT 'browser-debug' FROM generate_series(1, 3)");
    const requested = new Promise<ApprovalRequest>((resolve) => {
      const off = b.broker.events.subscribe((e) => {
        if (e.type === 'approval.requested' && e.approval.statement.sql.includes('browser-debug')) {
          off();
          resolve(e.approval);
        }
      });
    });
    const waiting = psql(b.port, 'alice', await b.token('alice', ['developers']), ['-c', "DELETE FROM audit_me WHERE note = 'browser-debug'"]);
    const request = await requested;
    const outcome = new Promise<ApprovalRequest>((resolve) => {
      const off = b.broker.events.subscribe((e) => {
        if (e.type === 'approval.decided' && e.approval.id === request.id) {
          off();
          resolve(e.approval);
        }
      });
    });
    const row = page.locator(`#row-${request.id}`);
    await row.waitFor({ state: 'visible', timeout: 10_000 });
    expect(documents).toBe(loadedDocuments);
    expect(await page.locator('#inbox > li').count()).toBe(2);
    expect(await page.locator('#inbox > li').first().getAttribute('id')).toBe(`row-${request.id}`);
    expect(await page.locator('#pending-count').textContent()).toBe('2');
    await page.waitForTimeout(4500); // let the "new row" highlight fade before the screenshot
    await page.screenshot({ path: `${IMAGES}approval-inbox.png` });

    await row.locator('a').click();
    await page.waitForURL(`${base}/approvals/${request.id}`);
    await expect.poll(() => page.locator('pre.sql .k').first().textContent()).toBe('DELETE');
    expect(await page.locator('pre.sql .s').first().textContent()).toBe("'browser-debug'");
    expect(await page.locator('table').textContent()).toContain('public.audit_me');
    expect(await page.locator('.countdown').first().textContent()).toMatch(/^expires in \d+m \d\ds$/);
    await page.locator('textarea[name="comment"]').fill('Checked: only the three debug rows. Go ahead.');
    await page.screenshot({ path: `${IMAGES}approval-detail.png`, fullPage: true });

    await page.locator('button[value="approve"]').click();
    const closed = await outcome;
    expect(closed.state).toBe('approved');
    expect(closed.decisions).toHaveLength(1);
    expect(closed.decisions[0]?.reviewer.subject).toBe('bob');
    expect(closed.decisions[0]?.comment).toBe('Checked: only the three debug rows. Go ahead.');
    // The waiting psql got its result in the same session, after the notice that it waits.
    const done = await waiting;
    expect(done.status).toBe(0);
    expect(done.stdout.trim()).toBe('DELETE 3');
    expect(done.stderr).toContain(`NOTICE:  Airlock: this statement is waiting for approval ${request.id}`);
    expect((await admin.query("SELECT count(*)::int AS n FROM audit_me WHERE note = 'browser-debug'")).rows[0].n).toBe(0);
    await page.waitForURL(`${base}/approvals/${request.id}`);
    expect(await page.locator('.flash.ok').textContent()).toContain('You approved this request');
    expect(cspErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    await context.close();
  });
});
