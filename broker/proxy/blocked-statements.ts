/**
 * How a refused statement is answered so that the session's state stays exactly what
 * PostgreSQL itself would have after an error.
 *
 * The broker does not fake the protocol state: in place of the refused message it sends the
 * database a statement that fails at parse analysis — `SELECT <marker>` names a column that
 * cannot exist — and swaps the database's ErrorResponse for its own. So an open transaction
 * ends up aborted, the extended protocol skips to the next Sync, and ReadyForQuery carries the
 * real transaction status, all done by PostgreSQL.
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-EXT-QUERY (error → skip until Sync)
 */
import { randomBytes } from 'node:crypto';
import { backendMessages as bm, frontendWriter as fw, type NoticeFields } from '../protocol/postgres/index.js';

interface Substitution {
  /** The sync unit (counted by ReadyForQuery) the poison belongs to. */
  readonly unit: number;
  readonly marker: Buffer;
  readonly reply: Buffer;
}

export class BlockedStatements {
  private readonly prefix = `__airlock_refused_${randomBytes(6).toString('hex')}_`;
  private readonly prefixBytes = Buffer.from(this.prefix);
  private counter = 0;
  private readonly pending: Substitution[] = [];

  /** A simple-protocol Query that fails in place of the refused one. */
  poisonQuery(unit: number, error: NoticeFields): Buffer {
    return fw.query(`SELECT ${this.register(unit, error)}`);
  }

  /** An extended-protocol Parse that fails in place of the refused one (names no statement). */
  poisonParse(unit: number, error: NoticeFields): Buffer {
    return fw.parse('', `SELECT ${this.register(unit, error)}`);
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** Our ErrorResponse if `frame` is the database's answer to one of our poisons. */
  substitute(frame: Buffer): Buffer | undefined {
    if (frame.indexOf(this.prefixBytes) < 0) return undefined;
    for (let i = 0; i < this.pending.length; i++) {
      const s = this.pending[i]!;
      if (frame.indexOf(s.marker) >= 0) {
        this.pending.splice(i, 1);
        return s.reply;
      }
    }
    return undefined;
  }

  /** A ReadyForQuery for `unit` arrived: poisons of that unit or earlier will not answer any more. */
  settle(unit: number): void {
    while (this.pending.length && this.pending[0]!.unit <= unit) this.pending.shift();
  }

  private register(unit: number, error: NoticeFields): string {
    // The trailing "x" keeps marker 1 from being a prefix of marker 10.
    const name = `${this.prefix}${++this.counter}x`;
    this.pending.push({ unit, marker: Buffer.from(name), reply: bm.errorResponse(error) });
    return name;
  }
}
