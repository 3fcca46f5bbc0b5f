/**
 * Follows forwarded statements through the database's answers so each recorded statement gets
 * its outcome: rows from CommandComplete, the first error, the time until it finished, and the
 * first rows of its result as the client received them (result-sample.ts).
 *
 * Answers come back in the order requests went out. Work is grouped in "sync units": each
 * simple Query, Sync or FunctionCall yields exactly one ReadyForQuery.
 * @see https://www.postgresql.org/docs/current/protocol-flow.html
 */
import { rowsFromCommandTag, type TextDecoding } from '../protocol/postgres/index.js';
import { ColumnNames, sampleColumns, sampleRow, type ResultSample } from '../recording/result-sample.js';
import type { SessionRecorder } from '../recording/session-recorder.js';

interface Pending {
  readonly statementId: number;
  readonly startedAt: number;
  readonly unit: number;
  /** A simple Query may hold several statements: it ends at ReadyForQuery, an Execute at its completion. */
  readonly simple: boolean;
  rows: number | null;
  error: { code: string; message: string } | undefined;
  sample: ResultSample | undefined;
}

export class ExecutionTracker {
  private readonly queue: Pending[] = [];
  private readonly columnNames = new ColumnNames();

  /** Whether results are sampled at all (`recording.resultRows` > 0): the relay skips the calls otherwise. */
  readonly sampling: boolean;

  constructor(
    private readonly recorder: SessionRecorder,
    private readonly decoding: () => TextDecoding,
  ) {
    this.sampling = recorder.resultLimits.rows > 0;
  }

  started(statementId: number, unit: number, simple: boolean): void {
    this.queue.push({ statementId, startedAt: performance.now(), unit, simple, rows: null, error: undefined, sample: undefined });
  }

  get idle(): boolean {
    return this.queue.length === 0;
  }

  /** The statement the database is answering now, if any. */
  get current(): number | undefined {
    return this.queue[0]?.statementId;
  }

  /** A RowDescription as sent to the client. */
  columns(frame: Buffer): void {
    const head = this.queue[0];
    if (head) sampleColumns((head.sample ??= { rows: [] }), frame, this.decoding(), this.columnNames);
  }

  /** A DataRow as sent to the client; `undefined` for a row streamed through in pieces. */
  row(frame: Buffer | undefined): void {
    const head = this.queue[0];
    if (!head) return;
    const sample = (head.sample ??= { rows: [] });
    if (frame) sampleRow(sample, frame, this.recorder.resultLimits, this.decoding());
    else sample.truncated = true;
  }

  /** CommandComplete (tag), EmptyQueryResponse or PortalSuspended (tag null). */
  completed(tag: string | null): void {
    const head = this.queue[0];
    if (!head) return;
    const rows = tag === null ? null : rowsFromCommandTag(tag);
    if (rows !== null) head.rows = (head.rows ?? 0) + rows;
    if (!head.simple) this.finish();
  }

  failed(code: string, message: string): void {
    const head = this.queue[0];
    if (!head) return;
    head.error ??= { code, message };
    if (!head.simple) this.finish();
  }

  /** ReadyForQuery for `unit`: everything of that unit is over (skipped Executes included). */
  settle(unit: number): void {
    while (this.queue.length && this.queue[0]!.unit <= unit) this.finish();
  }

  private finish(): void {
    const p = this.queue.shift()!;
    this.recorder.finished(p.statementId, p.startedAt, p.rows, p.error, p.sample);
  }
}
