/**
 * The refusal path. A refused client message is recorded with the decision that refused it,
 * replaced upstream by a poison the database fails in its place (blocked-statements.ts), and
 * reported to the events stream. In an extended batch the poison is a Parse, and the session
 * then drops messages until the Sync, as the server does after its own error.
 */
import type { Decision } from '../policy/decision.js';
import type { NoticeFields } from '../protocol/postgres/index.js';
import type { SessionRecorder } from '../recording/session-recorder.js';
import type { BlockedStatements } from './blocked-statements.js';
import type { CoalescingWriter } from './coalescing-writer.js';
import type { SyncPosition } from './sync-position.js';

export class StatementRefusal {
  constructor(
    private readonly recorder: SessionRecorder,
    private readonly blocked: BlockedStatements,
    private readonly toUpstream: CoalescingWriter,
    private readonly position: SyncPosition,
    /** Told about every refused statement (after it is recorded), for the events stream. */
    private readonly onRefused: ((sql: string, decision: Decision) => void) | undefined,
  ) {}

  /** Records the refusal, then has the database fail in its place (blocked-statements.ts). */
  refuse(fields: NoticeFields, protocol: 'simple' | 'extended', sql: string, kinds: readonly string[], decision?: Decision): void {
    const d = decision ?? { action: 'block', rule: 'airlock:protocol', explanation: fields.message, hint: fields.hint, statementIndex: 0 };
    this.recorder.statement(protocol, sql, kinds, d);
    this.poison(fields, protocol);
    this.onRefused?.(sql, d);
  }

  private poison(fields: NoticeFields, protocol: 'simple' | 'extended'): void {
    const p = this.position;
    if (protocol === 'simple') {
      p.unitsSent++;
      this.toUpstream.write(this.blocked.poisonQuery(p.unitsSent, fields));
    } else {
      this.toUpstream.write(this.blocked.poisonParse(p.unitsSent + 1, fields));
      p.skipUntilSync = true;
      p.forwardedSinceSync = true;
    }
  }
}
