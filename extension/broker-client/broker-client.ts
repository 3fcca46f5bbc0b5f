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
    return this.request<InfoResponse>('GET', '/v1/info', false);
  }

  me(): Promise<MeResponse> {
    return this.request<MeResponse>('GET', '/v1/me');
  }

  async connections(): Promise<readonly ConnectionView[]> {
    return (await this.request<{ connections: ConnectionView[] }>('GET', '/v1/connections')).connections;
  }

  /** The caller's recent sessions, newest first. */
  async sessions(limit = 30): Promise<readonly SessionListItem[]> {
    return (await this.request<{ sessions: SessionListItem[] }>('GET', `/v1/sessions?limit=${limit}`)).sessions;
  }

  /** A reviewer's decision on an approval request. */
  async decide(id: string, verdict: 'approve' | 'deny', comment: string): Promise<void> {
    await this.request('POST', `/v1/approvals/${encodeURIComponent(id)}/decision`, true, { verdict, comment });
  }

  /** Reports a terminal command that went around the broker (an audit record on the broker); nothing when signed out. */
  async auditTerminal(connection: string, command: string, terminal?: string): Promise<void> {
    if (!(await this.token())) return;
    await this.request('POST', '/v1/audit/terminal', true, { connection, command: command.slice(0, 4000), ...(terminal ? { terminal: terminal.slice(0, 200) } : {}) });
  }

  private async request<T>(method: 'GET' | 'POST', path: string, auth = true, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (auth) {
      // A bearer token crosses the network only over TLS (loopback http is fine: the demo).
      checkBrokerUrl(this.baseUrl);
      const t = await this.token();
      if (!t) throw new BrokerError('Sign in to Airlock first.', 401);
      headers.authorization = `Bearer ${t}`;
    }
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.baseUrl.replace(/\/+$/, '')}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (e) {
      throw new BrokerError(`The Airlock broker at ${this.baseUrl} could not be reached (${(e as Error).message}).`, 0);
    }
    const parsed = (await res.json().catch(() => ({}))) as T & Partial<ApiError>;
    if (!res.ok) throw new BrokerError(parsed.message ?? `The broker answered ${res.status}.`, res.status, parsed.code, parsed.hint);
    return parsed;
  }
}
