/**
 * Loads and caches a catalog snapshot per connection, over the broker's own database login
 * (one short-lived connection per load). Masked sessions need it before their first
 * statement; a relation created after the last load is unknown until the next one, and a
 * statement naming it is refused meanwhile (fail closed), so loads are kept fresh: older than
 * `maxAgeMs`, or asked for again after such a refusal, the snapshot is reloaded.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { UpstreamConfig } from '../config/types.js';
import { CATALOG_SQL, CatalogSnapshot, type CatalogRow } from './catalog.js';

interface Entry {
  snapshot?: CatalogSnapshot;
  loading?: Promise<CatalogSnapshot>;
}

export class CatalogLoader {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxAgeMs = 30_000) {}

  /** A snapshot no older than `maxAgeMs` (`fresh`: reload now). Concurrent callers share one load. */
  async get(name: string, upstream: UpstreamConfig, fresh = false): Promise<CatalogSnapshot> {
    const e = this.entries.get(name) ?? {};
    this.entries.set(name, e);
    if (e.snapshot && !fresh && Date.now() - e.snapshot.loadedAt < this.maxAgeMs) return e.snapshot;
    e.loading ??= load(upstream).then(
      (s) => {
        e.snapshot = s;
        e.loading = undefined;
        return s;
      },
      (err: unknown) => {
        e.loading = undefined;
        throw err;
      },
    );
    return e.loading;
  }

  /** The last snapshot, without waiting (undefined before the first load). */
  current(name: string): CatalogSnapshot | undefined {
    return this.entries.get(name)?.snapshot;
  }
}

async function load(u: UpstreamConfig): Promise<CatalogSnapshot> {
  const ssl = u.tls.mode === 'disable'
    ? false
    : { rejectUnauthorized: u.tls.mode === 'verify-full', servername: u.tls.serverName ?? u.host, ...(u.tls.caFile ? { ca: readFileSync(u.tls.caFile) } : {}) };
  const client = new pg.Client({
    host: u.host,
    port: u.port,
    database: u.database,
    user: u.user,
    ...(u.password ? { password: u.password.reveal() } : {}),
    ssl,
    connectionTimeoutMillis: u.connectTimeoutMs,
    application_name: 'airlock:catalog',
  });
  client.on('error', () => {});
  await client.connect();
  try {
    const res = await client.query<{ oid: string; schema: string; name: string; kind: string; columns: string[] | null; attnums: number[] | null; view_definition: string | null; parents: string[] | null }>(CATALOG_SQL);
    const rows: CatalogRow[] = res.rows.map((r) => ({
      oid: Number(r.oid),
      schema: r.schema,
      name: r.name,
      kind: r.kind,
      columns: r.columns ?? [],
      attnums: (r.attnums ?? []).map(Number),
      ...(r.view_definition ? { viewDefinition: r.view_definition } : {}),
      ...(r.parents?.length ? { parents: r.parents } : {}),
    }));
    return new CatalogSnapshot(rows);
  } finally {
    await client.end().catch(() => undefined);
  }
}
