/**
 * The shared store's schema, versioned. Brokers starting at the same moment take a transaction
 * advisory lock, so each step runs exactly once; a step is applied with its version in one
 * transaction. Add steps at the end, never edit one that shipped.
 */
import type pg from 'pg';

type Step = (s: string) => string;

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
