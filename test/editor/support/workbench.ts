/**
 * Driving VS Code's web workbench with playwright-core: the command palette, quick picks,
 * notifications, the integrated terminal and webview content (which lives in nested iframes).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Frame, Locator, Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Headless Debian Chromium that cannot reach anything but this machine. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A quick-input row whose label is exactly `label`. */
function quickPickRow(page: Page, label: string): Locator {
  return page
    .locator('.quick-input-widget .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) }) })
    .first();
}

/**
 * Runs a command by its palette title ("Airlock: Connect"). The first workbench load may not
 * list a contributed command yet, so the palette is reopened until the command shows up.
 */
export async function runCommand(page: Page, title: string, timeoutMs = 40_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const input = page.locator('.quick-input-widget input.input');
  for (;;) {
    // Escape only closes a quick input that is open: in a focused terminal it would reach the shell.
    if (await page.locator('.quick-input-widget').first().isVisible()) await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    // Open means the palette's own '>' is in a live input: a closing quick pick stays in the DOM
    // for a moment, inert, with the previous prompt.
    if (!(await paletteOpen(page))) {
      if (Date.now() > deadline) throw new Error(`the command palette did not open for "${title}"`);
      continue;
    }
    const row = quickPickRow(page, title);
    try {
      // Short timeouts and another round: the palette can close under us (focus moving to a
      // new editor, terminal or toast).
      // (5 s each: CI runs this beside other test files on two cores.)
      await input.fill(`>${title}`, { timeout: 5_000 });
      await row.waitFor({ state: 'visible', timeout: 5_000 });
      await row.click({ timeout: 5_000 });
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`command "${title}" could not be run from the command palette`, { cause: e });
    }
  }
}

function paletteOpen(page: Page): Promise<boolean> {
  // A string, not a function: this file compiles without the DOM library.
  const open = `(() => {
    const i = document.querySelector('.quick-input-widget input.input');
    return !!i && i.offsetParent !== null && !i.closest('[inert]') && i.value.startsWith('>');
  })()`;
  return page.waitForFunction(open, undefined, { timeout: 3_000 }).then(
    () => true,
    () => false,
  );
}

/**
 * Runs a command that asks with a quick pick, and picks `label` in it. Like the palette, the
 * pick can close under us (focus moving to the panel's webview or a toast) before the click
 * lands; a closed pick ran nothing, so the command is run again until a pick succeeds.
 */
export async function runCommandAndPick(page: Page, title: string, label: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await runCommand(page, title);
    const row = quickPickRow(page, label);
    try {
      await row.waitFor({ state: 'visible', timeout: 10_000 });
      await row.click({ timeout: 10_000 });
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`"${label}" could not be picked after "${title}"`, { cause: e });
    }
  }
}

/**
 * Waits for a notification toast whose text matches, and returns its text. With `dismiss`, all
 * toasts are cleared afterwards: headless Chromium may leave a stale image of a toast that
 * disappears by itself over the terminal below it.
 */
export async function notification(page: Page, text: RegExp, opts: { dismiss?: boolean; timeoutMs?: number } = {}): Promise<string> {
  const toast = page.locator('.notification-toast .notification-list-item-message').filter({ hasText: text }).first();
  await toast.waitFor({ state: 'visible', timeout: opts.timeoutMs ?? 20_000 });
  const message = (await toast.textContent()) ?? '';
  if (opts.dismiss) {
    await runCommand(page, 'Notifications: Clear All Notifications');
    await toast.waitFor({ state: 'hidden' });
  }
  return message;
}

/** The innerText of `selector` in the first frame (of any depth) that has it. */
export async function frameText(page: Page, selector: string): Promise<string | undefined> {
  for (const frame of page.frames()) {
    const text = await frameInnerText(frame, selector);
    if (text !== undefined) return text;
  }
  return undefined;
}

async function frameInnerText(frame: Frame, selector: string): Promise<string | undefined> {
  try {
    const el = await frame.$(selector);
    return el ? await el.innerText() : undefined;
  } catch {
    return undefined; // a frame that navigated or went away while we looked
  }
}

/** Polls `read` until `done` holds; returns the last value read. */
export async function until<T>(read: () => Promise<T> | T, done: (v: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)?.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 250));
    last = await read();
  }
  return last;
}

/** A file's text once it exists and matches `done` (written by a command typed in the terminal). */
export function fileText(path: string, done: (text: string) => boolean, what: string, timeoutMs = 20_000): Promise<string> {
  return until(() => (existsSync(path) ? readFileSync(path, 'utf8') : ''), done, what, timeoutMs);
}

/** The text on the active terminal's screen (the DOM renderer's rows). */
export async function terminalText(page: Page): Promise<string> {
  return (await page.locator('.terminal-wrapper.active .xterm-rows').first().innerText({ timeout: 1_000 }).catch(() => '')).replace(/\u00a0/g, ' ');
}

/** Types a command line into the focused integrated terminal. */
export async function typeInTerminal(page: Page, line: string): Promise<void> {
  await page.locator('.terminal-wrapper.active .xterm-helper-textarea, .terminal .xterm-helper-textarea').first().focus();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

/** A screenshot of the window, once what was just printed or shown has been painted. */
export async function screenshot(page: Page, path: string): Promise<void> {
  await page.waitForTimeout(500);
  await page.screenshot({ path });
}
