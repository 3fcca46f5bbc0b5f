/**
 * The audit record in the shared store. The broker's own journal file stays the write-ahead
 * copy: a statement is recorded there (one write(2)) before it is forwarded, which keeps a
 * database round trip off every query's path. Written lines are then copied, byte for byte
 * (hash included), to the `records` table in batches, usually within a few milliseconds; at
 * start the broker first copies whatever an earlier run wrote but did not copy. Reads — the
 * replay pages, the sessions API — come from the table, so every broker sees every broker's
 * sessions.
 */
import { existsSync } from 'node:fs';
import type pg from 'pg';
import type { Logger } from '../../log.js';
import type { JournalFileStore } from '../../recording/journal-file-store.js';
import { journalLines } from '../../recording/journal-lines.js';
import type { AuditRecord, NewRecord, SessionStartRecord } from '../../recording/records.js';
import { summaryOf } from '../../recording/queries.js';
import type { IndexedSession, RecordStore } from '../../recording/record-store.js';

const BATCH = 1000;
const PAGE = 2000;

interface SummaryRow {
  start: SessionStartRecord;
  last_at: string;
  statements: number;
  blocked: number;
  approvals: number;
  errors: number;
  masked: number;
  ended_at: string | null;
  end_reason: string | null;
}

interface Row {
  seq: string;
  at: string;
  sessionId: string;
  type: string;
  line: string;
}

export class RecordShipper {
  private pending: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failures = 0;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly table: string,
    private readonly brokerName: string,
    private readonly log: Logger,
  ) {}

  /** Lines just written to the journal (called synchronously by the journal; cheap). */
  written(text: string): void {
    this.pending.push(text);
    this.schedule(5);
  }

  /** Copies the journal's lines the store does not have yet (after a crash or an outage). */
  async catchUp(journalPath: string): Promise<number> {
    const { rows } = await this.pool.query<{ seq: string | null }>(`SELECT max(seq) AS seq FROM ${this.table} WHERE broker = $1`, [this.brokerName]);
    const have = Number(rows[0]?.seq ?? 0);
    if (!existsSync(journalPath)) return 0;
    let batch: Row[] = [];
    let copied = 0;
    for await (const line of journalLines(journalPath)) {
      const row = rowOf(line);
      if (!row || Number(row.seq) <= have) continue;
      batch.push(row);
      if (batch.length >= BATCH) {
        copied += await this.insert(batch);
        batch = [];
      }
    }
    if (batch.length) copied += await this.insert(batch);
    return copied;
  }

  /** Resolves once every line written so far is in the store (or the store is unreachable). */
  async drain(): Promise<void> {
    for (let i = 0; i < 3 && (this.pending.length > 0 || this.running); i++) {
      if (this.running) await this.running;
      if (this.pending.length > 0) await this.ship();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.drain();
  }

  private schedule(ms: number): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.ship();
    }, ms);
    this.timer.unref();
  }

  private ship(): Promise<void> {
    if (this.running) return this.running;
    this.running = (async () => {
      while (this.pending.length > 0) {
        const texts = this.pending;
        this.pending = [];
        const rows = texts.flatMap((t) => t.split('\n')).map(rowOf).filter((r): r is Row => r !== undefined);
        try {
          for (let i = 0; i < rows.length; i += BATCH) await this.insert(rows.slice(i, i + BATCH));
          this.failures = 0;
        } catch (e) {
          // The journal file has them; keep them queued and retry with backoff.
          this.pending = [...texts, ...this.pending];
          this.failures++;
          if (this.failures === 1 || this.failures % 20 === 0) this.log.warn('copying audit records to the shared store failed; retrying', { error: (e as Error).message, queued: this.pending.length });
          this.schedule(Math.min(100 * 2 ** Math.min(this.failures, 6), 5000));
          break;
        }
      }
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async insert(rows: Row[]): Promise<number> {
    const r = await this.pool.query(
      `INSERT INTO ${this.table} (broker, seq, at, session_id, type, line)
       SELECT $1, * FROM unnest($2::bigint[], $3::timestamptz[], $4::text[], $5::text[], $6::text[])
       ON CONFLICT (broker, seq) DO NOTHING`,
      [this.brokerName, rows.map((r) => r.seq), rows.map((r) => r.at), rows.map((r) => r.sessionId), rows.map((r) => r.type), rows.map((r) => r.line)],
    );
    return r.rowCount ?? 0;
  }
}

/** The columns of a journal line; undefined for a torn or empty line. */
function rowOf(line: string): Row | undefined {
  if (!line) return undefined;
  try {
    const r = JSON.parse(line) as { seq?: unknown; at?: unknown; sessionId?: unknown; type?: unknown };
    if (typeof r.seq !== 'number' || typeof r.at !== 'string' || typeof r.type !== 'string') return undefined;
    return { seq: String(r.seq), at: r.at, sessionId: typeof r.sessionId === 'string' ? r.sessionId : '-', type: r.type, line };
  } catch {
    return undefined;
  }
}

/** Every broker's records, oldest first. */
export async function* readSharedRecords(pool: pg.Pool, table: string): AsyncIterable<AuditRecord & { broker: string }> {
  let after: { at: string; broker: string; seq: string } | undefined;
  for (;;) {
    const { rows } = await pool.query<{ at: Date; broker: string; seq: string; line: string }>(
      after
        ? `SELECT at, broker, seq, line FROM ${table} WHERE (at, broker, seq) > ($1::timestamptz, $2, $3::bigint) ORDER BY at, broker, seq LIMIT ${PAGE}`
        : `SELECT at, broker, seq, line FROM ${table} ORDER BY at, broker, seq LIMIT ${PAGE}`,
      after ? [after.at, after.broker, after.seq] : [],
    );
    for (const r of rows) yield { ...(JSON.parse(r.line) as AuditRecord), broker: r.broker };
    if (rows.length < PAGE) return;
    const last = rows[rows.length - 1]!;
    after = { at: last.at.toISOString(), broker: last.broker, seq: last.seq };
  }
}

/** Lines of one broker's chain in the store, in order (for `audit verify`). */
export async function* sharedChainLines(pool: pg.Pool, table: string, broker: string): AsyncIterable<string> {
  let after = 0;
  for (;;) {
    const { rows } = await pool.query<{ seq: string; line: string }>(`SELECT seq, line FROM ${table} WHERE broker = $1 AND seq > $2 ORDER BY seq LIMIT ${PAGE}`, [broker, after]);
    for (const r of rows) yield r.line;
    if (rows.length < PAGE) return;
    after = Number(rows[rows.length - 1]!.seq);
  }
}

/** Writes go to the journal file first; reads come from the shared table. */
export class SharedRecordStore implements RecordStore {
  constructor(
    private readonly journal: JournalFileStore,
    private readonly shipper: RecordShipper,
    private readonly pool: pg.Pool,
    private readonly table: string,
    /** The summaries table beside `table` (same schema). */
    private readonly summaries: string,
  ) {}

  append(record: NewRecord): number {
    return this.journal.append(record);
  }

  appendJson(json: string): number {
    return this.journal.appendJson(json);
  }

  flush(): void {
    this.journal.flush();
  }

  async *readAll(): AsyncIterable<AuditRecord> {
    await this.caughtUp();
    yield* readSharedRecords(this.pool, this.table);
  }

  /**
   * Every session's summary, kept by the store's trigger as records arrive (migrations.ts step 4),
   * in the order the sessions started: a search reads one row per session, not every record.
   */
  async sessionSummaries(): Promise<Iterable<IndexedSession>> {
    await this.caughtUp();
    const { rows } = await this.pool.query<SummaryRow>(
      `SELECT start, last_at, statements, blocked, approvals, errors, masked, ended_at, end_reason
         FROM ${this.summaries} ORDER BY start_at, broker, start_seq`,
    );
    return rows.map((r) => ({
      summary: {
        ...summaryOf(r.start),
        statements: r.statements,
        blocked: r.blocked,
        approvals: r.approvals,
        errors: r.errors,
        masked: r.masked,
        ...(r.ended_at !== null ? { endedAt: r.ended_at } : {}),
        ...(r.end_reason !== null ? { endReason: r.end_reason } : {}),
      },
      lastAt: r.last_at,
    }));
  }

  /** By the session index: the replay page of one session does not read every record. */
  async *readSession(sessionId: string): AsyncIterable<AuditRecord> {
    await this.caughtUp();
    const { rows } = await this.pool.query<{ broker: string; line: string }>(`SELECT broker, line FROM ${this.table} WHERE session_id = $1 ORDER BY at, broker, seq`, [sessionId]);
    for (const r of rows) yield { ...(JSON.parse(r.line) as AuditRecord), broker: r.broker };
  }

  /** Reads come from the table: first everything written so far goes there. */
  private async caughtUp(): Promise<void> {
    this.journal.flush();
    await this.shipper.drain();
  }

  async close(): Promise<void> {
    await this.journal.close();
    await this.shipper.close();
  }
}
