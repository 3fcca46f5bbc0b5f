/**
 * One HTTP attempt of a delivery, and what it means for the next step: done, try again, or
 * give up. Error strings are built from our own words, a status code and at most an error
 * code (`ECONNREFUSED`), never from the URL (a Slack webhook URL is the credential) or from
 * a foreign error message that might quote it.
 */
import type { DeliveryRequest } from './delivery-request.js';
import { parseRetryAfter } from './backoff.js';

export type AttemptOutcome =
  | { readonly kind: 'delivered'; readonly status: number }
  | { readonly kind: 'retry'; readonly error: string; readonly status?: number; readonly retryAfterMs?: number }
  | { readonly kind: 'failed'; readonly error: string; readonly status?: number }
  /** The broker is stopping and aborted the attempt. */
  | { readonly kind: 'stopped'; readonly status?: number };

/**
 * Statuses worth another try: the receiver is down or busy, or asked us to slow down. Any
 * other 4xx means the request itself is wrong (bad URL, revoked Slack hook, refused signature)
 * and sending it again would fail the same way.
 */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/** A short, safe excerpt of an error body: only Slack-style codes such as `invalid_payload` or `no_service`. */
function safeReason(text: string): string {
  const t = text.trim();
  return /^[a-z0-9_]{1,64}$/i.test(t) ? `: ${t}` : '';
}

/** Only an upper-case code (ECONNREFUSED, UND_ERR_SOCKET) from a network error: its message may contain the host. */
function networkCode(e: unknown): string {
  for (let cur: unknown = e, depth = 0; cur instanceof Error && depth < 4; cur = cur.cause, depth++) {
    const code = (cur as Error & { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code)) return ` (${code})`;
  }
  return '';
}

/**
 * One attempt, aborted by its own timeout (`target.timeoutMs`, covering the response body too)
 * or by `stop`. A per-attempt controller with a listener removed afterwards is used rather
 * than `AbortSignal.any([timeout, stop])`: combining a long-lived signal with a new one per
 * request has leaked memory in Node (nodejs/node#55351).
 */
export async function attemptDelivery(
  fetchImpl: typeof fetch,
  request: DeliveryRequest,
  stop: AbortSignal,
): Promise<AttemptOutcome> {
  if (stop.aborted) return { kind: 'stopped' };
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, request.target.timeoutMs);
  timer.unref();
  const onStop = (): void => controller.abort();
  stop.addEventListener('abort', onStop, { once: true });
  try {
    return await send(fetchImpl, request, controller.signal, () => (stop.aborted ? 'stopped' : timedOut ? 'timeout' : 'error'));
  } finally {
    clearTimeout(timer);
    stop.removeEventListener('abort', onStop);
  }
}

async function send(
  fetchImpl: typeof fetch,
  request: DeliveryRequest,
  signal: AbortSignal,
  why: () => 'stopped' | 'timeout' | 'error',
): Promise<AttemptOutcome> {
  let response: Response;
  try {
    response = await fetchImpl(request.target.url.reveal(), {
      method: 'POST',
      headers: request.headers(),
      body: request.body,
      // A receiver that redirects gets no second POST: following would send the signed body
      // (and, for Slack, act on behalf of the URL's holder) somewhere nobody configured.
      redirect: 'manual',
      signal,
    });
  } catch (e) {
    const cause = why();
    if (cause === 'stopped') return { kind: 'stopped' };
    if (cause === 'timeout') return { kind: 'retry', error: `no response within ${request.target.timeoutMs} ms` };
    return { kind: 'retry', error: `network error${networkCode(e)}` };
  }
  const status = response.status;
  if (status >= 200 && status < 300) {
    // The body is not needed; cancelling frees the connection without reading it all.
    await response.body?.cancel().catch(() => {});
    return { kind: 'delivered', status };
  }
  let reason = '';
  try {
    reason = safeReason((await response.text()).slice(0, 200));
  } catch {
    // A body that fails or times out adds nothing to the outcome, which the status decides.
  }
  const error = `HTTP ${status}${reason}`;
  if (why() === 'stopped') return { kind: 'stopped', status };
  if (status >= 300 && status < 400) return { kind: 'failed', error: `${error} (redirects are not followed)`, status };
  if (!isRetryableStatus(status)) return { kind: 'failed', error, status };
  const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(response.headers.get('retry-after')) : undefined;
  return retryAfterMs === undefined ? { kind: 'retry', error, status } : { kind: 'retry', error, status, retryAfterMs };
}
