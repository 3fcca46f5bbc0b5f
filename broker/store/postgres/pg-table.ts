/**
 * A StateTable in PostgreSQL: one row per item (its JSON in `doc`), a copy in memory for the
 * synchronous reads, and a NOTIFY on every change so other brokers refresh their copy.
 *
 * `update` runs `SELECT … FOR UPDATE`, applies the change to what is stored and writes it in the
 * same transaction: two brokers deciding on the same request are serialised by the row lock, so
 * a quorum cannot be completed twice and a closed request cannot be reopened.
 * @see https://www.postgresql.org/docs/current/sql-notify.html (delivered at commit)
 */
import type pg from 'pg';
import type { StateTable, StoredItem } from '../state-table.js';

/** Items kept in memory: every open one and the newest closed ones (history pages). */
const LOADED_HISTORY = 5000;

export class PgTable<T extends StoredItem> implements StateTable<T> {
  private readonly items = new Map<string, T>();
  private ordered: T[] | undefined;
  private readonly listeners: ((item: T) => void)[] = [];

  constructor(
    private readonly pool: pg.Pool,
    /** Schema-qualified, quoted table name. */
    private readonly table: string,
    /** The NOTIFY channel and this table's tag in its payloads. */
    private readonly channel: string,
    readonly tag: string,
    private readonly brokerName: string,
    private readonly openStates: readonly string[],
  ) {}

  /** Loads the open items and recent history (again after a lost LISTEN connection). */
  async load(): Promise<void> {
    const { rows } = await this.pool.query<{ doc: T }>(
      `(SELECT doc, created_at FROM ${this.table} WHERE state = ANY($1))
       UNION
       (SELECT doc, created_at FROM ${this.table} WHERE NOT state = ANY($1) ORDER BY created_at DESC LIMIT ${LOADED_HISTORY})
       ORDER BY created_at`,
      [this.openStates],
    );
    this.items.clear();
    for (const r of rows) this.items.set(r.doc.id, r.doc);
    this.ordered = undefined;
  }

  all(): readonly T[] {
    this.ordered ??= [...this.items.values()].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
    return this.ordered;
  }

  get(id: string): T | undefined {
    return this.items.get(id);
  }

  async insert(item: T): Promise<void> {
    await this.pool.query(
      `WITH w AS (INSERT INTO ${this.table} (id, state, created_at, doc) VALUES ($1, $2, $3, $4) RETURNING id)
       SELECT pg_notify($5, $6) FROM w`,
      [item.id, item.state, item.createdAt, JSON.stringify(item), this.channel, this.payload(item.id)],
    );
    this.remember(item);
  }

  async update(id: string, change: (current: T | undefined) => T | undefined): Promise<T | undefined> {
    const client = await this.pool.connect();
    let next: T | undefined;
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ doc: T }>(`SELECT doc FROM ${this.table} WHERE id = $1 FOR UPDATE`, [id]);
      const current = rows[0]?.doc;
      if (current) this.remember(current);
      next = change(current);
      if (next === undefined) {
        await client.query('ROLLBACK');
        return undefined;
      }
      await client.query(
        `INSERT INTO ${this.table} (id, state, created_at, doc) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, doc = EXCLUDED.doc, updated_at = now()`,
        [next.id, next.state, next.createdAt, JSON.stringify(next)],
      );
      await client.query('SELECT pg_notify($1, $2)', [this.channel, this.payload(id)]);
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
    this.remember(next);
    return next;
  }

  onRemoteChange(listener: (item: T) => void): void {
    this.listeners.push(listener);
  }

  /** Another broker changed `id`: refresh the copy and tell the listeners. */
  async changed(id: string): Promise<void> {
    const { rows } = await this.pool.query<{ doc: T }>(`SELECT doc FROM ${this.table} WHERE id = $1`, [id]);
    const item = rows[0]?.doc;
    if (!item) return;
    this.remember(item);
    for (const l of this.listeners) l(item);
  }

  private remember(item: T): void {
    this.items.set(item.id, item);
    this.ordered = undefined;
    // A long-running broker keeps the open items and recent history, not everything ever seen.
    if (this.items.size > 2 * LOADED_HISTORY) {
      const closed = this.all().filter((x) => !this.openStates.includes(x.state));
      for (const x of closed.slice(0, closed.length - LOADED_HISTORY)) this.items.delete(x.id);
      this.ordered = undefined;
    }
  }

  private payload(id: string): string {
    return `${this.tag} ${id} ${this.brokerName}`;
  }
}
