/**
 * Follows the broker's `/v1/events` WebSocket for the signed-in user, reconnecting with backoff
 * (and a fresh token) when the connection drops or the token expires (close code 4001).
 */
import WebSocket from 'ws';
import type { AirlockEvent, ApprovalRequest } from '../../broker/approvals/types.js';

export type HelloMessage = { readonly type: 'hello'; readonly subject: string; readonly groups: readonly string[]; readonly pendingApprovals: readonly ApprovalRequest[] };

export interface EventsClientOptions {
  readonly url: () => string;
  readonly token: () => Promise<string | undefined>;
  readonly onMessage: (m: AirlockEvent | HelloMessage) => void;
  readonly onStatus?: (s: 'connected' | 'disconnected') => void;
  readonly maxBackoffMs?: number;
}

export function eventsUrl(brokerUrl: string): string {
  const u = new URL(brokerUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/v1/events`;
  return u.href;
}

export class EventsClient {
  private ws: WebSocket | undefined;
  private stopped = true;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: EventsClientOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.open();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.ws?.close(1000);
    this.ws = undefined;
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    const token = await this.o.token().catch(() => undefined);
    if (!token || this.stopped) return this.retry();
    const ws = new WebSocket(this.o.url(), { headers: { authorization: `Bearer ${token}` }, handshakeTimeout: 10_000 });
    this.ws = ws;
    ws.on('open', () => {
      this.attempt = 0;
      this.o.onStatus?.('connected');
    });
    ws.on('message', (data) => {
      try {
        this.o.onMessage(JSON.parse(String(data)) as AirlockEvent | HelloMessage);
      } catch {
        // a malformed message is dropped, the stream goes on
      }
    });
    ws.on('error', () => {});
    ws.on('close', () => {
      if (this.ws === ws) this.ws = undefined;
      this.o.onStatus?.('disconnected');
      this.retry();
    });
  }

  private retry(): void {
    if (this.stopped) return;
    const delay = Math.min(this.o.maxBackoffMs ?? 30_000, 500 * 2 ** this.attempt++);
    this.timer = setTimeout(() => void this.open(), delay);
    this.timer.unref?.();
  }
}
