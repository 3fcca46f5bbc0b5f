/**
 * Tells webhooks and Slack about approval and access events. Subscribe `handle` to the
 * `EventBus`: it returns at once and never throws; deliveries run in the background, are
 * retried with backoff, and end in exactly one `onDelivered` or `onFailure` call each.
 */
import type { NotifyTarget } from '../../config/types.js';
import type { AirlockEvent } from '../types.js';
import { retryDelay } from './backoff.js';
import { buildDeliveryRequest, newDeliveryId, type DeliveryRequest } from './delivery-request.js';
import { targetsFor, type RuleTargets } from './routing.js';
import { attemptDelivery } from './webhook-delivery.js';

export interface DeliveryFailure {
  target: string;
  eventType: string;
  deliveryId: string;
  attempts: number;
  error: string;
  status?: number;
}

export interface DeliverySuccess {
  target: string;
  eventType: string;
  deliveryId: string;
  attempts: number;
}

export interface NotifierOptions {
  readonly targets: readonly NotifyTarget[];
  /** rule name -> names of notify targets that rule's approval requests go to (undefined = all targets). */
  readonly ruleTargets: RuleTargets;
  /** Called once per delivery that finally failed (after all attempts); must never receive a URL or secret. */
  readonly onFailure: (failure: DeliveryFailure) => void;
  /** Called once per delivery that succeeded (for logging/recording). */
  readonly onDelivered?: (d: DeliverySuccess) => void;
  /** Injectable for tests; default: the global fetch. */
  readonly fetch?: typeof fetch;
  /** First retry delay; default 500. */
  readonly backoffBaseMs?: number;
  /** Longest retry delay (also the longest `Retry-After` honoured); default 30000. */
  readonly backoffMaxMs?: number;
}

export const STOPPING = 'broker stopping';

/** Extra time `close()` gives in-flight attempts beyond the longest target timeout. */
const CLOSE_GRACE_MS = 1000;

interface PendingRetry {
  readonly timer: NodeJS.Timeout;
  readonly request: DeliveryRequest;
  readonly attempts: number;
  readonly status: number | undefined;
}

export class Notifier {
  private readonly fetchImpl: typeof fetch;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly pending = new Map<string, PendingRetry>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stop = new AbortController();
  private closing: Promise<void> | undefined;

  constructor(private readonly opts: NotifierOptions) {
    this.fetchImpl = opts.fetch ?? globalThis.fetch;
    this.baseMs = opts.backoffBaseMs ?? 500;
    this.maxMs = opts.backoffMaxMs ?? 30_000;
  }

  /** Subscribe-friendly: never throws, never blocks; schedules deliveries. */
  handle(event: AirlockEvent): void {
    // Another broker replica's event: that broker notifies, so reviewers hear of it once.
    if (event.origin !== undefined) return;
    try {
      for (const target of targetsFor(event, this.opts.targets, this.opts.ruleTargets)) this.start(target, event);
    } catch {
      // Only a malformed event could get here; the publisher must not be disturbed by it.
    }
  }

  /** Deliveries scheduled for a retry, not yet sent again (for status pages and tests). */
  get pendingRetries(): number {
    return this.pending.size;
  }

  /**
   * Stops retries and waits (bounded) for in-flight attempts; pending retries are reported as
   * failures with error 'broker stopping'. In-flight attempts get up to the longest target
   * timeout (plus a second) to finish, since each is bounded by its own timeout anyway; any
   * still running after that are aborted and reported the same way.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      this.fail(p.request, p.attempts, STOPPING, p.status);
    }
    this.pending.clear();
    if (this.inFlight.size > 0) {
      const bound = Math.max(0, ...this.opts.targets.map((t) => t.timeoutMs)) + CLOSE_GRACE_MS;
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, bound);
        timer.unref();
      });
      await Promise.race([Promise.allSettled([...this.inFlight]), waited]);
      clearTimeout(timer);
    }
    this.stop.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  private start(target: NotifyTarget, event: AirlockEvent): void {
    const id = newDeliveryId();
    let request: DeliveryRequest;
    try {
      request = buildDeliveryRequest(target, event, id);
    } catch {
      this.reportFailure({ target: target.name, eventType: event.type, deliveryId: id, attempts: 0, error: 'the notification could not be built' });
      return;
    }
    if (this.closing !== undefined) {
      this.fail(request, 0, STOPPING, undefined);
      return;
    }
    this.attempt(request, 1);
  }

  private attempt(request: DeliveryRequest, n: number): void {
    const run = this.runAttempt(request, n)
      .catch(() => this.fail(request, n, 'delivery failed unexpectedly', undefined))
      .finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
  }

  private async runAttempt(request: DeliveryRequest, n: number): Promise<void> {
    const outcome = await attemptDelivery(this.fetchImpl, request, this.stop.signal);
    switch (outcome.kind) {
      case 'delivered':
        this.reportDelivered({ target: request.target.name, eventType: request.eventType, deliveryId: request.id, attempts: n });
        return;
      case 'stopped':
        this.fail(request, n, STOPPING, outcome.status);
        return;
      case 'failed':
        this.fail(request, n, outcome.error, outcome.status);
        return;
      case 'retry': {
        if (n >= request.target.maxAttempts) {
          this.fail(request, n, outcome.error, outcome.status);
          return;
        }
        if (this.closing !== undefined) {
          this.fail(request, n, STOPPING, outcome.status);
          return;
        }
        const delay = retryDelay(n, outcome.retryAfterMs, this.baseMs, this.maxMs);
        const timer = setTimeout(() => {
          this.pending.delete(request.id);
          this.attempt(request, n + 1);
        }, delay);
        // A retry must not keep the process alive on its own; close() reports what was left.
        timer.unref();
        this.pending.set(request.id, { timer, request, attempts: n, status: outcome.status });
        return;
      }
    }
  }

  private fail(request: DeliveryRequest, attempts: number, error: string, status: number | undefined): void {
    const failure: DeliveryFailure = { target: request.target.name, eventType: request.eventType, deliveryId: request.id, attempts, error };
    if (status !== undefined) failure.status = status;
    this.reportFailure(failure);
  }

  // A throwing callback (a logger, a full recording store) must not break other deliveries
  // or turn a delivered notification into a retry, so both are isolated.
  private reportFailure(f: DeliveryFailure): void {
    try {
      this.opts.onFailure(f);
    } catch {
      /* isolated, see above */
    }
  }

  private reportDelivered(s: DeliverySuccess): void {
    try {
      this.opts.onDelivered?.(s);
    } catch {
      /* isolated, see above */
    }
  }
}
