/**
 * The loopback redirect listener for a native-app authorization flow (RFC 8252 §7.3): an HTTP
 * server on `127.0.0.1`, ephemeral port, that waits for exactly one `GET /callback`, answers the
 * browser with a static page and resolves with the full callback URL. Everything else is a 404.
 * It never parses the code itself — the caller (openid-client) validates the response.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthError } from './auth-error.js';

export const CALLBACK_PATH = '/callback';

export interface LoopbackOptions {
  /** Rejects with `AUTH_TIMEOUT` when no callback arrives within this many milliseconds. */
  readonly timeoutMs: number;
  /** Rejects with `AUTH_CANCELLED` when aborted. */
  readonly signal?: AbortSignal | undefined;
  /**
   * When set, a callback whose `state` differs is refused (400) and `result` rejects with
   * `AUTH_STATE_MISMATCH` (RFC 6749 §10.12). A callback without `state` counts as a mismatch.
   */
  readonly expectedState?: string | undefined;
}

export interface Loopback {
  /** `http://127.0.0.1:<port>/callback` */
  readonly redirectUri: string;
  /** The full callback URL the browser was sent to. */
  readonly result: Promise<URL>;
  /** Stops listening; rejects a pending `result` with `AUTH_CANCELLED`. Idempotent. */
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Sends the page, then calls `done` once the response is handed to the socket. */
function sendPage(res: ServerResponse, status: number, title: string, text: string, done: () => void): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Connection', 'close');
  res.end(
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
      '<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}</style></head>' +
      `<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>`,
    done,
  );
}

/** Starts the listener. Resolves once it listens; the wait for the browser is `result`. */
export async function startLoopback(opts: LoopbackOptions): Promise<Loopback> {
  if (opts.signal?.aborted) throw new AuthError('AUTH_CANCELLED');
  let settle: { resolve: (url: URL) => void; reject: (err: AuthError) => void } | undefined;
  const result = new Promise<URL>((resolve, reject) => (settle = { resolve, reject }));
  result.catch(() => {}); // observed by the caller; avoid an unhandled rejection before then

  const server = createServer((req, res) => onRequest(req, res));
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    finish(new AuthError('AUTH_CANCELLED'));
    closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closed;
  };
  const timer = setTimeout(() => finish(new AuthError('AUTH_TIMEOUT')), opts.timeoutMs);
  const onAbort = (): void => finish(new AuthError('AUTH_CANCELLED', undefined, { cause: opts.signal?.reason }));
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  function finish(outcome: URL | AuthError): void {
    if (settle === undefined) return;
    const { resolve, reject } = settle;
    settle = undefined;
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    if (outcome instanceof URL) resolve(outcome);
    else reject(outcome);
    void close();
  }

  let answered = false;
  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', `http://${HOST}:${port}`);
    if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH || settle === undefined || answered) {
      res.statusCode = 404;
      res.setHeader('Connection', 'close');
      res.end();
      return;
    }
    answered = true; // one callback only: later requests get a 404
    if (opts.expectedState !== undefined && url.searchParams.get('state') !== opts.expectedState) {
      const text = 'This response does not belong to the current Airlock sign-in. Start again from the editor.';
      sendPage(res, 400, 'Sign-in failed', text, () => finish(new AuthError('AUTH_STATE_MISMATCH')));
      return;
    }
    if (url.searchParams.has('error')) {
      sendPage(res, 200, 'Sign-in failed', 'Airlock was not signed in. You can close this tab and try again from the editor.', () => finish(url));
    } else {
      sendPage(res, 200, 'Signed in to Airlock', 'You can close this tab and return to the editor.', () => finish(url));
    }
  }

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', (cause) => reject(new AuthError('AUTH_LOOPBACK_FAILED', undefined, { cause })));
    server.listen(0, HOST, () => resolve((server.address() as AddressInfo).port));
  }).catch((err: unknown) => {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    throw err;
  });
  return { redirectUri: `http://${HOST}:${port}${CALLBACK_PATH}`, result, close };
}
