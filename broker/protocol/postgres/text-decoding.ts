/**
 * Decoding of protocol strings. PostgreSQL sends and receives text in the session's
 * client_encoding; the codec supports two decodings:
 *
 * - 'utf8': strict UTF-8 (UTF8/UNICODE client encoding). Invalid sequences, overlongs and
 *   surrogates are rejected with ProtocolError('encoding') as PostgreSQL itself would.
 * - 'single-byte': latin1, one char per byte. Used for SQL_ASCII, LATIN*, WIN*, KOI8 and the
 *   EUC/MULE encodings, whose multibyte characters use only bytes >= 0x80, so every ASCII byte
 *   (quote, backslash, semicolon...) keeps its meaning. Non-ASCII characters come out as
 *   their latin1 look-alikes: fine for inspecting SQL structure, not for display.
 */
import { isUtf8 } from 'node:buffer';
import { ProtocolError } from './protocol-error.js';

/** How the bytes of protocol strings are turned into JS strings. */
export type TextDecoding = 'utf8' | 'single-byte';

/**
 * Decodes `buf[start, end)`. Throws ProtocolError('encoding') for invalid UTF-8 when
 * `decoding` is 'utf8'.
 */
export function decodeText(buf: Buffer, start: number, end: number, decoding: TextDecoding): string {
  if (decoding === 'single-byte') return buf.toString('latin1', start, end);
  if (!isAsciiRange(buf, start, end) && !isUtf8(buf.subarray(start, end))) {
    throw new ProtocolError('encoding', 'invalid byte sequence for encoding "UTF8"');
  }
  return buf.toString('utf8', start, end);
}

/** Short strings are usually ASCII: checking by hand avoids creating a view for isUtf8. */
function isAsciiRange(buf: Buffer, start: number, end: number): boolean {
  if (end - start > 64) return false;
  for (let i = start; i < end; i++) if (buf[i]! >= 0x80) return false;
  return true;
}
