/**
 * The broker's HTTP API as the extension uses it. Types come from the broker (type-only import,
 * the one dependency the extension has on it); `fetch` is injectable for tests.
 */
import type { ApiError, ConnectionView, InfoResponse, MeResponse } from '../../broker/http/api.js';
import type { SessionSummary } from '../../broker/recording/queries.js';
import { checkBrokerUrl } from '../../broker/tunnel/local-forwarder.js';

export type SessionListItem = SessionSummary & { readonly active: boolean };

export class BrokerError extends Error {
  constructor(message: string, readonly status: number, readonly code?: string, readonly hint?: string) {
    super(message);
    this.name = 'BrokerError';
  }
}

export class BrokerClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: () => Promise<string | undefined>,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  info(): Promise<InfoResponse> {
    return this.get<InfoResponse>('/v1/info', false);
  }

  me(): Promise<MeResponse> {
    return this.get<MeResponse>('/v1/me', true);
  }

  async connections(): Promise<readonly ConnectionView[]> {
    return (await this.get<{ connections: ConnectionView[] }>('/v1/connections', true)).connections;
  }

  /** The caller's recent sessions, newest first. */
  async sessions(limit = 30): Promise<readonly SessionListItem[]> {
    return (await this.get<{ sessions: SessionListItem[] }>(`/v1/sessions?limit=${limit}`, true)).sessions;
  }

  /** A reviewer's decision on an approval request. */
  async decide(id: string, verdict: 'approve' | 'deny', comment: string): Promise<void> {
    checkBrokerUrl(this.baseUrl);
    const t = await this.token();
    if (!t) throw new BrokerError('Sign in to Airlock first.', 401);
    const res = await this.fetchImpl(`${this.baseUrl.replace(/\/+$/, '')}/v1/approvals/${encodeURIComponent(id)}/decision`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
      body: JSON.stringify({ verdict, comment }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) {
      const body = (await res.json().catch(() => ({}))) as Partial<ApiError>;
      throw new BrokerError(body.message ?? `The broker answered ${res.status}.`, res.status, body.code, body.hint);
    }
  }

  /** Reports a terminal command that went around the broker (an audit record on the broker). */
  async auditTerminal(connection: string, command: string, terminal?: string): Promise<void> {
    checkBrokerUrl(this.baseUrl);
    const t = await this.token();
    if (!t) return;
    await this.fetchImpl(`${this.baseUrl.replace(/\/+$/, '')}/v1/audit/terminal`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
      body: JSON.stringify({ connection, command: command.slice(0, 4000), ...(terminal ? { terminal: terminal.slice(0, 200) } : {}) }),
      signal: AbortSignal.timeout(10_000),
    });
  }

  private async get<T>(path: string, auth: boolean): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (auth) {
      // A bearer token crosses the network only over TLS (loopback http is fine: the demo).
      checkBrokerUrl(this.baseUrl);
      const t = await this.token();
      if (!t) throw new BrokerError('Sign in to Airlock first.', 401);
      headers.authorization = `Bearer ${t}`;
    }
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.baseUrl.replace(/\/+$/, '')}${path}`, { headers, signal: AbortSignal.timeout(10_000) });
    } catch (e) {
      throw new BrokerError(`The Airlock broker at ${this.baseUrl} could not be reached (${(e as Error).message}).`, 0);
    }
    const body = (await res.json().catch(() => ({}))) as T & Partial<ApiError>;
    if (!res.ok) throw new BrokerError(body.message ?? `The broker answered ${res.status}.`, res.status, body.code, body.hint);
    return body;
  }
}
