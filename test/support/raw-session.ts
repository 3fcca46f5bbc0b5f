/**
 * A hand-driven PostgreSQL session for byte-level tests: start-up, the token as the password,
 * then `payload` once the session is ready; resolves with everything the broker answered after
 * that, when it closes the connection (end the payload with Terminate).
 */
import { connect } from 'node:net';
import * as fw from '../../broker/protocol/postgres/frontend-writer.js';

const AUTH_CLEARTEXT = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]);
const READY = Buffer.from([0x5a, 0, 0, 0, 5]);

export function rawSession(port: number, user: string, token: string, payload: Buffer, database = 'testdb'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let state: 'startup' | 'auth' | 'sent' = 'startup';
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      const all = Buffer.concat(chunks);
      if (state === 'startup' && all.includes(AUTH_CLEARTEXT)) {
        chunks.length = 0;
        state = 'auth';
        s.write(fw.passwordMessage(token));
      } else if (state === 'auth' && all.includes(READY)) {
        chunks.length = 0;
        state = 'sent';
        s.write(payload);
      }
    });
    s.on('close', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
    s.setTimeout(10_000, () => {
      s.destroy();
      reject(new Error('the broker did not close the connection'));
    });
    s.write(fw.startupMessage({ user, database }));
  });
}
