import { describe, expect, it } from 'vitest';
import { connectionString, terminalVariables } from '../../../extension/terminal/terminal-environment.js';

describe('terminal environment', () => {
  it('points libpq and DATABASE_URL at the local forwarder, with no password anywhere', () => {
    const c = { name: 'shop-prod', host: '127.0.0.1', port: 40213, user: 'dave@example.com' };
    const env = terminalVariables(c);
    expect(env).toEqual({
      PGHOST: '127.0.0.1',
      PGPORT: '40213',
      PGDATABASE: 'shop-prod',
      PGUSER: 'dave@example.com',
      PGSSLMODE: 'disable',
      DATABASE_URL: 'postgres://dave%40example.com@127.0.0.1:40213/shop-prod?sslmode=disable',
    });
    expect(JSON.stringify(env)).not.toMatch(/PGPASSWORD|password/i);
    expect(connectionString(c)).toBe('host=127.0.0.1 port=40213 dbname=shop-prod user=dave@example.com sslmode=disable');
  });
});
