/**
 * The development provider's interactions: a one-page "pick a demo user" login and automatic
 * consent (every configured client is first-party). oidc-provider's own `devInteractions`
 * still exist in v9 but print warnings on every start and ask for a password; this is the
 * minimum a browser, or a headless test posting `user=<name>`, needs to finish a code flow.
 *
 *   GET  /interaction/:uid   login prompt → the user list; consent prompt → granted, redirected
 *   POST /interaction/:uid   `user=<name>` signs in as that demo user; `cancel=1` aborts
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Interaction, Provider } from 'oidc-provider';
import type { DevUser } from '../config/types.js';

const MAX_FORM_BYTES = 4096;
const PATH = /^\/interaction\/([A-Za-z0-9_-]{1,128})\/?$/;

/** The interaction uid when `url` is an interaction page, else undefined. */
export function interactionUid(url: string | undefined): string | undefined {
  const pathname = (url ?? '').split('?')[0] ?? '';
  return PATH.exec(pathname)?.[1];
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function sendHtml(res: ServerResponse, status: number, title: string, body: string): void {
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}
button{display:block;width:100%;margin:.5rem 0;padding:.6rem;text-align:left;font-size:1rem;cursor:pointer}
small{color:#555}.error{color:#b00020}</style></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.end(html);
}

function loginPage(res: ServerResponse, uid: string, users: readonly DevUser[], clientId: string, error?: string): void {
  const action = `/interaction/${encodeURIComponent(uid)}`;
  const buttons = users
    .map(
      (u) =>
        `<button type="submit" name="user" value="${escapeHtml(u.name)}"><strong>${escapeHtml(u.name)}</strong> ` +
        `<small>${escapeHtml(u.email)} · ${escapeHtml(u.groups.join(', ') || 'no groups')}</small></button>`,
    )
    .join('\n');
  const body =
    `<p>Airlock development sign-in for <code>${escapeHtml(clientId)}</code>. Pick a demo user:</p>` +
    (error !== undefined ? `<p class="error">${escapeHtml(error)}</p>` : '') +
    `<form method="post" action="${action}">${buttons || '<p>No demo users are configured.</p>'}</form>` +
    `<form method="post" action="${action}"><button type="submit" name="cancel" value="1">Cancel</button></form>`;
  sendHtml(res, error === undefined ? 200 : 400, 'Sign in (development)', body);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const type = req.headers['content-type'] ?? '';
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(buf);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** Grants whatever the consent prompt found missing: the dev provider's clients are all first-party. */
async function autoConsent(provider: Provider, interaction: Interaction, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const accountId = interaction.session?.accountId;
  const clientId = interaction.params['client_id'];
  if (accountId === undefined || typeof clientId !== 'string') {
    sendHtml(res, 400, 'Sign-in failed', '<p>This sign-in request has no signed-in user. Start again from the application.</p>');
    return;
  }
  const existing = interaction.grantId !== undefined ? await provider.Grant.find(interaction.grantId) : undefined;
  const grant = existing ?? new provider.Grant({ accountId, clientId });
  const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = interaction.prompt.details;
  if (missingOIDCScope !== undefined) grant.addOIDCScope(missingOIDCScope.join(' '));
  if (missingOIDCClaims !== undefined) grant.addOIDCClaims(missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

export async function handleInteraction(
  provider: Provider,
  users: readonly DevUser[],
  uid: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  let interaction: Interaction;
  try {
    interaction = await provider.interactionDetails(req, res);
  } catch {
    sendHtml(res, 400, 'Sign-in expired', '<p>This sign-in request has expired or is unknown. Start again from the application.</p>');
    return;
  }
  if (interaction.uid !== uid) {
    sendHtml(res, 400, 'Sign-in failed', '<p>This page does not belong to the current sign-in request.</p>');
    return;
  }
  const clientId = typeof interaction.params['client_id'] === 'string' ? interaction.params['client_id'] : '?';
  const prompt = interaction.prompt.name;

  if (req.method === 'GET') {
    if (prompt === 'login') return loginPage(res, uid, users, clientId);
    if (prompt === 'consent') return autoConsent(provider, interaction, req, res);
    return sendHtml(res, 501, 'Not supported', `<p>The development provider cannot handle the "${escapeHtml(prompt)}" prompt.</p>`);
  }
  if (req.method !== 'POST') {
    res.statusCode = 405;
    res.setHeader('Allow', 'GET, POST');
    res.end();
    return;
  }
  const form = await readForm(req);
  if (typeof form?.get('cancel') === 'string') {
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'End-User aborted interaction' },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  if (prompt === 'consent') return autoConsent(provider, interaction, req, res);
  if (prompt !== 'login') {
    return sendHtml(res, 501, 'Not supported', `<p>The development provider cannot handle the "${escapeHtml(prompt)}" prompt.</p>`);
  }
  const name = form?.get('user') ?? undefined;
  const user = users.find((u) => u.name === name);
  if (user === undefined) return loginPage(res, uid, users, clientId, 'Pick one of the demo users below.');
  await provider.interactionFinished(req, res, { login: { accountId: user.name } }, { mergeWithLastSubmission: false });
}
