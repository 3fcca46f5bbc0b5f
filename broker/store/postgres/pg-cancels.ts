/**
 * CancelRequests across broker replicas. PostgreSQL's cancel arrives on a new connection
 * carrying only the key pair the client got in BackendKeyData, so behind a load balancer it
 * lands on any replica, usually not the one holding the session. A replica that does not know
 * the key announces it on the store's cancel channel with NOTIFY; every other replica checks it
 * against its own sessions and forwards it to the database if it is theirs (PgBouncer's peering
 * solves the same problem by forwarding to a peer named in the key).
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-CANCELING-REQUESTS
 *
 * Payload: `<process id> <secret key, hex> <origin broker>`. The key is as good as a session's
 * cancel permission and lives as long as the session; the store's database already holds the
 * whole audit record, so it is trusted with it. Cancel requests are unauthenticated by design,
 * so at most MAX_IN_FLIGHT announcements are pending at a time: a flood of made-up keys cannot
 * queue work in front of the store's approvals and records.
 */
import type pg from 'pg';
import type { Logger } from '../../log.js';

const MAX_IN_FLIGHT = 32;
/** A secret key is 4 bytes in protocol 3.0 and at most 256 in 3.2. */
const MAX_KEY_BYTES = 256;
const PAYLOAD = /^(\d{1,10}) ((?:[0-9a-f]{2}){1,256}) ([A-Za-z0-9_.-]{1,100})$/;

export type CancelHandler = (processId: number, secretKey: Buffer) => void;

export class PgCancelRelay {
  private inFlight = 0;
  private dropped = 0;
  private handler: CancelHandler | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly channel: string,
    private readonly brokerName: string,
    private readonly log: Logger,
  ) {}

  /** Called with the key pairs other replicas could not place. */
  onRequest(handler: CancelHandler): void {
    this.handler = handler;
  }

  /** Announces a cancel this broker holds no session for. Fire and forget, like the protocol. */
  announce(processId: number, secretKey: Buffer): void {
    if (secretKey.length === 0 || secretKey.length > MAX_KEY_BYTES) return;
    if (this.inFlight >= MAX_IN_FLIGHT) {
      if (this.dropped++ === 0) this.log.warn('too many cancel requests for unknown sessions; not passing more to the other brokers until some are through');
      return;
    }
    this.inFlight++;
    this.pool
      .query('SELECT pg_notify($1, $2)', [this.channel, `${processId >>> 0} ${secretKey.toString('hex')} ${this.brokerName}`])
      .catch((e: unknown) => this.log.warn('passing a cancel request to the other brokers failed', { error: (e as Error).message }))
      .finally(() => {
        if (--this.inFlight === 0 && this.dropped > 0) {
          this.log.warn('cancel requests for unknown sessions were dropped', { count: this.dropped });
          this.dropped = 0;
        }
      });
  }

  /** A NOTIFY on the cancel channel. Malformed payloads and this broker's own are ignored. */
  received(payload: string): void {
    const m = PAYLOAD.exec(payload);
    if (!m || m[3] === this.brokerName) return;
    const processId = Number(m[1]);
    if (processId > 0xffffffff) return;
    this.handler?.(processId, Buffer.from(m[2]!, 'hex'));
  }
}
