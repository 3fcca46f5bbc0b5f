/**
 * Direct connections to the test PostgreSQL, past the broker: the superuser for setting up
 * tables and checking what really happened, and a cancel request sent like a client would.
 */
import { connect } from 'node:net';
import { inject } from 'vitest';
import pg from 'pg';
import { frontendWriter as fw } from '../../broker/protocol/postgres/index.js';

/** A connected superuser client on the test database (end it in afterAll). */
export async function adminClient(): Promise<pg.Client> {
  const db = inject('pg');
  const c = new pg.Client({ host: db.host, port: db.port, user: db.superuser, password: db.password, database: db.database });
  await c.connect();
  return c;
}

/** Sends a CancelRequest for `client`'s session to `port` (the broker), with the keys the client got. */
export function sendCancel(port: number, client: pg.Client): Promise<void> {
  const k = client as unknown as { processID: number; secretKey: number };
  const key = Buffer.alloc(4);
  key.writeInt32BE(k.secretKey);
  return new Promise<void>((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => s.end(fw.cancelRequest(k.processID, key)));
    s.on('close', () => resolve());
  });
}
