/**
 * A raw, authenticated PostgreSQL session through the broker for protocol-level tests: send
 * exactly the bytes a client would (pipelined, mid-batch, malformed) and read every message the
 * broker answers with.
 */
import { connect, type Socket } from 'node:net';
import * as fw from '../../broker/protocol/postgres/frontend-writer.js';
import type { TestBroker } from './broker-harness.js';
import { bytes, cstr, frame, int16, int32 } from './pg-bytes.js';

export interface Msg {
  readonly code: string;
  readonly body: Buffer;
}

/** A raw, authenticated session; messages from the broker are decoded into `msgs`. */
export class Raw {
  readonly msgs: Msg[] = [];
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;
  private constructor(readonly s: Socket) {}

  static async open(b: TestBroker, user: string, groups: string[], startup: Record<string, string> = {}): Promise<Raw> {
    const token = await b.token(user, groups);
    const s = connect({ host: '127.0.0.1', port: b.port });
    const r = new Raw(s);
    s.on('data', (d: Buffer) => r.onData(d));
    s.on('close', () => {
      r.closed = true;
      r.wake();
    });
    s.on('error', () => {});
    await new Promise<void>((res, rej) => {
      s.once('connect', () => res());
      s.once('error', rej);
    });
    s.write(fw.startupMessage({ user, database: 'testdb', ...startup }));
    await r.until(() => r.msgs.some((m) => m.code === 'R'), 5000);
    s.write(fw.passwordMessage(token));
    await r.until(() => r.msgs.some((m) => m.code === 'Z') || r.msgs.some((m) => m.code === 'E'), 5000);
    r.msgs.length = 0;
    return r;
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    while (this.buf.length >= 5) {
      const len = this.buf.readInt32BE(1);
      if (this.buf.length < len + 1) break;
      this.msgs.push({ code: String.fromCharCode(this.buf[0]!), body: this.buf.subarray(5, len + 1) });
      this.buf = this.buf.subarray(len + 1);
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  async until(cond: () => boolean, ms = 8000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond()) {
      if (this.closed) return;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout; got ${this.msgs.map((m) => m.code).join('')}`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, left);
        this.waiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
  }

  /** Sends and waits for `n` ReadyForQuery (or the close). Returns the messages of this exchange. */
  async send(payload: Buffer, n = 1, ms = 8000): Promise<Msg[]> {
    const start = this.msgs.length;
    this.s.write(payload);
    await this.until(() => this.msgs.slice(start).filter((m) => m.code === 'Z').length >= n, ms);
    return this.msgs.slice(start);
  }

  end(): void {
    this.s.destroy();
  }
}

export function errors(ms: readonly Msg[]): { code: string; message: string }[] {
  return ms.filter((m) => m.code === 'E').map((m) => {
    const f = new Map<string, string>();
    let i = 0;
    while (i < m.body.length && m.body[i] !== 0) {
      const t = String.fromCharCode(m.body[i]!);
      const end = m.body.indexOf(0, i + 1);
      f.set(t, m.body.subarray(i + 1, end).toString('utf8'));
      i = end + 1;
    }
    return { code: f.get('C') ?? '', message: f.get('M') ?? '' };
  });
}

export const parse = (name: string, sql: string | Buffer): Buffer => frame('P', cstr(name), typeof sql === 'string' ? cstr(sql) : bytes(sql, [0]), int16(0));
export const bind = (portal: string, stmt: string, params: (string | null)[] = []): Buffer =>
  frame('B', cstr(portal), cstr(stmt), int16(0), int16(params.length),
    Buffer.concat(params.map((p) => (p === null ? int32(-1) : bytes(int32(Buffer.byteLength(p)), p)))), int16(0));
export const execute = (portal: string, maxRows = 0): Buffer => frame('E', cstr(portal), int32(maxRows));
export const describe_ = (kind: 'S' | 'P', name: string): Buffer => frame('D', [kind.charCodeAt(0)], cstr(name));
export const close = (kind: 'S' | 'P', name: string): Buffer => frame('C', [kind.charCodeAt(0)], cstr(name));
export const sync = (): Buffer => fw.sync();
export const query = (sql: string): Buffer => fw.query(sql);
