/**
 * The `node-pipe` target of `npm run bench`: a bare Node.js TCP pipe, no protocol parsing at all.
 *
 * Every byte pgbench sends goes to PostgreSQL and back through one client socket and one
 * upstream socket with `'data'` handlers and `write()`, so what this process costs per
 * transaction is the floor any Node.js proxy stands on: the kernel's socket work plus Node's
 * stream machinery. The broker's figures minus these are the broker's own work.
 *
 * It runs as its own process (`node node-pipe.mjs <listen port> <upstream host> <upstream port>`,
 * the bundle targets.ts builds) so the benchmark measures its CPU by process group exactly like
 * PgBouncer's and the broker's, and waits for the `node-pipe ready` line on stdout. Nothing is
 * logged per connection: that would be work a proxy does not have to do.
 */
import { realpathSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

export const READY_PREFIX = 'node-pipe ready';

/**
 * Forwards `from`'s bytes to `to`. When `to`'s buffer is full, stop reading `from` until it
 * drains: without that, a fast sender and a slow receiver grow the pipe's memory unbounded.
 */
function forward(from: Socket, to: Socket): void {
  let waiting = false;
  const resume = () => {
    waiting = false;
    from.resume();
  };
  from.on('data', (chunk: Buffer) => {
    if (!to.write(chunk) && !waiting) {
      waiting = true;
      from.pause();
      to.once('drain', resume);
    }
  });
  // A clean close lets what is still queued for the other side reach it (a client's Terminate,
  // the server's last message) before that side closes too; an error drops it on the spot.
  from.on('close', (hadError) => {
    if (hadError) to.destroy();
    else to.destroySoon();
  });
  // Errors (ECONNRESET when pgbench stops mid-run) are expected and end in 'close' above; the
  // listener only keeps them from being thrown.
  from.on('error', () => undefined);
}

export interface PipeOptions {
  readonly listenHost: string;
  readonly listenPort: number;
  readonly upstreamHost: string;
  readonly upstreamPort: number;
  /** Where to report an upstream that cannot be reached (default: nowhere). */
  readonly onUpstreamError?: (e: Error) => void;
}

/** Starts listening; resolves with the server once it accepts connections. */
export function startPipe(o: PipeOptions): Promise<Server> {
  const server = createServer({ noDelay: true }, (client) => {
    const upstream = connect({ host: o.upstreamHost, port: o.upstreamPort, noDelay: true });
    // Client bytes that arrive before the upstream connection is up are queued by the socket
    // itself, so forwarding starts at once in both directions.
    forward(client, upstream);
    forward(upstream, client);
    if (o.onUpstreamError) {
      const report = o.onUpstreamError;
      let connected = false;
      upstream.once('connect', () => (connected = true));
      upstream.once('error', (e) => {
        if (!connected) report(e);
      });
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.listenPort, o.listenHost, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function port(raw: string | undefined, what: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${what}: expected a port number, got "${raw ?? ''}"`);
  return n;
}

async function main(argv: readonly string[]): Promise<void> {
  const [listenPort, upstreamHost, upstreamPort] = argv;
  if (!upstreamHost) throw new Error('usage: node-pipe <listen port> <upstream host> <upstream port>');
  const server = await startPipe({
    listenHost: '127.0.0.1',
    listenPort: port(listenPort, 'listen port'),
    upstreamHost,
    upstreamPort: port(upstreamPort, 'upstream port'),
    onUpstreamError: (e) => process.stderr.write(`node-pipe: upstream ${upstreamHost}:${upstreamPort}: ${e.message}\n`),
  });
  const addr = server.address() as AddressInfo;
  process.stdout.write(`${READY_PREFIX} 127.0.0.1:${addr.port} -> ${upstreamHost}:${upstreamPort} (Node.js ${process.version})\n`);
}

function isMain(): boolean {
  try {
    // Node resolves the entry script's symlinks for import.meta.url, so compare real paths.
    return !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

// Imported (by the tests) it only exports startPipe; run as a program it serves until killed.
if (isMain()) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`node-pipe: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
