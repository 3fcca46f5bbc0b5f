/**
 * Recognises a terminal command aimed at a protected database directly, around the broker:
 * libpq-style arguments (`-h host`, `--host=host`, `host=… port=…`), URLs
 * (`postgres://…@host:port/…`) and `PGHOST=`/`PGPORT=` prefixes that name a connection's
 * upstream host (and its port, when one is given).
 */
export interface ProtectedUpstream {
  readonly connection: string;
  readonly host: string;
  readonly port: number;
}

const LOCAL = new Set(['localhost', '127.0.0.1', '::1']);

function hostsAndPorts(command: string): { hosts: string[]; ports: number[] } {
  const hosts: string[] = [];
  const ports: number[] = [];
  const add = (h: string | undefined, p: string | undefined): void => {
    if (h) hosts.push(h.toLowerCase().replace(/^\[|\]$/g, ''));
    if (p && /^\d+$/.test(p)) ports.push(Number(p));
  };
  for (const m of command.matchAll(/(?:^|\s)(?:-h|--host)(?:\s+|=)(['"]?)([^\s'"]+)\1/g)) add(m[2], undefined);
  for (const m of command.matchAll(/(?:^|\s)(?:-p|--port)(?:\s+|=)(['"]?)(\d+)\1/g)) add(undefined, m[2]);
  for (const m of command.matchAll(/\bhost=([^\s'"]+)/g)) add(m[1], undefined);
  for (const m of command.matchAll(/\bport=(\d+)/g)) add(undefined, m[1]);
  for (const m of command.matchAll(/\bPGHOST=(['"]?)([^\s'"]+)\1/g)) add(m[2], undefined);
  for (const m of command.matchAll(/\bPGPORT=(['"]?)(\d+)\1/g)) add(undefined, m[2]);
  for (const m of command.matchAll(/postgres(?:ql)?:\/\/(?:[^@\s/]*@)?(\[[^\]]+\]|[^:/\s?]+)(?::(\d+))?/g)) add(m[1], m[2]);
  return { hosts, ports };
}

/** The protected upstream a command tries to reach directly, if any. */
export function directAccess(command: string, upstreams: readonly ProtectedUpstream[]): ProtectedUpstream | undefined {
  const { hosts, ports } = hostsAndPorts(command);
  for (const u of upstreams) {
    const host = u.host.toLowerCase();
    if (!hosts.includes(host)) continue;
    // A loopback upstream is only "direct" when its port is named too (the forwarder is local).
    if (LOCAL.has(host) && !ports.includes(u.port)) continue;
    if (ports.length && !ports.includes(u.port) && !LOCAL.has(host)) continue;
    return u;
  }
  return undefined;
}
