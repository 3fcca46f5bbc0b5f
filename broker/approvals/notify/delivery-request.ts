/**
 * The HTTP request for one delivery of one event to one target. The body is made once, so
 * every retry of a delivery sends the same bytes (and the same `id`, for receivers to
 * deduplicate on); a webhook's signature is made per attempt, with that attempt's time.
 */
import { randomBytes } from 'node:crypto';
import type { NotifyTarget } from '../../config/types.js';
import type { AirlockEvent } from '../types.js';
import { SIGNATURE_HEADER, signatureHeader } from './signature.js';
import { buildSlackMessage } from './slack-message.js';

export interface DeliveryRequest {
  readonly id: string;
  readonly target: NotifyTarget;
  readonly eventType: string;
  readonly body: string;
  /** Headers for one attempt (called again for each retry). */
  headers(nowSeconds?: number): Record<string, string>;
}

/** The JSON body of a generic webhook delivery. */
export interface WebhookBody {
  readonly id: string;
  readonly type: AirlockEvent['type'];
  readonly at: string;
  readonly data: AirlockEvent;
}

const USER_AGENT = 'airlock-broker';

export function newDeliveryId(): string {
  return `dlv_${randomBytes(12).toString('base64url')}`;
}

/**
 * Throws when the target cannot be delivered to at all (a webhook without a signing secret:
 * the configuration check refuses that, and sending unsigned would let a lax receiver accept
 * forgeries). The error names the target, never its URL or secret.
 */
export function buildDeliveryRequest(target: NotifyTarget, event: AirlockEvent, id: string = newDeliveryId()): DeliveryRequest {
  if (target.type === 'slack') {
    const body = JSON.stringify(buildSlackMessage(event));
    return {
      id, target, eventType: event.type, body,
      // Slack ignores extra headers; ours would only tell the URL's holder about our ids.
      headers: () => ({ 'content-type': 'application/json', 'user-agent': USER_AGENT }),
    };
  }
  const secret = target.secret;
  if (secret === undefined) throw new Error(`notify target "${target.name}" is a webhook without a signing secret`);
  const payload: WebhookBody = { id, type: event.type, at: event.at, data: event };
  const body = JSON.stringify(payload);
  return {
    id, target, eventType: event.type, body,
    headers: (nowSeconds = Math.floor(Date.now() / 1000)) => ({
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'airlock-event': event.type,
      'airlock-delivery': id,
      [SIGNATURE_HEADER]: signatureHeader(secret.reveal(), body, nowSeconds),
    }),
  };
}
