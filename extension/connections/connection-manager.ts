/**
 * Open connections: one local forwarder (127.0.0.1, ephemeral port) per connection, each
 * accepted socket tunnelled to the broker with a fresh token (see broker/tunnel). The forwarder
 * depends only on `ws` and the protocol codec, so the extension bundles the same code the
 * `airlock connect` command runs rather than a copy of it.
 */
import { startForwarder, type Forwarder, type ForwarderEvent } from '../../broker/tunnel/local-forwarder.js';
import type { ForwardedConnection } from '../terminal/terminal-environment.js';

export interface OpenConnection extends ForwardedConnection {
  readonly forwarder: Forwarder;
}

export class ConnectionManager {
  private readonly open = new Map<string, OpenConnection>();
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly brokerUrl: () => string,
    private readonly token: () => Promise<string>,
    private readonly user: () => string,
    private readonly onEvent: (connection: string, e: ForwarderEvent) => void = () => {},
  ) {}

  get(name: string): OpenConnection | undefined {
    return this.open.get(name);
  }

  list(): OpenConnection[] {
    return [...this.open.values()];
  }

  /** The most recently opened connection (the one terminals point at). */
  latest(): OpenConnection | undefined {
    return [...this.open.values()].at(-1);
  }

  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  async connect(name: string): Promise<OpenConnection> {
    const existing = this.open.get(name);
    if (existing) return existing;
    const forwarder = await startForwarder({ brokerUrl: this.brokerUrl(), connection: name, token: this.token, onEvent: (e) => this.onEvent(name, e) });
    const c: OpenConnection = { name, host: '127.0.0.1', port: forwarder.port, user: this.user(), forwarder };
    this.open.set(name, c);
    this.changed();
    return c;
  }

  async disconnect(name: string): Promise<void> {
    const c = this.open.get(name);
    if (!c) return;
    this.open.delete(name);
    await c.forwarder.close();
    this.changed();
  }

  async disconnectAll(): Promise<void> {
    await Promise.all([...this.open.keys()].map((n) => this.disconnect(n)));
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
