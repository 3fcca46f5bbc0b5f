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
  /**
   * The stored version of each item in the copy: a notification's read and this broker's own
   * write can finish in either order, and an older version must never replace a newer one.
   */
  private readonly versions = new Map<string, number>();
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
    const { rows } = await this.pool.query<{ doc: T; version: string }>(
      `(SELECT doc, version, created_at FROM ${this.table} WHERE state = ANY($1))
       UNION ALL
       (SELECT doc, version, created_at FROM ${this.table} WHERE NOT state = ANY($1) ORDER BY created_at DESC LIMIT ${LOADED_HISTORY})
       ORDER BY created_at`,
      [this.openStates],
    );
    this.items.clear();
    this.versions.clear();
    for (const r of rows) this.remember(r.doc, Number(r.version));
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
    this.remember(item, 1);
  }

  async update(id: string, change: (current: T | undefined) => T | undefined): Promise<T | undefined> {
    const client = await this.pool.connect();
    let next: T | undefined;
    let version = 0;
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ doc: T; version: string }>(`SELECT doc, version FROM ${this.table} WHERE id = $1 FOR UPDATE`, [id]);
      const current = rows[0]?.doc;
      if (current) this.remember(current, Number(rows[0]!.version));
      next = change(current);
      if (next === undefined) {
        await client.query('ROLLBACK');
        return undefined;
      }
      const written = await client.query<{ version: string }>(
        `INSERT INTO ${this.table} (id, state, created_at, doc) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, doc = EXCLUDED.doc, updated_at = now(), version = ${this.table}.version + 1
         RETURNING version`,
        [next.id, next.state, next.createdAt, JSON.stringify(next)],
      );
      version = Number(written.rows[0]!.version);
      await client.query('SELECT pg_notify($1, $2)', [this.channel, this.payload(id)]);
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
    this.remember(next, version);
    return next;
  }

  onRemoteChange(listener: (item: T) => void): void {
    this.listeners.push(listener);
  }

  /** Another broker changed `id`: refresh the copy and tell the listeners. */
  async changed(id: string): Promise<void> {
    const { rows } = await this.pool.query<{ doc: T; version: string }>(`SELECT doc, version FROM ${this.table} WHERE id = $1`, [id]);
    const row = rows[0];
    if (!row || !this.remember(row.doc, Number(row.version))) return;
    for (const l of this.listeners) l(row.doc);
  }

  /** Keeps `item` unless the copy already has a newer version; returns whether it was kept. */
  private remember(item: T, version: number): boolean {
    if ((this.versions.get(item.id) ?? 0) > version) return false;
    this.versions.set(item.id, version);
    this.items.set(item.id, item);
    this.ordered = undefined;
    // A long-running broker keeps the open items and recent history, not everything ever seen.
    if (this.items.size > 2 * LOADED_HISTORY) {
      const closed = this.all().filter((x) => !this.openStates.includes(x.state));
      for (const x of closed.slice(0, closed.length - LOADED_HISTORY)) {
        this.items.delete(x.id);
        this.versions.delete(x.id);
      }
      this.ordered = undefined;
    }
    return true;
  }

  private payload(id: string): string {
    return `${this.tag} ${id} ${this.brokerName}`;
  }
}
