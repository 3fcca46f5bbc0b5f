/**
 * Fans broker events out to the other replicas: each event this broker publishes is written to
 * the `events` table and announced with NOTIFY; the others read it and publish it on their own
 * bus, marked with its origin (so their notifiers stay quiet and nobody relays it again).
 * A NOTIFY payload is limited to 8000 bytes and a held statement can be longer, hence the table.
 * @see https://www.postgresql.org/docs/current/sql-notify.html
 */
import type pg from 'pg';
import { Serial } from '../../approvals/serial.js';
import type { EventBus } from '../../approvals/event-bus.js';
import type { AirlockEvent } from '../../approvals/types.js';
import type { Logger } from '../../log.js';

/** Events older than this leave the table (they were fanned out long ago). */
const KEEP_MS = 60 * 60 * 1000;

export class PgEventRelay {
  private readonly outgoing = new Serial();
  private readonly incoming = new Serial();
  private unsubscribe: (() => void) | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly table: string,
    private readonly channel: string,
    private readonly brokerName: string,
    private readonly bus: EventBus,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.unsubscribe = this.bus.subscribe((e) => {
      if (e.origin !== undefined) return;
      // In publish order (one at a time), so other brokers see this broker's events in order.
      void this.outgoing.run(() => this.send(e));
    });
    this.pruneTimer = setInterval(() => {
      this.pool.query(`DELETE FROM ${this.table} WHERE at < now() - $1::interval`, [`${KEEP_MS} milliseconds`]).catch(() => {});
    }, 10 * 60 * 1000);
    this.pruneTimer.unref();
  }

  /** A NOTIFY on the events channel: `<id> <origin>`. */
  received(payload: string): void {
    const [id, origin] = payload.split(' ');
    if (!id || origin === this.brokerName) return;
    void this.incoming.run(async () => {
      try {
        const { rows } = await this.pool.query<{ doc: AirlockEvent }>(`SELECT doc FROM ${this.table} WHERE id = $1`, [id]);
        if (rows[0]) this.bus.publish({ ...rows[0].doc, origin: origin! });
      } catch (e) {
        this.log.warn('reading an event from the shared store failed', { error: (e as Error).message });
      }
    });
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await this.outgoing.run(async () => {});
  }

  private async send(e: AirlockEvent): Promise<void> {
    try {
      await this.pool.query(
        `WITH e AS (INSERT INTO ${this.table} (origin, doc) VALUES ($1, $2) RETURNING id)
         SELECT pg_notify($3, e.id || ' ' || $1) FROM e`,
        [this.brokerName, JSON.stringify(e), this.channel],
      );
    } catch (err) {
      // Local subscribers already have it; the other replicas' live views miss this one event.
      this.log.warn('sharing an event with the other brokers failed', { type: e.type, error: (err as Error).message });
    }
  }
}
