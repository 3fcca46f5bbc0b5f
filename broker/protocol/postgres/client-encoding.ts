/**
 * Which client encodings the broker can inspect safely.
 *
 * In SJIS, SHIFT_JIS_2004, BIG5, GBK, GB18030, UHC and JOHAB (client-only encodings) the
 * trailing byte of a multibyte character may be 0x27 (') or 0x5C (\), so a byte-oriented
 * reading of SQL cannot find string literals: a classic SQL-injection vector. All other
 * encodings keep every ASCII byte as ASCII. See
 * https://www.postgresql.org/docs/current/multibyte.html (Table 23.3, client-only encodings).
 *
 * Names are matched like PostgreSQL's pg_char_to_encoding (src/common/encnames.c): case
 * folded, every non-alphanumeric character ignored, and the same alias table.
 */
import { ProtocolError } from './protocol-error.js';
import type { TextDecoding } from './text-decoding.js';

/** Canonical PostgreSQL encoding names the broker can inspect, by normalized alias. */
const SAFE: ReadonlyMap<string, string> = new Map([
  ['utf8', 'UTF8'], ['unicode', 'UTF8'],
  ['sqlascii', 'SQL_ASCII'],
  ['latin1', 'LATIN1'], ['iso88591', 'LATIN1'],
  ['latin2', 'LATIN2'], ['iso88592', 'LATIN2'],
  ['latin3', 'LATIN3'], ['iso88593', 'LATIN3'],
  ['latin4', 'LATIN4'], ['iso88594', 'LATIN4'],
  ['latin5', 'LATIN5'], ['iso88599', 'LATIN5'],
  ['latin6', 'LATIN6'], ['iso885910', 'LATIN6'],
  ['latin7', 'LATIN7'], ['iso885913', 'LATIN7'],
  ['latin8', 'LATIN8'], ['iso885914', 'LATIN8'],
  ['latin9', 'LATIN9'], ['iso885915', 'LATIN9'],
  ['latin10', 'LATIN10'], ['iso885916', 'LATIN10'],
  ['iso88595', 'ISO_8859_5'], ['iso88596', 'ISO_8859_6'],
  ['iso88597', 'ISO_8859_7'], ['iso88598', 'ISO_8859_8'],
  ['win1250', 'WIN1250'], ['windows1250', 'WIN1250'],
  ['win1251', 'WIN1251'], ['windows1251', 'WIN1251'], ['win', 'WIN1251'],
  ['win1252', 'WIN1252'], ['windows1252', 'WIN1252'],
  ['win1253', 'WIN1253'], ['windows1253', 'WIN1253'],
  ['win1254', 'WIN1254'], ['windows1254', 'WIN1254'],
  ['win1255', 'WIN1255'], ['windows1255', 'WIN1255'],
  ['win1256', 'WIN1256'], ['windows1256', 'WIN1256'],
  ['win1257', 'WIN1257'], ['windows1257', 'WIN1257'],
  ['win1258', 'WIN1258'], ['windows1258', 'WIN1258'],
  ['abc', 'WIN1258'], ['tcvn', 'WIN1258'], ['tcvn5712', 'WIN1258'], ['vscii', 'WIN1258'],
  ['win866', 'WIN866'], ['windows866', 'WIN866'], ['alt', 'WIN866'],
  ['win874', 'WIN874'], ['windows874', 'WIN874'],
  ['koi8r', 'KOI8R'], ['koi8', 'KOI8R'], ['koi8u', 'KOI8U'],
  ['eucjp', 'EUC_JP'], ['euccn', 'EUC_CN'], ['euckr', 'EUC_KR'], ['euctw', 'EUC_TW'],
  ['eucjis2004', 'EUC_JIS_2004'],
  ['muleinternal', 'MULE_INTERNAL'],
]);

/** PostgreSQL rejects names of NAMEDATALEN (64) bytes or more outright. */
const MAX_NAME_LENGTH = 63;

/** Lower-cases and drops everything but ASCII letters and digits, like clean_encoding_name(). */
export function normalizeEncodingName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** The canonical name (e.g. 'UTF8', 'LATIN1') of a safe encoding, or null if unsafe/unknown. */
export function canonicalSafeEncoding(name: string): string | null {
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) return null;
  return SAFE.get(normalizeEncodingName(name)) ?? null;
}

/**
 * True when SQL in this client encoding can be inspected byte-wise: every byte < 0x80 is the
 * ASCII character it looks like. False for SJIS/SHIFT_JIS_2004/BIG5/GBK/GB18030/UHC/JOHAB and
 * their aliases (WIN932, WIN936, WIN949, WIN950, MSKANJI, SHIFTJIS...), and for unknown names.
 */
export function isSafeClientEncoding(name: string): boolean {
  return canonicalSafeEncoding(name) !== null;
}

/**
 * The decoding to use for a client encoding: 'utf8' for UTF8/UNICODE, 'single-byte' for the
 * other safe encodings. Throws ProtocolError('encoding') for an unsafe or unknown encoding, so
 * a caller that forgot {@link isSafeClientEncoding} fails closed.
 */
export function decodingFor(encoding: string): TextDecoding {
  const canonical = canonicalSafeEncoding(encoding);
  if (canonical === null) {
    throw new ProtocolError('encoding', 'client encoding is not supported by the broker');
  }
  return canonical === 'UTF8' ? 'utf8' : 'single-byte';
}
