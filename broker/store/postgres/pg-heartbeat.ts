/**
 * Each broker says every few seconds that it is alive and which sessions are open on it, so the
 * replay pages and the sessions API of any replica know what is open now on all of them. A broker
 * that stops saying so (killed, cut off) drops out after a few missed beats; its sessions then
 * show as not ended rather than open.
 */
import type pg from 'pg';
import type { OpenSessionInfo } from '../../http/open-sessions.js';
import type { Logger } from '../../log.js';

const BEAT_MS = 5_000;
/** A broker not heard of for this long is gone. */
const ALIVE_MS = 3 * BEAT_MS;
/** Answers for the pages are reused this long: a page refresh must not cost a query each time. */
const CACHE_MS = 1_000;

export class PgHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private cached: { at: number; open: Promise<readonly OpenSessionInfo[]> } | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly table: string,
    private readonly brokerName: string,
    private readonly log: Logger,
  ) {}

  async start(open: () => readonly OpenSessionInfo[]): Promise<void> {
    const beat = (): Promise<void> =>
      this.pool
        .query(
          `INSERT INTO ${this.table} (name, open_sessions) VALUES ($1, $2)
           ON CONFLICT (name) DO UPDATE SET last_seen = now(), open_sessions = EXCLUDED.open_sessions`,
          [this.brokerName, JSON.stringify(open())],
        )
        .then(
          () => undefined,
          (e: Error) => this.log.warn('the shared store heartbeat failed', { error: e.message }),
        );
    await this.pool.query(`DELETE FROM ${this.table} WHERE name = $1`, [this.brokerName]);
    await beat();
    this.timer = setInterval(() => void beat(), BEAT_MS);
    this.timer.unref();
  }

  /** Sessions open on the other running brokers, each with its broker's name. */
  openElsewhere(): Promise<readonly OpenSessionInfo[]> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < CACHE_MS) return this.cached.open;
    const open = this.pool
      .query<{ name: string; open_sessions: OpenSessionInfo[] }>(`SELECT name, open_sessions FROM ${this.table} WHERE name <> $1 AND last_seen > now() - $2::interval`, [this.brokerName, `${ALIVE_MS} milliseconds`])
      .then(
        (r) => r.rows.flatMap((b) => b.open_sessions.map((s) => ({ ...s, broker: b.name }))),
        // The store unreachable: this broker's own sessions are still known.
        () => [],
      );
    this.cached = { at: now, open };
    return open;
  }

  /** Names of the brokers heard of recently, this one included. */
  async liveBrokers(): Promise<ReadonlySet<string>> {
    const r = await this.pool.query<{ name: string }>(`SELECT name FROM ${this.table} WHERE last_seen > now() - $1::interval`, [`${ALIVE_MS} milliseconds`]);
    return new Set([this.brokerName, ...r.rows.map((x) => x.name)]);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    // Gone at once, not after the missed beats: its sessions are closing with it.
    await this.pool.query(`DELETE FROM ${this.table} WHERE name = $1`, [this.brokerName]).catch(() => {});
  }
}
