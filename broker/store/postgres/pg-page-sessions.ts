/**
 * The approval pages' sessions and sign-in flows in the shared store, so replicas behind a load
 * balancer without sticky sessions serve one reviewer: the sign-in started on one replica
 * finishes on whichever gets the callback, and the session cookie works on all of them. Every
 * lookup is a query (pages are read by people, a few a second at most); nothing is cached, so a
 * sign-out on one replica holds on all of them from the next request.
 *
 * Rows are keyed by the SHA-256 of the id, never the id: the cookie value is the credential, and
 * someone who can read the store's tables cannot turn a row back into it. Sign-in flows are
 * created before anyone is authenticated, so like the memory store's they are capped: past
 * MAX_FLOWS the oldest go.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import {
  EndListeners,
  FLOW_TTL_MS,
  newSession,
  randomId,
  type Flash,
  type LoginFlow,
  type PageSession,
  type PageSessions,
} from '../../http/pages/session-store.js';
import type { Principal } from '../../identity/types.js';

const MAX_FLOWS = 10_000;
const MAX_SESSIONS = 100_000;
/** How many sessions served here a replica remembers by key, to close their streams on a sign-out elsewhere. */
const MAX_SERVED = 10_000;

const key = (id: string): string => createHash('sha256').update(id).digest('hex');

export class PgPageSessions implements PageSessions {
  private readonly ends = new EndListeners();
  /** Key → id of the sessions this broker served (in order of last use). */
  private readonly served = new Map<string, string>();

  /**
   * `schema` is already quoted (migrations.ts `quoteIdent`); a sign-out is announced on
   * `channel` as `page <key> <brokerName>`, so the other replicas close that session's event
   * streams at once (`endedElsewhere`).
   */
  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
    private readonly announce?: { readonly channel: string; readonly brokerName: string },
    private readonly limits = { flows: MAX_FLOWS, sessions: MAX_SESSIONS },
  ) {}

  async create(principal: Principal): Promise<PageSession> {
    const session = newSession(principal);
    await this.pool.query(
      `WITH added AS (
         INSERT INTO ${this.schema}.page_sessions (key, principal, csrf, expires_at) VALUES ($1, $2, $3, to_timestamp($4 / 1000.0))
       )
       DELETE FROM ${this.schema}.page_sessions
        WHERE expires_at <= now() OR key IN (SELECT key FROM ${this.schema}.page_sessions ORDER BY expires_at DESC OFFSET $5)`,
      [key(session.id), JSON.stringify(principal), session.csrf, session.expiresAt, this.limits.sessions],
    );
    return session;
  }

  async get(id: string | undefined): Promise<PageSession | undefined> {
    if (id === undefined || id.length > 100) return undefined;
    const k = key(id);
    const { rows } = await this.pool.query<{ principal: Principal; csrf: string; expires_ms: string }>(
      `SELECT principal, csrf, (extract(epoch FROM expires_at) * 1000)::bigint AS expires_ms
         FROM ${this.schema}.page_sessions WHERE key = $1 AND expires_at > now()`,
      [k],
    );
    const r = rows[0];
    if (r === undefined) return undefined;
    this.remember(k, id);
    return { id, principal: r.principal, csrf: r.csrf, expiresAt: Number(r.expires_ms) };
  }

  async end(id: string): Promise<void> {
    const k = key(id);
    const { rowCount } = await this.pool.query(`DELETE FROM ${this.schema}.page_sessions WHERE key = $1`, [k]);
    this.served.delete(k);
    if (!rowCount) return;
    this.ends.told(id);
    if (this.announce) {
      const { channel, brokerName } = this.announce;
      // Best effort: without it the other replicas' streams close at their next heartbeat.
      await this.pool.query('SELECT pg_notify($1, $2)', [channel, `page ${k} ${brokerName}`]).catch(() => {});
    }
  }

  /** Another replica signed this session out: its event streams here close now. */
  endedElsewhere(k: string): void {
    const id = this.served.get(k);
    if (id === undefined) return;
    this.served.delete(k);
    this.ends.told(id);
  }

  private remember(k: string, id: string): void {
    this.served.delete(k);
    this.served.set(k, id);
    if (this.served.size > MAX_SERVED) this.served.delete(this.served.keys().next().value!);
  }

  async setFlash(id: string, flash: Flash): Promise<void> {
    await this.pool.query(`UPDATE ${this.schema}.page_sessions SET flash = $2 WHERE key = $1`, [key(id), JSON.stringify(flash)]);
  }

  async takeFlash(session: PageSession): Promise<Flash | undefined> {
    // The old value, cleared in the same statement: shown on exactly one page, whichever replica serves it.
    const { rows } = await this.pool.query<{ flash: Flash | null }>(
      `UPDATE ${this.schema}.page_sessions p SET flash = NULL FROM (SELECT key, flash FROM ${this.schema}.page_sessions WHERE key = $1 FOR UPDATE) old
        WHERE p.key = old.key RETURNING old.flash`,
      [key(session.id)],
    );
    return rows[0]?.flash ?? undefined;
  }

  async startFlow(flow: Omit<LoginFlow, 'expiresAt'>): Promise<{ id: string; flow: LoginFlow }> {
    const id = randomId();
    const entry: LoginFlow = { ...flow, expiresAt: Date.now() + FLOW_TTL_MS };
    await this.pool.query(
      `WITH added AS (
         INSERT INTO ${this.schema}.page_flows (key, flow, expires_at) VALUES ($1, $2, to_timestamp($3 / 1000.0))
       )
       DELETE FROM ${this.schema}.page_flows
        WHERE expires_at <= now() OR key IN (SELECT key FROM ${this.schema}.page_flows ORDER BY expires_at DESC OFFSET $4)`,
      [key(id), JSON.stringify(entry), entry.expiresAt, this.limits.flows],
    );
    return { id, flow: entry };
  }

  async takeFlow(id: string | undefined): Promise<LoginFlow | undefined> {
    if (id === undefined || id.length > 100) return undefined;
    // Deleted as it is read: a callback can be used once, even if two replicas get it at once.
    const { rows } = await this.pool.query<{ flow: LoginFlow }>(
      `DELETE FROM ${this.schema}.page_flows WHERE key = $1 AND expires_at > now() RETURNING flow`,
      [key(id)],
    );
    return rows[0]?.flow;
  }

  onEnd(listener: (sessionId: string) => void): () => void {
    return this.ends.add(listener);
  }
}
