/**
 * The first rows of a result, kept for the record exactly as the client received them (after
 * masking): column names from RowDescription, values from DataRow.
 *
 * Values are decoded in the session's client encoding. A value that is not text in it (a binary
 * format column, bytes that do not decode) is kept as `\x` + hex, as psql shows bytea. Long
 * values are cut at `maxChars` and end with `…`. Rows too large to be buffered (streamed through
 * the broker in pieces) are not kept; the sample says it is incomplete.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html (DataRow, RowDescription)
 */
import { BackendCode, type TextDecoding } from '../protocol/postgres/index.js';
import { readRowDescription } from '../protocol/postgres/row-description.js';

export interface ResultSample {
  /** Column names; absent when the result had no RowDescription of its own (a prepared statement's Execute). */
  columns?: string[];
  rows: (string | null)[][];
  /** More rows came than were kept, or a row could not be kept. */
  truncated?: boolean;
}

export interface SampleLimits {
  readonly rows: number;
  readonly chars: number;
}

export function sampleColumns(sample: ResultSample, frame: Buffer, decoding: TextDecoding, names?: ColumnNames): void {
  // A second result of the same statement (a multi-statement simple query) is not sampled.
  if (sample.columns !== undefined || sample.rows.length > 0) {
    sample.truncated = true;
    return;
  }
  sample.columns = names ? names.of(frame, decoding) : readRowDescription(frame, decoding).map((f) => f.name);
}

/**
 * A session's last RowDescription and its column names: a session mostly repeats the same few
 * statements, so the same bytes come back and are decoded once. The names array is shared
 * between samples; nothing changes a sample after it is recorded.
 */
export class ColumnNames {
  private frame: Buffer | undefined;
  private decoding: TextDecoding | undefined;
  private names: string[] = [];

  of(frame: Buffer, decoding: TextDecoding): string[] {
    if (decoding === this.decoding && this.frame !== undefined && this.frame.equals(frame)) return this.names;
    this.names = readRowDescription(frame, decoding).map((f) => f.name);
    // A copy: the frame is a view into a chunk the session does not keep.
    this.frame = Buffer.from(frame);
    this.decoding = decoding;
    return this.names;
  }
}

/** Adds a DataRow (`Byte1 'D', Int32 len, Int16 n, n × (Int32 len, bytes)`) if there is room. */
export function sampleRow(sample: ResultSample, frame: Buffer, limits: SampleLimits, decoding: TextDecoding): void {
  if (sample.rows.length >= limits.rows) {
    sample.truncated = true;
    return;
  }
  if (frame.length < 7 || frame[0] !== BackendCode.DataRow) return;
  const n = frame.readInt16BE(5);
  const row: (string | null)[] = [];
  let pos = 7;
  for (let i = 0; i < n; i++) {
    if (pos + 4 > frame.length) return; // malformed: the relay's own checks report it
    const len = frame.readInt32BE(pos);
    pos += 4;
    if (len < 0) {
      row.push(null);
      continue;
    }
    if (pos + len > frame.length) return;
    row.push(valueText(frame, pos, pos + len, limits.chars, decoding));
    pos += len;
  }
  sample.rows.push(row);
}

function valueText(buf: Buffer, start: number, end: number, maxChars: number, decoding: TextDecoding): string {
  // Decoding more than needed is wasted work: at most 4 bytes a character.
  const cut = Math.min(end, start + maxChars * 4);
  let text = buf.toString(decoding === 'single-byte' ? 'latin1' : 'utf8', start, cut);
  // U+FFFD from invalid bytes, or control characters other than tab and newlines: not text.
  // (A valid value cut inside a character is fine: the replacement char at the end is dropped below.)
  const body = cut < end && text.endsWith('\uFFFD') ? text.slice(0, -1) : text;
  // eslint-disable-next-line no-control-regex
  if (/[\uFFFD\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(body)) {
    const hexBytes = Math.min(end - start, maxChars >> 1);
    return `\\x${buf.toString('hex', start, start + hexBytes)}${hexBytes < end - start ? '…' : ''}`;
  }
  text = body;
  return text.length > maxChars || cut < end ? `${text.slice(0, maxChars)}…` : text;
}
