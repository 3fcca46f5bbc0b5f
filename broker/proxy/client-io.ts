/** Awaitable reads for the start-up phase of a client connection (before the relay takes over). */
import type { Duplex } from 'node:stream';
import { AirlockError } from '../errors/airlock-error.js';
import { FrameReader } from '../protocol/postgres/frame-reader.js';
import { StartupReader, type StartupResult } from '../protocol/postgres/startup.js';

/** Time a client gets to finish start-up and authentication (like authentication_timeout). */
export const STARTUP_TIMEOUT_MS = 30_000;

function readUntil<T>(socket: Duplex, initial: Buffer, step: (chunk: Buffer) => T | null, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onError);
    };
    const onData = (chunk: Buffer): void => {
      try {
        const r = step(chunk);
        if (r !== null) {
          cleanup();
          socket.pause();
          resolve(r);
        }
      } catch (e) {
        cleanup();
        reject(e);
      }
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error('client disconnected during start-up'));
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(e);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new AirlockError('BRK_ERR_PROTOCOL', `start-up not completed within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', onError);
    socket.resume();
    if (initial.length) onData(initial);
  });
}

export function readStartupPacket(socket: Duplex, reader: StartupReader, initial: Buffer, timeoutMs = STARTUP_TIMEOUT_MS): Promise<StartupResult> {
  return readUntil(socket, initial, (chunk) => reader.feed(chunk), timeoutMs);
}

/** Reads one typed message (e.g. PasswordMessage); returns it and anything after it. */
export function readTypedMessage(socket: Duplex, initial: Buffer, maxBytes: number, timeoutMs = STARTUP_TIMEOUT_MS): Promise<{ code: number; frame: Buffer; rest: Buffer }> {
  const reader = new FrameReader({ maxMessageBytes: maxBytes });
  let got: { code: number; frame: Buffer } | undefined;
  const rest: Buffer[] = [];
  return readUntil(
    socket,
    initial,
    (chunk) => {
      // Frames after the first one are kept raw for the relay.
      reader.feed(chunk, {
        message: (code, frame) => {
          if (!got) got = { code, frame: Buffer.from(frame) };
          else rest.push(Buffer.from(frame));
        },
      });
      if (got && reader.buffered > 0) {
        throw new AirlockError('BRK_ERR_PROTOCOL', 'data sent before authentication completed');
      }
      return got ? { ...got, rest: Buffer.concat(rest) } : null;
    },
    timeoutMs,
  );
}
