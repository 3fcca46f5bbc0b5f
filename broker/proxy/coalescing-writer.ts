/**
 * Writes runs of adjacent frames as one buffer. Frames from the FrameReader are views into the
 * chunk they arrived in; when consecutive forwarded frames sit next to each other in memory
 * (the common case: a whole chunk passes unchanged), they go to the socket as one view instead
 * of one write request each. Merging adjacent views is always byte-exact: the run is exactly the
 * frames' bytes in order.
 */
export class CoalescingWriter {
  private run: Buffer | undefined;
  private start = 0;
  private end = 0;

  constructor(private readonly sink: (buf: Buffer) => void) {}

  write(frame: Buffer): void {
    if (frame.length === 0) return;
    const run = this.run;
    if (run !== undefined && frame.buffer === run.buffer && frame.byteOffset === this.end) {
      this.end += frame.length;
      return;
    }
    this.flush();
    this.run = frame;
    this.start = frame.byteOffset;
    this.end = frame.byteOffset + frame.length;
  }

  /** Hands the pending run to the sink. Call before anything else writes to the same socket. */
  flush(): void {
    const run = this.run;
    if (run === undefined) return;
    this.run = undefined;
    const length = this.end - this.start;
    this.sink(length === run.length ? run : Buffer.from(run.buffer, this.start, length));
  }
}
