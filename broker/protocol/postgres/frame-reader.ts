/**
 * Splits a byte stream of typed protocol-3 messages into frames, sans I/O.
 *
 * Layout (https://www.postgresql.org/docs/current/protocol-overview.html#PROTOCOL-MESSAGE-CONCEPTS
 * and protocol-message-formats.html): Byte1 code, Int32 length counting itself but not the
 * code byte, then length - 4 body bytes. The same framing is used in both directions after the
 * untyped first message (see startup.ts).
 */
import { FRAME_HEADER_BYTES, codeLabel } from './codes.js';
import { ProtocolError } from './protocol-error.js';

/** Receives frames from a {@link FrameReader}. */
export interface FrameSink {
  /**
   * A complete frame: code byte + Int32 length + body. It is a zero-copy subarray of the
   * chunk passed to `feed` when the frame lies inside that chunk, else a fresh Buffer
   * assembled from the pieces. It may be kept; it is never reused by the reader.
   */
  message(code: number, frame: Buffer): void;
  /**
   * First piece of a streamed frame. `totalLength` is the size of the whole frame in bytes
   * INCLUDING the code byte (Int32 length + 1), so the lengths of `firstChunk` and every
   * following `streamChunk` add up to it. `firstChunk` starts with the 5-byte header.
   */
  streamStart?(code: number, totalLength: number, firstChunk: Buffer): void;
  /**
   * Next piece of the streamed frame; `last` is true on the piece that ends it. A frame that
   * ends inside `firstChunk` is followed by exactly one `streamChunk(<empty>, true)`, so
   * every streamed frame ends with a `last` call.
   */
  streamChunk?(chunk: Buffer, last: boolean): void;
}

/** Options of a {@link FrameReader}. */
export interface FrameReaderOptions {
  /** Largest buffered frame in bytes, code byte included. Larger non-streamable frames throw 'too-large'. */
  maxMessageBytes: number;
  /** Codes that may be streamed instead of buffered (e.g. CopyData, DataRow). Default: none. */
  streamable?: (code: number) => boolean;
  /**
   * Streamable frames of at least this many bytes (code byte included) are streamed;
   * smaller ones arrive whole via `message`. Default 64 KiB. A streamable frame larger than
   * `maxMessageBytes` is streamed whatever its size: streamable frames are never too large.
   */
  streamThreshold?: number;
}

const EMPTY: Buffer = Buffer.alloc(0);
const DEFAULT_STREAM_THRESHOLD = 64 * 1024;

/**
 * Incremental frame splitter. Feed it socket chunks of any size; it calls the sink once per
 * frame (or per streamed piece). Any exception, its own or the sink's, kills the reader:
 * every later `feed` rethrows that same error.
 */
export class FrameReader {
  private readonly maxMessageBytes: number;
  private readonly streamable: ((code: number) => boolean) | undefined;
  private readonly streamThreshold: number;

  /** Header bytes of a frame whose header was split across chunks. */
  private readonly header = Buffer.alloc(FRAME_HEADER_BYTES);
  private headerFill = 0;
  /** Frame being assembled from several chunks (buffered mode). */
  private partial: Buffer | null = null;
  private partialFill = 0;
  /** Body bytes still to pass through for the frame being streamed. */
  private streamRemaining = 0;
  private failure: unknown = undefined;
  private failed = false;

  constructor(opts: FrameReaderOptions) {
    if (!(opts.maxMessageBytes >= FRAME_HEADER_BYTES)) {
      throw new RangeError(`maxMessageBytes must be at least ${FRAME_HEADER_BYTES}`);
    }
    this.maxMessageBytes = opts.maxMessageBytes;
    this.streamable = opts.streamable;
    this.streamThreshold = opts.streamThreshold ?? DEFAULT_STREAM_THRESHOLD;
  }

  /** Bytes held inside the reader (a split header or a partly received buffered frame). */
  get buffered(): number {
    return this.headerFill + this.partialFill;
  }

  /** True between frames: nothing buffered and no streamed frame in progress. */
  get atBoundary(): boolean {
    return this.headerFill === 0 && this.partial === null && this.streamRemaining === 0;
  }

  /** Consumes one chunk, calling `sink` for every frame or streamed piece it completes. */
  feed(chunk: Buffer, sink: FrameSink): void {
    if (this.failed) throw this.failure;
    try {
      this.consume(chunk, sink);
    } catch (e) {
      this.failed = true;
      this.failure = e;
      this.partial = null;
      throw e;
    }
  }

  private consume(chunk: Buffer, sink: FrameSink): void {
    const end = chunk.length;
    let off = 0;
    while (off < end) {
      if (this.streamRemaining > 0) {
        const take = Math.min(this.streamRemaining, end - off);
        this.streamRemaining -= take;
        sink.streamChunk!(chunk.subarray(off, off + take), this.streamRemaining === 0);
        off += take;
      } else if (this.partial !== null) {
        const partial = this.partial;
        const take = Math.min(partial.length - this.partialFill, end - off);
        chunk.copy(partial, this.partialFill, off, off + take);
        this.partialFill += take;
        off += take;
        if (this.partialFill === partial.length) {
          this.partial = null;
          this.partialFill = 0;
          sink.message(partial[0]!, partial);
        }
      } else if (this.headerFill === 0 && end - off >= FRAME_HEADER_BYTES) {
        off = this.startFrame(chunk, off, sink);
      } else {
        const take = Math.min(FRAME_HEADER_BYTES - this.headerFill, end - off);
        chunk.copy(this.header, this.headerFill, off, off + take);
        this.headerFill += take;
        off += take;
        if (this.headerFill === FRAME_HEADER_BYTES) off = this.startSplitFrame(chunk, off, sink);
      }
    }
  }

  /** Header lies whole in `chunk` at `off`: deliver zero-copy when possible. Returns the new offset. */
  private startFrame(chunk: Buffer, off: number, sink: FrameSink): number {
    const code = chunk[off]!;
    const total = this.frameSize(code, chunk.readInt32BE(off + 1));
    const available = chunk.length - off;
    if (this.shouldStream(code, total)) {
      const take = Math.min(total, available);
      this.beginStream(sink, code, total, chunk.subarray(off, off + take), total - take);
      return off + take;
    }
    if (available >= total) {
      sink.message(code, chunk.subarray(off, off + total));
      return off + total;
    }
    const partial = Buffer.allocUnsafe(total);
    chunk.copy(partial, 0, off);
    this.partial = partial;
    this.partialFill = available;
    return chunk.length;
  }

  /** Header was assembled in `this.header`; body bytes (if any) follow at `off`. */
  private startSplitFrame(chunk: Buffer, off: number, sink: FrameSink): number {
    this.headerFill = 0;
    const code = this.header[0]!;
    const total = this.frameSize(code, this.header.readInt32BE(1));
    if (this.shouldStream(code, total)) {
      const take = Math.min(total - FRAME_HEADER_BYTES, chunk.length - off);
      const first = Buffer.allocUnsafe(FRAME_HEADER_BYTES + take);
      this.header.copy(first, 0);
      chunk.copy(first, FRAME_HEADER_BYTES, off, off + take);
      this.beginStream(sink, code, total, first, total - FRAME_HEADER_BYTES - take);
      return off + take;
    }
    const partial = Buffer.allocUnsafe(total);
    this.header.copy(partial, 0);
    this.partial = partial;
    this.partialFill = FRAME_HEADER_BYTES;
    if (total === FRAME_HEADER_BYTES) {
      // Empty-bodied message (Sync, Flush, ...): complete already.
      this.partial = null;
      this.partialFill = 0;
      sink.message(code, partial);
    }
    return off;
  }

  private beginStream(sink: FrameSink, code: number, total: number, first: Buffer, remaining: number): void {
    if (sink.streamStart === undefined || sink.streamChunk === undefined) {
      throw new TypeError('FrameReader: streamable frame but the sink lacks streamStart/streamChunk');
    }
    this.streamRemaining = remaining;
    sink.streamStart(code, total, first);
    if (remaining === 0) sink.streamChunk(EMPTY, true);
  }

  /** Validates the Int32 length and returns the whole frame size (code byte included). */
  private frameSize(code: number, length: number): number {
    if (length < 4) {
      throw new ProtocolError('malformed', `invalid length ${length} in message ${codeLabel(code)}`);
    }
    const total = length + 1;
    if (total > this.maxMessageBytes && !this.isStreamable(code)) {
      throw new ProtocolError(
        'too-large',
        `message ${codeLabel(code)} of ${total} bytes exceeds the ${this.maxMessageBytes}-byte limit`,
      );
    }
    return total;
  }

  private isStreamable(code: number): boolean {
    return this.streamable !== undefined && this.streamable(code);
  }

  private shouldStream(code: number, total: number): boolean {
    return (total >= this.streamThreshold || total > this.maxMessageBytes) && this.isStreamable(code);
  }
}
