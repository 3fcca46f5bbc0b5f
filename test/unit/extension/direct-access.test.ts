import { describe, expect, it } from 'vitest';
import { directAccess } from '../../../extension/terminal/direct-access.js';

const UP = [
  { connection: 'shop-prod', host: 'db.internal.example.com', port: 5432 },
  { connection: 'local', host: '127.0.0.1', port: 5433 },
];

describe('direct access to a protected upstream', () => {
  it.each([
    'psql -h db.internal.example.com -U app shop',
    'psql --host=db.internal.example.com shop',
    'psql "host=db.internal.example.com port=5432 dbname=shop"',
    'psql postgres://app:secret@db.internal.example.com:5432/shop',
    'PGHOST=db.internal.example.com npm run migrate',
    'pg_dump -h DB.INTERNAL.EXAMPLE.COM shop > dump.sql',
    'psql -h 127.0.0.1 -p 5433 app',
  ])('recognises %s', (cmd) => {
    expect(directAccess(cmd, UP)).toBeDefined();
  });

  it.each([
    'psql',
    'psql -h 127.0.0.1 -p 40213 shop-prod',
    'echo db.internal.example.com',
    'curl https://db.internal.example.com/health',
    'psql -h other.example.com shop',
    'psql -h 127.0.0.1 shop',
  ])('leaves alone %s', (cmd) => {
    expect(directAccess(cmd, UP)).toBeUndefined();
  });
});
