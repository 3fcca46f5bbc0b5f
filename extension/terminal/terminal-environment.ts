/**
 * The environment new integrated terminals get, derived from the open connection: libpq's
 * variables and DATABASE_URL pointing at the local forwarder, so psql, ORMs, scripts and the
 * agent's own commands go through Airlock. Rebuilt from state on every change (never patched),
 * and never persisted: nothing survives a reload.
 */
export interface ForwardedConnection {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
}

export function terminalVariables(c: ForwardedConnection): Record<string, string> {
  const user = encodeURIComponent(c.user);
  return {
    PGHOST: c.host,
    PGPORT: String(c.port),
    PGDATABASE: c.name,
    PGUSER: c.user,
    PGSSLMODE: 'disable',
    DATABASE_URL: `postgres://${user}@${c.host}:${c.port}/${encodeURIComponent(c.name)}?sslmode=disable`,
  };
}

/** The connection string a user can paste (no password: the forwarder adds the identity). */
export function connectionString(c: ForwardedConnection): string {
  return `host=${c.host} port=${c.port} dbname=${c.name} user=${c.user} sslmode=disable`;
}
