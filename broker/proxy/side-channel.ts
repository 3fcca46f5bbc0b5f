/**
 * The broker's own conversation with the database inside a client's session (the impact dry
 * run). While it runs, the client's messages wait (the session holds them) and the relay hands
 * the database's answers here instead of to the client — except asynchronous notifications,
 * which belong to the client whenever they come.
 *
 * Units are pipelined: all are sent at once and each ends with its own ReadyForQuery.
 * @see https://www.postgresql.org/docs/current/protocol-flow.html
 */
import {
  BackendCode,
  readCommandCompleteTag,
  readDataRowText,
  readErrorFields,
  type TextDecoding,
} from '../protocol/postgres/index.js';
import type { CommandResult, UnitResult } from '../approvals/impact/dry-run-plan.js';

export class SideChannel {
  private readonly done: UnitResult[] = [];
  private results: CommandResult[] = [];
  private current: CommandResult = { rows: [] };
  private resolve: ((r: UnitResult[]) => void) | undefined;
  private reject: ((e: Error) => void) | undefined;

  constructor(
    private readonly expectedUnits: number,
    private readonly decoding: TextDecoding,
  ) {}

  readonly finished = new Promise<UnitResult[]>((resolve, reject) => {
    this.resolve = resolve;
    this.reject = reject;
  });

  /** The session ended or the database misbehaved: stop waiting. */
  abort(reason: string): void {
    this.reject?.(new Error(reason));
  }

  /** A database message of the side conversation (never passed to the client). */
  message(code: number, frame: Buffer): void {
    switch (code) {
      case BackendCode.DataRow:
        this.current.rows.push(readDataRowText(frame, this.decoding));
        return;
      case BackendCode.CommandComplete:
        this.current.tag = readCommandCompleteTag(frame);
        this.endResult();
        return;
      case BackendCode.EmptyQueryResponse:
        this.endResult();
        return;
      case BackendCode.ErrorResponse: {
        const f = readErrorFields(frame, this.decoding);
        this.current.error = { code: f.get('C') ?? '', message: f.get('M') ?? '' };
        this.endResult();
        return;
      }
      case BackendCode.ReadyForQuery: {
        const s = frame[5];
        this.done.push({ results: this.results, status: s === 0x54 ? 'T' : s === 0x45 ? 'E' : 'I' });
        this.results = [];
        if (this.done.length === this.expectedUnits) this.resolve?.(this.done);
        return;
      }
      default:
        // ParseComplete, BindComplete, CloseComplete, RowDescription, NoData, notices from
        // the dry run: nothing the client asked for.
        return;
    }
  }

  private endResult(): void {
    this.results.push(this.current);
    this.current = { rows: [] };
  }
}
