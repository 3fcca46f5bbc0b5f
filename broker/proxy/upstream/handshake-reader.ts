/**
 * Turns a socket into an awaitable sequence of whole backend messages, for the few round trips
 * of a handshake (startup, authentication, the initial ParameterStatus burst). The steady-state
 * relay does not use this: it feeds the FrameReader directly from 'data' events.
 */
import type { Socket } from 'node:net';
import { FrameReader } from '../../protocol/postgres/index.js';

export class HandshakeReader {
  private readonly reader: FrameReader;
  private readonly frames: Buffer[] = [];
  private waiter: { resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;
  private readonly onData = (chunk: Buffer): void => {
    try {
      this.reader.feed(chunk, { message: (_code, frame) => this.push(Buffer.from(frame)) });
    } catch (e) {
      this.fail(e as Error);
    }
  };
  private readonly onEnd = (): void => this.fail(new Error('the server closed the connection'));
  private readonly onError = (e: Error): void => this.fail(e);

  constructor(private readonly socket: Socket, maxMessageBytes = 1 << 20) {
    this.reader = new FrameReader({ maxMessageBytes });
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
    socket.on('error', this.onError);
  }

  /** The next whole message (code byte + length + body), or a rejection after `timeoutMs`. */
  next(timeoutMs: number): Promise<Buffer> {
    const ready = this.frames.shift();
    if (ready) return Promise.resolve(ready);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`no answer from the server within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = {
        resolve: (b) => {
          clearTimeout(timer);
          resolve(b);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  /** Stops listening; returns anything received after the handshake (normally nothing). */
  detach(): Buffer[] {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.socket.off('error', this.onError);
    return this.frames.splice(0);
  }

  private push(frame: Buffer): void {
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w.resolve(frame);
    } else {
      this.frames.push(frame);
    }
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(e);
  }
}
