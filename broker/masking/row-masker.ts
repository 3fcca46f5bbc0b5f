/**
 * Rewrites result rows for a masked identity: DataRow messages and COPY text-format lines,
 * column by column according to a plan decided once per RowDescription. Sans-I/O: bytes in,
 * bytes out; the proxy owns the sockets and decides which plan applies.
 *
 * DataRow ('D'): Int16 column count, then per column Int32 length (-1 = NULL) and Byten value.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-DATAROW
 *
 * Rows are rewritten without decoding 'clear' columns: their bytes are copied as they came,
 * and a row in which nothing changes is returned as the very same Buffer.
 */
import { ProtocolError } from '../protocol/postgres/protocol-error.js';
import type { FieldDescription } from '../protocol/postgres/row-description.js';
import { COPY_NULL, copyContentEnd, copyTextCodec, isCopyNull, isEndMarker, splitCopyFields } from './copy-text.js';
import { REDACTED, hashValue, keepLastOf, maskPartial, maskPartialAscii, requireSalt } from './strategies.js';
import { shapeReplacement, stillShaped, textCodecFor, transformShaped, type TextCodec } from './text-types.js';
import type { ColumnMask } from './types.js';

/** What happens to one column of a result. */
export type ColumnAction =
  /** Passed through untouched. */
  | { readonly kind: 'clear' }
  /** A sensitive column: its own strategy. */
  | { readonly kind: 'mask'; readonly mask: ColumnMask }
  /** An expression over a sensitive column: `[masked]` for text types, NULL otherwise. */
  | { readonly kind: 'derived' }
  /** Clear, but text values go through the content detectors. */
  | { readonly kind: 'scan' };

/** The result of a content scanner: the text with detected secrets replaced, and which detectors fired. */
export interface ScanResult {
  readonly text: string;
  readonly detectors: readonly string[];
}

/** How to mask the rows of one result: one action per RowDescription field, in order. */
export interface RowMaskPlan {
  readonly fields: readonly FieldDescription[];
  readonly actions: readonly ColumnAction[];
  /** Key of the `hash` strategy; required when an action uses it. */
  readonly salt?: Buffer;
  /** Content detectors; required when an action is 'scan'. */
  readonly scan?: (text: string) => ScanResult;
}

/** COPY formats a masked identity may use: only text, whose rows this module can rewrite. */
export function copyFormatSupported(format: 'text' | 'csv' | 'binary'): boolean {
  return format === 'text';
}

/** One column's compiled action for one wire representation (DataRow format or COPY text). */
type ColumnOp =
  | { readonly op: 'null' }
  | { readonly op: 'const'; readonly bytes: Buffer }
  | {
      readonly op: 'transform';
      readonly codec: TextCodec;
      readonly fn: (text: string) => string;
      /** The same transform straight over bytes, for values that are plain ASCII (see isPlainAscii). */
      readonly ascii?: (buf: Buffer, start: number, end: number) => Buffer;
    }
  | { readonly op: 'scan'; readonly codec: TextCodec };

/** A column's value after masking: new bytes, NULL, or unchanged. */
type Replacement = Buffer | null | undefined;

const DATA_ROW = 0x44; /* D */

function malformed(what: string): never {
  throw new ProtocolError('malformed', `invalid DataRow message: ${what}`);
}

/** Masks DataRows and COPY text lines per a {@link RowMaskPlan}. One instance per result. */
export class RowMasker {
  /** False when every action is 'clear' (or 'scan' on non-text columns): callers skip rows entirely. */
  readonly active: boolean;
  /** Per column index: values masked (mask/derived) or rewritten by the scanner since construction. */
  readonly counts: readonly number[];
  /** Per detector name: how many values it rewrote. */
  readonly detectorHits: ReadonlyMap<string, number>;

  private readonly width: number;
  /** Indexes of the columns that may change (in either representation), ascending. */
  private readonly touched: readonly number[];
  private readonly rowOps: readonly (ColumnOp | undefined)[];
  private readonly copyOps: readonly (ColumnOp | undefined)[];
  private readonly plan: RowMaskPlan;
  private readonly tally: number[];
  private readonly hits = new Map<string, number>();
  // Scratch space reused by every row: value bounds and replacements per column.
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private readonly repl: Replacement[];

  /** Compiles the plan; throws for a plan whose actions do not match its fields, `hash` without a salt, or 'scan' without a scanner. */
  constructor(plan: RowMaskPlan) {
    if (plan.actions.length !== plan.fields.length) {
      throw new RangeError(`masking plan has ${plan.actions.length} actions for ${plan.fields.length} fields`);
    }
    if (plan.scan === undefined && plan.actions.some((a) => a.kind === 'scan')) {
      throw new RangeError("masking plan has a 'scan' column but no scanner");
    }
    this.plan = plan;
    this.width = plan.fields.length;
    this.rowOps = plan.fields.map((f, i) => compile(plan, plan.actions[i]!, textCodecFor(f.typeOid, f.format)));
    this.copyOps = plan.fields.map((f, i) => compile(plan, plan.actions[i]!, copyCodecFor(f)));
    this.touched = this.rowOps.flatMap((op, i) => (op === undefined && this.copyOps[i] === undefined ? [] : [i]));
    this.active = this.touched.length > 0;
    this.tally = new Array<number>(this.width).fill(0);
    this.counts = this.tally;
    this.detectorHits = this.hits;
    this.starts = new Int32Array(this.width);
    this.ends = new Int32Array(this.width);
    this.repl = new Array<Replacement>(this.width).fill(undefined);
  }

  /**
   * A DataRow with masked values, or the same Buffer when nothing changed. Throws
   * ProtocolError('malformed') for a frame that is not a well-formed DataRow of the planned
   * width (a value running past the end, trailing bytes, another column count).
   */
  maskDataRow(frame: Buffer): Buffer {
    if (!this.active) return frame;
    const end = frame.length;
    if (end < 7 || frame[0] !== DATA_ROW) malformed('expected a DataRow');
    if (frame.readInt32BE(1) !== end - 1) malformed('length does not match its frame');
    const n = frame.readInt16BE(5);
    if (n !== this.width) malformed(`${n} columns where the RowDescription announced ${this.width}`);
    const { starts, ends, repl } = this;
    // Pass 1: bounds only, so a malformed row is refused before anything is counted.
    let pos = 7;
    for (let i = 0; i < n; i++) {
      if (end - pos < 4) malformed('truncated value length');
      const len = frame.readInt32BE(pos);
      if (len < -1) malformed('negative value length');
      starts[i] = pos;
      pos += 4;
      if (len > 0) {
        if (end - pos < len) malformed('value runs past the end of the message');
        pos += len;
      }
      ends[i] = pos;
    }
    if (pos !== end) malformed(`${end - pos} unexpected trailing bytes`);
    // Pass 2: replacements for the non-clear, non-NULL columns.
    let changed = false;
    let size = end;
    for (const i of this.touched) {
      const valueStart = starts[i]! + 4;
      const op = this.rowOps[i];
      const r = op === undefined || frame.readInt32BE(starts[i]!) < 0 ? undefined : this.apply(op, i, frame, valueStart, ends[i]!);
      repl[i] = r;
      if (r !== undefined) {
        changed = true;
        size += (r === null ? 0 : r.length) - (ends[i]! - valueStart);
      }
    }
    if (!changed) return frame;
    // Pass 3: one new Buffer; runs of unchanged columns are copied in one go.
    const out = Buffer.allocUnsafe(size);
    out[0] = DATA_ROW;
    out.writeInt32BE(size - 1, 1);
    let o = 5;
    let from = 5;
    for (const i of this.touched) {
      const r = repl[i];
      if (r === undefined) continue;
      o += frame.copy(out, o, from, starts[i]);
      o = out.writeInt32BE(r === null ? -1 : r.length, o);
      if (r !== null) o += r.copy(out, o);
      from = ends[i]!;
    }
    frame.copy(out, o, from, end);
    return out;
  }

  /**
   * One COPY text-format line (the payload of a CopyData, with or without its final newline)
   * with masked values, or the same Buffer when nothing changed. Throws
   * ProtocolError('malformed') when the line does not have the planned number of fields.
   */
  maskCopyText(line: Buffer): Buffer {
    if (!this.active) return line;
    const end = copyContentEnd(line);
    if (isEndMarker(line, end)) return line;
    const { starts, ends, repl } = this;
    const n = splitCopyFields(line, end, starts, ends);
    if (n !== this.width) throw new ProtocolError('malformed', `COPY row has ${n} fields where ${this.width} were expected`);
    const ops = this.copyOps;
    let changed = false;
    for (const i of this.touched) {
      const op = ops[i];
      const r = op === undefined || isCopyNull(line, starts[i]!, ends[i]!) ? undefined : this.apply(op, i, line, starts[i]!, ends[i]!);
      repl[i] = r;
      if (r !== undefined) changed = true;
    }
    if (!changed) return line;
    const parts: Buffer[] = [];
    let from = 0;
    for (const i of this.touched) {
      const r = repl[i];
      if (r === undefined) continue;
      parts.push(line.subarray(from, starts[i]), r ?? COPY_NULL);
      from = ends[i]!;
    }
    parts.push(line.subarray(from));
    return Buffer.concat(parts);
  }

  /** The replacement of one non-NULL value `buf[start, end)` of column `i`, counting it. */
  private apply(op: ColumnOp, i: number, buf: Buffer, start: number, end: number): Replacement {
    switch (op.op) {
      case 'null':
        this.tally[i]!++;
        return null;
      case 'const':
        this.tally[i]!++;
        return op.bytes;
      case 'transform': {
        this.tally[i]!++;
        if (op.ascii !== undefined && isPlainAscii(buf, start, end)) return op.ascii(buf, start, end);
        const text = op.codec.decode(buf, start, end);
        return text === null ? null : op.codec.encode(op.fn(text));
      }
      case 'scan':
        return this.scanValue(op.codec, i, buf, start, end);
    }
  }

  private scanValue(codec: TextCodec, i: number, buf: Buffer, start: number, end: number): Replacement {
    const text = codec.decode(buf, start, end);
    if (text === null) {
      // A value the detectors cannot read (unknown jsonb version) is not passed on unseen.
      this.tally[i]!++;
      return null;
    }
    const result = this.plan.scan!(text);
    if (result.text === text) return undefined;
    this.tally[i]!++;
    for (const d of result.detectors) this.hits.set(d, (this.hits.get(d) ?? 0) + 1);
    // A rewrite that broke the JSON of a json column would crash clients that parse it.
    const out = stillShaped(codec.shape, result.text) ? result.text : shapeReplacement(codec.shape, REDACTED);
    return codec.encode(out);
  }
}

/**
 * True when every byte is ASCII and none is a backslash: such bytes are their own UTF-8 text
 * in a DataRow and need no unescaping in a COPY field (COPY escapes control characters with a
 * backslash), so byte-level transforms give the same result as text-level ones.
 */
function isPlainAscii(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b >= 0x80 || b === 0x5c) return false;
  }
  return true;
}

/** COPY text carries every type in its text output form: the text codec of the type, COPY-escaped. */
function copyCodecFor(field: FieldDescription): TextCodec | null {
  const codec = textCodecFor(field.typeOid, 0);
  return codec === null ? null : copyTextCodec(codec.shape);
}

/** Decides once what a column's action means for values of its type and representation; undefined = pass through. */
function compile(plan: RowMaskPlan, action: ColumnAction, codec: TextCodec | null): ColumnOp | undefined {
  switch (action.kind) {
    case 'clear':
      return undefined;
    case 'scan':
      return codec === null ? undefined : { op: 'scan', codec };
    case 'derived':
      return codec === null ? { op: 'null' } : { op: 'const', bytes: codec.encode(shapeReplacement(codec.shape, REDACTED)) };
    case 'mask':
      return compileMask(plan, action.mask, codec);
  }
}

function compileMask(plan: RowMaskPlan, mask: ColumnMask, codec: TextCodec | null): ColumnOp {
  // Checked even when the column turns out to be NULL-only: a misconfiguration fails at once.
  const keep = mask.strategy === 'partial' ? keepLastOf(mask) : 0;
  const salt = mask.strategy === 'hash' ? requireSalt(plan.salt) : undefined;
  if (codec === null || mask.strategy === 'null') return { op: 'null' };
  const { shape } = codec;
  switch (mask.strategy) {
    case 'redact':
      return { op: 'const', bytes: codec.encode(shapeReplacement(shape, REDACTED)) };
    case 'partial':
      return {
        op: 'transform',
        codec,
        fn: (text) => transformShaped(shape, text, (s) => maskPartial(s, keep)),
        // Only plain text: json and xml values are reshaped, and binary jsonb has a version byte.
        ...(shape === 'text' ? { ascii: (buf: Buffer, start: number, end: number) => maskPartialAscii(buf, start, end, keep) } : {}),
      };
    case 'hash':
      return { op: 'transform', codec, fn: (text) => transformShaped(shape, text, (s) => hashValue(s, salt!)) };
  }
}
