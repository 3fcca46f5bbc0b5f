/**
 * The shared store's schema, versioned. Brokers starting at the same moment take a transaction
 * advisory lock, so each step runs exactly once; a step is applied with its version in one
 * transaction. Add steps at the end, never edit one that shipped.
 */
import type pg from 'pg';

type Step = (s: string) => string;

/**
 * Adds the records in `rows` (the trigger's batch, or the whole table once) to the session
 * summaries: sessions they start get a row, and the others' counters, last time and end are
 * brought up to date — the counting of queries.ts `count`. One text for the trigger and the
 * step's backfill, so both summarise alike.
 */
function summariseFrom(s: string, rows: string): string {
  return `
      INSERT INTO ${s}.session_summaries (session_id, broker, start_at, start_seq, start, last_at)
      SELECT session_id, broker, at, seq, line::jsonb, line::jsonb->>'at' FROM ${rows}
       WHERE type = 'session.start' AND session_id <> '-'
      ON CONFLICT (session_id) DO NOTHING;
      UPDATE ${s}.session_summaries t SET
        last_at = greatest(t.last_at, a.last_at),
        statements = t.statements + a.statements,
        blocked = t.blocked + a.blocked,
        approvals = t.approvals + a.approvals,
        errors = t.errors + a.errors,
        masked = t.masked + a.masked,
        ended_at = coalesce(a.ended_at, t.ended_at),
        end_reason = CASE WHEN a.ended_at IS NOT NULL THEN a.end_reason ELSE t.end_reason END
      FROM (
        SELECT session_id,
               max(doc->>'at') AS last_at,
               count(*) FILTER (WHERE type = 'statement') AS statements,
               count(*) FILTER (WHERE type = 'statement' AND doc->>'action' = 'block') AS blocked,
               count(*) FILTER (WHERE type = 'approval.requested') AS approvals,
               count(*) FILTER (WHERE type = 'statement.end' AND coalesce(doc->'error', 'null'::jsonb) <> 'null'::jsonb) AS errors,
               count(*) FILTER (WHERE type = 'result.masked') AS masked,
               (array_agg(doc->>'at' ORDER BY at DESC, seq DESC) FILTER (WHERE type = 'session.end'))[1] AS ended_at,
               (array_agg(doc->>'reason' ORDER BY at DESC, seq DESC) FILTER (WHERE type = 'session.end'))[1] AS end_reason
          FROM (SELECT session_id, type, at, seq, line::jsonb AS doc FROM ${rows} WHERE type <> 'session.start' AND session_id <> '-') r
         GROUP BY session_id
      ) a
      WHERE t.session_id = a.session_id;`;
}

const STEPS: readonly Step[] = [
  // 1: approvals, access requests, the event fan-out, the audit record.
  (s) => `
    CREATE TABLE ${s}.approvals (
      id text PRIMARY KEY,
      state text NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      version bigint NOT NULL DEFAULT 1,
      doc jsonb NOT NULL
    );
    CREATE INDEX approvals_open ON ${s}.approvals (state) WHERE state = 'pending';
    CREATE TABLE ${s}.access_requests (
      id text PRIMARY KEY,
      state text NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      version bigint NOT NULL DEFAULT 1,
      doc jsonb NOT NULL
    );
    CREATE TABLE ${s}.events (
      id bigserial PRIMARY KEY,
      origin text NOT NULL,
      at timestamptz NOT NULL DEFAULT now(),
      doc jsonb NOT NULL
    );
    CREATE INDEX events_at ON ${s}.events (at);
    -- Each broker's journal lines, byte for byte (the hash chain covers the bytes).
    CREATE TABLE ${s}.records (
      broker text NOT NULL,
      seq bigint NOT NULL,
      at timestamptz NOT NULL,
      session_id text NOT NULL,
      type text NOT NULL,
      line text NOT NULL,
      PRIMARY KEY (broker, seq)
    );
    CREATE INDEX records_at ON ${s}.records (at, broker, seq);
    CREATE INDEX records_session ON ${s}.records (session_id);
  `,
  // 2: running brokers and the sessions open on them (a heartbeat), for "open now" across replicas.
  (s) => `
    CREATE TABLE ${s}.brokers (
      name text PRIMARY KEY,
      started_at timestamptz NOT NULL DEFAULT now(),
      last_seen timestamptz NOT NULL DEFAULT now(),
      open_sessions jsonb NOT NULL DEFAULT '[]'
    );
  `,
  // 3: the approval pages' sign-ins, so any replica serves a reviewer (pg-page-sessions.ts).
  (s) => `
    CREATE TABLE ${s}.page_sessions (
      key text PRIMARY KEY,
      principal jsonb NOT NULL,
      csrf text NOT NULL,
      expires_at timestamptz NOT NULL,
      flash jsonb
    );
    CREATE INDEX page_sessions_expiry ON ${s}.page_sessions (expires_at);
    CREATE TABLE ${s}.page_flows (
      key text PRIMARY KEY,
      flow jsonb NOT NULL,
      expires_at timestamptz NOT NULL
    );
    CREATE INDEX page_flows_expiry ON ${s}.page_flows (expires_at);
  `,
  // 4: each session's summary, kept by a trigger as its records arrive, so a search of the
  // replay pages reads one row per session instead of every record (queries.ts). The times are
  // the lines' own ISO strings, as the journal's readers return them.
  (s) => `
    CREATE TABLE ${s}.session_summaries (
      session_id text PRIMARY KEY,
      broker text NOT NULL,
      start_at timestamptz NOT NULL,
      start_seq bigint NOT NULL,
      start jsonb NOT NULL,
      last_at text NOT NULL,
      statements int NOT NULL DEFAULT 0,
      blocked int NOT NULL DEFAULT 0,
      approvals int NOT NULL DEFAULT 0,
      errors int NOT NULL DEFAULT 0,
      masked int NOT NULL DEFAULT 0,
      ended_at text,
      end_reason text
    );
    CREATE INDEX session_summaries_start ON ${s}.session_summaries (start_at, broker, start_seq);
    -- Statement-level, over the rows a batch really inserted (the shipper's ON CONFLICT DO
    -- NOTHING leaves repeats out): one pass per batch, not one UPDATE per record. Measured on
    -- batches of 1000: +8 to +16 µs per record copied; a row-level trigger cost +80 to +95.
    CREATE FUNCTION ${s}.summarise_records() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
${summariseFrom(s, 'new_rows')}
      RETURN NULL;
    END
    $fn$;
    CREATE TRIGGER records_summarise AFTER INSERT ON ${s}.records REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION ${s}.summarise_records();
    -- Sessions recorded before this step: the same two statements over every record.
${summariseFrom(s, `${s}.records`)}
  `,
];

export const SCHEMA_VERSION = STEPS.length;

/** Brings `schema` up to date; returns the versions applied. */
export async function migrate(client: pg.ClientBase, schema: string): Promise<number[]> {
  const s = quoteIdent(schema);
  const applied: number[] = [];
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`airlock-migrate:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${s}.migrations`);
    const current = rows[0]?.v ?? 0;
    if (current > STEPS.length) {
      throw new Error(`the store's schema "${schema}" is at version ${current}, newer than this broker knows (${STEPS.length}): upgrade the broker`);
    }
    for (let v = current + 1; v <= STEPS.length; v++) {
      await client.query(STEPS[v - 1]!(s));
      await client.query(`INSERT INTO ${s}.migrations (version) VALUES ($1)`, [v]);
      applied.push(v);
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  }
  return applied;
}

/** A schema name is validated by the config (lower-case identifier); quoted all the same. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
