/**
 * The shared store on PostgreSQL (`store.type: postgres`): broker replicas share approval
 * requests, access grants, live events and the audit record. At start the schema is migrated,
 * this broker's name is claimed (a session advisory lock: two running brokers with one name would
 * interleave one audit chain), the open requests are loaded, and one connection LISTENs for the
 * other brokers' changes. If that connection drops, it is re-established and everything
 * reloaded, since notifications sent meanwhile are lost.
 */
import pg from 'pg';
import type { EventBus } from '../../approvals/event-bus.js';
import type { AccessRequest, ApprovalRequest } from '../../approvals/types.js';
import type { StoreConfig } from '../../config/types.js';
import type { OpenSessionInfo } from '../../http/open-sessions.js';
import { AirlockError } from '../../errors/airlock-error.js';
import type { Logger } from '../../log.js';
import { JournalFileStore, type JournalOptions } from '../../recording/journal-file-store.js';
import type { SharedState } from '../state-table.js';
import { migrate, quoteIdent } from './migrations.js';
import { PgCancelRelay } from './pg-cancels.js';
import { PgEventRelay } from './pg-events.js';
import { PgPageSessions } from './pg-page-sessions.js';
import { PgHeartbeat } from './pg-heartbeat.js';
import { RecordShipper, SharedRecordStore } from './pg-records.js';
import { PgTable } from './pg-table.js';

export interface PostgresStore {
  readonly state: SharedState;
  /** Starts saying which sessions are open here; `openElsewhere` then knows the other brokers'. */
  startHeartbeat(open: () => readonly OpenSessionInfo[]): Promise<void>;
  /** Sessions open now on the other running brokers. */
  openElsewhere(): Promise<readonly OpenSessionInfo[]>;
  /** Names of the running brokers (heard of within the last few beats), this one included. */
  liveBrokers(): Promise<ReadonlySet<string>>;
  /** CancelRequests for sessions on other replicas: announced here, heard from there. */
  readonly cancels: PgCancelRelay;
  /** The approval pages' sign-ins, valid on every replica. */
  readonly pageSessions: PgPageSessions;
  /** The audit record: this broker's journal file, copied to the shared table. */
  openRecords(journal: JournalOptions): Promise<SharedRecordStore>;
  close(): Promise<void>;
}

export async function openPostgresStore(cfg: StoreConfig, bus: EventBus, log: Logger): Promise<PostgresStore> {
  if (!cfg.url) throw new AirlockError('BRK_ERR_STORE_UNAVAILABLE', 'store.url is not set');
  const connectionString = cfg.url.reveal();
  const name = cfg.brokerName;
  const s = quoteIdent(cfg.schema);
  const stateChannel = `${cfg.schema}_state`;
  const eventsChannel = `${cfg.schema}_events`;
  const cancelChannel = `${cfg.schema}_cancel`;
  const clientConfig: pg.ClientConfig = { connectionString, application_name: `airlock broker ${name}`.slice(0, 63) };
  const pool = new pg.Pool({ ...clientConfig, max: 6 });
  // An idle pooled connection that dies must not take the broker down; the next query reconnects.
  pool.on('error', (e) => log.warn('a shared-store connection failed', { error: e.message }));

  const tables = {
    approvals: new PgTable<ApprovalRequest>(pool, `${s}.approvals`, stateChannel, 'approvals', name, ['pending']),
    access: new PgTable<AccessRequest>(pool, `${s}.access_requests`, stateChannel, 'access', name, ['pending', 'active']),
  };
  const relay = new PgEventRelay(pool, `${s}.events`, eventsChannel, name, bus, log);
  const cancels = new PgCancelRelay(pool, cancelChannel, name, log);
  const pageSessions = new PgPageSessions(pool, s, { channel: stateChannel, brokerName: name });
  const heartbeat = new PgHeartbeat(pool, `${s}.brokers`, name, log);
  let listener: pg.Client | undefined;
  let closing = false;

  const onNotification = (n: pg.Notification): void => {
    const payload = n.payload ?? '';
    if (n.channel === eventsChannel) return relay.received(payload);
    if (n.channel === cancelChannel) return cancels.received(payload);
    const [tag, id, origin] = payload.split(' ');
    if (!id || origin === name) return;
    if (tag === 'page') return pageSessions.endedElsewhere(id);
    const table = tag === 'approvals' ? tables.approvals : tag === 'access' ? tables.access : undefined;
    table?.changed(id).catch((e: unknown) => log.warn('reading a change from the shared store failed', { error: (e as Error).message }));
  };

  /** Connects the LISTEN connection, claims the name, and (re)loads the tables. */
  const connectListener = async (): Promise<void> => {
    const c = new pg.Client(clientConfig);
    c.on('error', (e) => log.warn('the shared store\'s notification connection failed', { error: e.message }));
    await c.connect();
    try {
      const { rows } = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [`airlock-broker:${cfg.schema}:${name}`]);
      if (!rows[0]?.ok) throw new AirlockError('BRK_ERR_STORE_NAME_IN_USE', `"${name}"`);
      c.on('notification', onNotification);
      await c.query(`LISTEN ${quoteIdent(stateChannel)}`);
      await c.query(`LISTEN ${quoteIdent(eventsChannel)}`);
      await c.query(`LISTEN ${quoteIdent(cancelChannel)}`);
      await tables.approvals.load();
      await tables.access.load();
    } catch (e) {
      await c.end().catch(() => {});
      throw e;
    }
    c.once('end', () => {
      if (closing) return;
      log.warn('the shared store\'s notification connection closed; reconnecting');
      void reconnect();
    });
    listener = c;
  };

  const reconnect = async (): Promise<void> => {
    for (let attempt = 1; !closing; attempt++) {
      await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** attempt, 10_000)));
      try {
        await connectListener();
        log.info('reconnected to the shared store');
        return;
      } catch (e) {
        log.warn('reconnecting to the shared store failed', { attempt, error: (e as Error).message });
      }
    }
  };

  try {
    const c = await pool.connect();
    try {
      const applied = await migrate(c, cfg.schema);
      if (applied.length) log.info('shared store schema migrated', { schema: cfg.schema, versions: applied });
    } finally {
      c.release();
    }
    await connectListener();
  } catch (e) {
    await pool.end().catch(() => {});
    if (e instanceof AirlockError) throw e;
    throw new AirlockError('BRK_ERR_STORE_UNAVAILABLE', (e as Error).message, { cause: e });
  }
  relay.start();

  const shippers: RecordShipper[] = [];
  return {
    state: { approvals: tables.approvals, access: tables.access, close: async () => {} },
    startHeartbeat: (open) => heartbeat.start(open),
    openElsewhere: () => heartbeat.openElsewhere(),
    liveBrokers: () => heartbeat.liveBrokers(),
    cancels,
    pageSessions,
    async openRecords(opts) {
      const shipper = new RecordShipper(pool, `${s}.records`, name, log);
      shippers.push(shipper);
      const journal = new JournalFileStore({ ...opts, onWritten: (t) => shipper.written(t) });
      const copied = await shipper.catchUp(journal.path);
      if (copied > 0) log.info('audit records from an earlier run copied to the shared store', { records: copied });
      return new SharedRecordStore(journal, shipper, pool, `${s}.records`, `${s}.session_summaries`);
    },
    async close() {
      closing = true;
      await heartbeat.stop();
      await relay.close();
      for (const sh of shippers) await sh.close();
      await listener?.end().catch(() => {});
      await pool.end().catch(() => {});
    },
  };
}
