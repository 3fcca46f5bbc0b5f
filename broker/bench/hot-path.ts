/**
 * The broker's own cost per transaction, without sockets: `npm run bench:path`.
 *
 * pgbench's numbers (run.ts) mix the broker's work with the kernel's and with the database
 * and pgbench competing for the same cores, and swing ±30 % between runs on a busy machine.
 * This drives real ProxySessions — the real frame reader, analysis cache, rules, recording
 * (the file journal with its hash chain, one write per turn) and result sampling — with the
 * bytes pgbench's select-only transaction exchanges, through in-memory sockets, and reports
 * the CPU time per transaction. What it leaves out is exactly the socket I/O, so
 * "pgbench's broker µs/tx − this" is what reading and writing the sockets costs.
 *
 * Each turn mirrors the event loop under load: every session gets its query, the release
 * batch writes the journal once (setImmediate), then every session gets its answer.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { AnalysisCache, initAnalyzer } from '../analysis/index.js';
import { parseConfig } from '../config/index.js';
import { silentLogger } from '../log.js';
import { PolicyEngine } from '../policy/policy-engine.js';
import * as bm from '../protocol/postgres/backend-messages.js';
import * as fw from '../protocol/postgres/frontend-writer.js';
import { JournalFileStore } from '../recording/journal-file-store.js';
import { SessionRecorder } from '../recording/session-recorder.js';
import { ProxySession } from '../proxy/proxy-session.js';
import { ReleaseBatch } from '../proxy/release-batch.js';
import { StatementGate } from '../proxy/statement-gate.js';
import { BENCH_CONNECTION, BENCH_GROUP, BENCH_USER, brokerConfigYaml, PASSWORD_ENV } from './broker-config.js';

type Protocol = 'simple' | 'extended' | 'prepared';

/** A socket that accepts everything at once: the broker's side of the I/O, and nothing more. */
class MemorySocket extends EventEmitter {
  written = 0;
  destroyed = false;
  write(buf: Uint8Array): boolean {
    this.written += buf.length;
    return true;
  }
  cork(): void {}
  uncork(): void {}
  pause(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  end(): this {
    return this;
  }
  destroy(): this {
    this.destroyed = true;
    return this;
  }
  destroySoon(): void {}
}

const SELECT = 'SELECT abalance FROM pgbench_accounts WHERE aid = ';

function describePortal(): Buffer {
  // Describe: Byte1 'D', Int32 len, Byte1 'P' (portal), String name (here "").
  return Buffer.from([0x44, 0, 0, 0, 6, 0x50, 0]);
}

function rowDescription(column: string): Buffer {
  // RowDescription: Int16 count, then per field: String name, Int32 table OID, Int16 column,
  // Int32 type OID, Int16 size, Int32 modifier, Int16 format.
  const name = Buffer.from(`${column}\0`);
  const body = Buffer.alloc(2 + name.length + 18);
  body.writeInt16BE(1, 0);
  name.copy(body, 2);
  let o = 2 + name.length;
  o = body.writeInt32BE(16400, o);
  o = body.writeInt16BE(3, o);
  o = body.writeInt32BE(23, o);
  o = body.writeInt16BE(4, o);
  o = body.writeInt32BE(-1, o);
  body.writeInt16BE(0, o);
  return frame(0x54, body);
}

function dataRow(value: string): Buffer {
  const v = Buffer.from(value);
  const body = Buffer.alloc(2 + 4 + v.length);
  body.writeInt16BE(1, 0);
  body.writeInt32BE(v.length, 2);
  v.copy(body, 6);
  return frame(0x44, body);
}

function frame(code: number, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = code;
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

/** What the client sends for transaction `i`, and what the database answers. */
function exchange(protocol: Protocol, i: number): { query: Buffer; answer: Buffer } {
  const aid = String(1 + ((i * 7919) % 1_000_000));
  const rows = [rowDescription('abalance'), dataRow(String(i % 5000)), bm.commandComplete('SELECT 1'), bm.readyForQuery('I')];
  switch (protocol) {
    case 'simple':
      return { query: fw.query(`${SELECT}${aid};`), answer: Buffer.concat(rows) };
    case 'extended':
      return {
        query: Buffer.concat([fw.parse('', `${SELECT}$1;`), fw.bind('', '', [], [Buffer.from(aid)]), describePortal(), fw.execute(''), fw.sync()]),
        answer: Buffer.concat([bm.parseComplete(), bm.bindComplete(), ...rows]),
      };
    case 'prepared':
      return {
        query: Buffer.concat([fw.bind('', 'P0_1', [], [Buffer.from(aid)]), describePortal(), fw.execute(''), fw.sync()]),
        answer: Buffer.concat([bm.bindComplete(), ...rows]),
      };
  }
}

interface Pair {
  readonly client: MemorySocket;
  readonly upstream: MemorySocket;
}

function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function run(protocol: Protocol, sessions: number, transactions: number, directory: string): Promise<{ usPerTx: number; journalBytesPerTx: number }> {
  const config = parseConfig(
    brokerConfigYaml({
      postgresPort: 0, httpPort: 0, devProviderPort: 0, upstreamHost: '127.0.0.1', upstreamPort: 5432,
      upstreamDatabase: 'bench', upstreamUser: 'bench', recordingDirectory: directory,
    }),
    { env: { [PASSWORD_ENV]: 'unused' } },
  );
  const connection = config.connections.get(BENCH_CONNECTION)!;
  await initAnalyzer();
  const store = new JournalFileStore({ directory, fsync: 'write', syncIntervalMs: config.recording.syncIntervalMs });
  const release = new ReleaseBatch(store);
  const cache = new AnalysisCache(config.analysis.cacheSize);
  const engine = new PolicyEngine(config.rules, config.approvals);
  const principal = { subject: BENCH_USER, issuer: 'bench', issuerName: 'bench', groups: [BENCH_GROUP], kind: 'human' as const, expiresAt: 0 };
  const pairs: Pair[] = [];
  for (let s = 0; s < sessions; s++) {
    const client = new MemorySocket();
    const upstream = new MemorySocket();
    const recorder = SessionRecorder.forSession(store, `bench-${s}`, config.recording);
    recorder.start({ connection: BENCH_CONNECTION, subject: BENCH_USER, issuer: 'bench', groups: [BENCH_GROUP], principalKind: 'human', clientAddress: '127.0.0.1', tls: false, via: 'postgres' });
    const session = new ProxySession({
      client: client as unknown as Duplex,
      upstream: upstream as unknown as Socket,
      gate: new StatementGate(cache, engine.forSession({ connection: BENCH_CONNECTION, principal }, connection, false)),
      recorder,
      release,
      maxMessageBytes: config.listen.postgres.maxMessageBytes,
      clientEncoding: 'UTF8',
      log: silentLogger,
      onClose: () => undefined,
    });
    session.start();
    pairs.push({ client, upstream });
  }
  if (protocol === 'prepared') {
    // pgbench -M prepared parses its statement once per connection.
    for (const p of pairs) p.client.emit('data', Buffer.concat([fw.parse('P0_1', `${SELECT}$1;`), fw.sync()]));
    await turn();
    for (const p of pairs) p.upstream.emit('data', Buffer.concat([bm.parseComplete(), bm.readyForQuery('I')]));
  }
  // Pre-built bytes, so the loop measures the broker and not the bench building messages.
  const distinct = 512;
  const exchanges = Array.from({ length: distinct }, (_, i) => exchange(protocol, i));
  const turns = Math.ceil(transactions / sessions);
  let sent = 0;
  let answered = 0;
  const step = async (t: number): Promise<void> => {
    const x = exchanges[t % distinct]!;
    for (const p of pairs) p.client.emit('data', Buffer.from(x.query));
    await turn();
    for (const p of pairs) p.upstream.emit('data', Buffer.from(x.answer));
    sent += x.query.length;
    answered += x.answer.length;
  };
  const forwarded = (): [number, number] => [pairs.reduce((n, p) => n + p.upstream.written, 0), pairs.reduce((n, p) => n + p.client.written, 0)];
  for (let t = 0; t < Math.min(turns, 2000); t++) await step(t); // warm-up: JIT, caches
  const [up0, down0] = forwarded();
  store.flush();
  const journalBefore = statSync(store.path).size;
  sent = answered = 0;
  const before = process.cpuUsage();
  for (let t = 0; t < turns; t++) await step(t);
  const used = process.cpuUsage(before);
  // A refused or held statement would be cheaper than a forwarded one: prove every byte went through.
  const [up1, down1] = forwarded();
  if (up1 - up0 !== sent * sessions || down1 - down0 !== answered * sessions) {
    throw new Error(`not everything was forwarded (${up1 - up0}/${sent * sessions} bytes up, ${down1 - down0}/${answered * sessions} down): a rule refused or held the bench statements`);
  }
  await store.close();
  const measured = turns * sessions;
  return { usPerTx: (used.user + used.system) / measured, journalBytesPerTx: (statSync(store.path).size - journalBefore) / measured };
}

const HELP = `Usage: npm run bench:path -- [--transactions N] [--sessions N] [--protocols LIST]

The broker's CPU per select-only transaction without socket I/O: real sessions, analysis,
rules, journal and result sampling, in-memory sockets. Default: 200000 transactions over
16 sessions, protocols simple,extended,prepared.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      transactions: { type: 'string', default: '200000' },
      sessions: { type: 'string', default: '16' },
      protocols: { type: 'string', default: 'simple,extended,prepared' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const transactions = Number(values.transactions);
  const sessions = Number(values.sessions);
  for (const protocol of values.protocols.split(',') as Protocol[]) {
    const directory = mkdtempSync(join(tmpdir(), 'airlock-path-'));
    try {
      const r = await run(protocol, sessions, transactions, directory);
      console.log(`${protocol.padEnd(9)} ${sessions} sessions  ${r.usPerTx.toFixed(1).padStart(6)} µs CPU per transaction  (journal ${r.journalBytesPerTx.toFixed(0)} bytes per transaction)`);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }
}

await main();
