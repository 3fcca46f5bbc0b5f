import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { startPipe } from '../../../../broker/bench/node-pipe.js';
import { stopAll } from '../../../../broker/bench/processes.js';
import { Unavailable, launchNodePipe } from '../../../../broker/bench/targets.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const servers: Server[] = [];
const sockets = new Set<Socket>();
const portOf = (s: Server) => (s.address() as AddressInfo).port;

async function pipeTo(upstreamPort: number, onUpstreamError?: (e: Error) => void): Promise<number> {
  const s = await startPipe({ listenHost: '127.0.0.1', listenPort: 0, upstreamHost: '127.0.0.1', upstreamPort, ...(onUpstreamError ? { onUpstreamError } : {}) });
  servers.push(s);
  return portOf(s);
}

async function listen(onConnection: (s: Socket) => void): Promise<Server> {
  const s = createServer((socket) => {
    sockets.add(socket);
    onConnection(socket);
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return s;
}

const closed = (s: Socket) => new Promise<boolean>((r) => s.once('close', r));

afterEach(async () => {
  // server.close() waits for open connections: end the upstream sides, the pipe closes the rest.
  for (const s of sockets) s.destroy();
  sockets.clear();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

describe('node-pipe (in process)', () => {
  it('passes PostgreSQL authentication through untouched: the superuser signs in, a wrong password is refused by the server', async () => {
    const db = inject('pg');
    const port = await pipeTo(db.port);
    const ok = new pg.Client({ host: '127.0.0.1', port, user: db.superuser, password: db.password, database: db.database });
    await ok.connect();
    try {
      const res = await ok.query<{ n: number; who: string }>('SELECT 41 + 1 AS n, current_user AS who');
      expect(res.rows).toEqual([{ n: 42, who: db.superuser }]);
    } finally {
      await ok.end();
    }
    const bad = new pg.Client({ host: '127.0.0.1', port, user: db.superuser, password: `${db.password}-wrong`, database: db.database });
    await expect(bad.connect()).rejects.toMatchObject({ code: '28P01' });
  });

  it('forwards every byte both ways, whatever the chunking', async () => {
    const echo = await listen((s) => s.pipe(s));
    const port = await pipeTo(portOf(echo));
    const payload = randomBytes(8 * 1024 * 1024);
    const client = connect({ host: '127.0.0.1', port });
    const received: Buffer[] = [];
    let receivedBytes = 0;
    const done = new Promise<void>((resolveDone) => {
      client.on('data', (c: Buffer) => {
        received.push(c);
        receivedBytes += c.length;
        if (receivedBytes >= payload.length) resolveDone();
      });
    });
    for (let off = 0; off < payload.length; off += 100_003) client.write(payload.subarray(off, off + 100_003));
    await done;
    const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(receivedBytes).toBe(payload.length);
    expect(digest(Buffer.concat(received))).toBe(digest(payload));
    client.destroy();
  });

  it('stops reading the client while the upstream does not keep up, and resumes when it drains', async () => {
    const size = 64 * 1024 * 1024;
    let upstreamSocket: Socket | undefined;
    let upstreamBytes = 0;
    const upstream = await listen((s) => {
      upstreamSocket = s;
      s.pause();
      s.on('data', (c: Buffer) => (upstreamBytes += c.length));
    });
    const port = await pipeTo(portOf(upstream));
    const client = connect({ host: '127.0.0.1', port });
    await new Promise((r) => client.once('connect', r));
    // In pieces: a write counts in writableLength until the whole of it is in the kernel.
    const piece = Buffer.alloc(64 * 1024);
    for (let sent = 0; sent < size; sent += piece.length) client.write(piece);
    // Wait until nothing moves any more: every buffer between the client and the silent upstream is full.
    let last = -1;
    for (let i = 0; i < 40 && client.writableLength !== last; i++) {
      last = client.writableLength;
      await new Promise((r) => setTimeout(r, 100));
    }
    // Without back-pressure the pipe would have taken all 64 MB into its own memory by now;
    // with it, only what the kernel's socket buffers hold has left the client.
    expect(client.writableLength).toBeGreaterThan(size / 4);
    expect(upstreamBytes).toBe(0);

    const all = new Promise<void>((r) => upstreamSocket?.on('data', () => upstreamBytes >= size && r()));
    upstreamSocket?.resume();
    await all;
    expect(upstreamBytes).toBe(size);
    expect(client.writableLength).toBe(0);
    client.destroy();
  });

  it('closes the client when the upstream closes, after delivering what the upstream sent last', async () => {
    const upstream = await listen((s) => s.end('bye'));
    const port = await pipeTo(portOf(upstream));
    const client = connect({ host: '127.0.0.1', port });
    let text = '';
    client.setEncoding('utf8').on('data', (c: string) => (text += c));
    expect(await closed(client)).toBe(false);
    expect(text).toBe('bye');
  });

  it('closes the upstream connection when the client goes away', async () => {
    // Wrapped: a promise resolved with a promise would wait for the inner one.
    let arrive: (upstream: { closed: Promise<boolean> }) => void = () => undefined;
    const arrived = new Promise<{ closed: Promise<boolean> }>((r) => (arrive = r));
    const upstream = await listen((s) => {
      s.on('error', () => undefined);
      arrive({ closed: closed(s) });
    });
    const client = connect({ host: '127.0.0.1', port: await pipeTo(portOf(upstream)) });
    const upstreamSide = await arrived;
    client.destroy();
    await upstreamSide.closed; // hangs (and the test times out) if the pipe keeps the upstream open
    expect(upstream.listening).toBe(true);
  });

  it('closes the client and reports the error when the upstream cannot be reached', async () => {
    const gone = await listen(() => undefined);
    const deadPort = portOf(gone);
    await new Promise((r) => gone.close(r));
    servers.splice(servers.indexOf(gone), 1);
    const errors: Error[] = [];
    const port = await pipeTo(deadPort, (e) => errors.push(e));
    const client = connect({ host: '127.0.0.1', port });
    client.on('error', () => undefined);
    await closed(client);
    expect(errors.map((e) => (e as NodeJS.ErrnoException).code)).toEqual(['ECONNREFUSED']);
  });
});

describe('node-pipe (as the benchmark starts it)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-node-pipe-test-'));
  afterAll(async () => {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is bundled to plain JavaScript, runs in its own process group, and serves PostgreSQL', async () => {
    const db = inject('pg');
    const { svc, port } = await launchNodePipe({ repoRoot, dir, upstreamHost: db.host, upstreamPort: db.port });
    // Plain node on a prebuilt file: nothing of tsx (or any other loader) in the measured process.
    const cmdline = readFileSync(`/proc/${svc.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    expect(cmdline.slice(1)).toEqual([join(dir, 'node-pipe.mjs'), String(port), db.host, String(db.port)]);
    // CPU is charged by process group: the pipe must lead its own.
    const stat = readFileSync(`/proc/${svc.pid}/stat`, 'utf8');
    expect(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2])).toBe(svc.pid);

    const client = new pg.Client({ host: '127.0.0.1', port, user: db.superuser, password: db.password, database: db.database });
    await client.connect();
    try {
      expect((await client.query<{ v: string }>("SELECT 'through the pipe' AS v")).rows[0]?.v).toBe('through the pipe');
    } finally {
      await client.end();
    }
    expect(svc.exited()).toBe(false);
    await svc.stop();
    expect(svc.exited()).toBe(true);
  });

  it('is reported unavailable, with the pipe\'s own words, when it cannot start', async () => {
    const err = await launchNodePipe({ repoRoot, dir, upstreamHost: '127.0.0.1', upstreamPort: 70_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Unavailable);
    expect((err as Error).message).toMatch(/^node-pipe did not come up: node-pipe exited with code 1 before it was ready\nnode-pipe: upstream port: expected a port number, got "70000"$/);
    const missing = await launchNodePipe({ repoRoot: dir, dir, upstreamHost: '127.0.0.1', upstreamPort: 5432 }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(Unavailable);
    expect((missing as Error).message).toBe(`${join('broker', 'bench', 'node-pipe.ts')} does not exist`);
  });
});
