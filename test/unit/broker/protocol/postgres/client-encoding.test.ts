import { describe, expect, it } from 'vitest';
import {
  canonicalSafeEncoding,
  decodingFor,
  isSafeClientEncoding,
  normalizeEncodingName,
} from '../../../../../broker/protocol/postgres/client-encoding.js';
import { decodingFor as decodingForReexport, isSafeClientEncoding as isSafeReexport } from '../../../../../broker/protocol/postgres/frontend-messages.js';
import { ProtocolError } from '../../../../../broker/protocol/postgres/protocol-error.js';
import { decodeText } from '../../../../../broker/protocol/postgres/text-decoding.js';

/** Every safe encoding PostgreSQL knows, by official name, with its canonical form. */
const SAFE_OFFICIAL = [
  'UTF8', 'SQL_ASCII',
  'LATIN1', 'LATIN2', 'LATIN3', 'LATIN4', 'LATIN5', 'LATIN6', 'LATIN7', 'LATIN8', 'LATIN9', 'LATIN10',
  'ISO_8859_5', 'ISO_8859_6', 'ISO_8859_7', 'ISO_8859_8',
  'WIN1250', 'WIN1251', 'WIN1252', 'WIN1253', 'WIN1254', 'WIN1255', 'WIN1256', 'WIN1257', 'WIN1258',
  'WIN866', 'WIN874', 'KOI8R', 'KOI8U',
  'EUC_JP', 'EUC_CN', 'EUC_KR', 'EUC_TW', 'EUC_JIS_2004', 'MULE_INTERNAL',
];

/** Aliases and spellings PostgreSQL accepts for safe encodings. */
const SAFE_ALIASES: [string, string][] = [
  ['utf-8', 'UTF8'], ['Utf_8', 'UTF8'], ['UNICODE', 'UTF8'], ['unicode', 'UTF8'],
  ['sql-ascii', 'SQL_ASCII'], ['SQLASCII', 'SQL_ASCII'],
  ['ISO-8859-1', 'LATIN1'], ['iso_8859_1', 'LATIN1'], ['latin-1', 'LATIN1'],
  ['ISO-8859-15', 'LATIN9'], ['ISO-8859-16', 'LATIN10'], ['ISO 8859-9', 'LATIN5'],
  ['iso-8859-5', 'ISO_8859_5'], ['Windows-1252', 'WIN1252'], ['WINDOWS1251', 'WIN1251'], ['win', 'WIN1251'],
  ['ALT', 'WIN866'], ['windows-866', 'WIN866'], ['windows874', 'WIN874'],
  ['ABC', 'WIN1258'], ['TCVN', 'WIN1258'], ['TCVN5712', 'WIN1258'], ['VSCII', 'WIN1258'],
  ['KOI8', 'KOI8R'], ['koi8-r', 'KOI8R'], ['KOI8-U', 'KOI8U'],
  ['euc-jp', 'EUC_JP'], ['EUC-JIS-2004', 'EUC_JIS_2004'], ['mule-internal', 'MULE_INTERNAL'],
];

/** Client-only encodings whose multibyte trailing bytes can be ' or \, and their aliases. */
const UNSAFE = [
  'SJIS', 'sjis', 'SHIFT_JIS', 'Shift-JIS', 'ShiftJIS', 'SHIFTJIS', 'MSKANJI', 'MS_KANJI',
  'SHIFT_JIS_2004', 'shift-jis-2004',
  'BIG5', 'big-5', 'GBK', 'GB18030', 'gb-18030', 'UHC', 'JOHAB',
  'WIN932', 'WIN936', 'WIN949', 'WIN950', 'windows-932', 'Windows936', 'windows_949', 'windows-950',
  'CP932', 'CP936', 'CP949', 'CP950',
];

const UNKNOWN = ['', '-', 'klingon', 'UTF16', 'UTF-32', 'ucs2', 'ascii', 'cp1252', 'latin11', `${'_'.repeat(70)}utf8`];

describe('isSafeClientEncoding', () => {
  it.each(SAFE_OFFICIAL)('%s is safe', (name) => {
    expect(isSafeClientEncoding(name)).toBe(true);
    expect(isSafeClientEncoding(name.toLowerCase())).toBe(true);
    expect(canonicalSafeEncoding(name)).toBe(name);
  });

  it.each(SAFE_ALIASES)('alias %s is safe (%s)', (alias, canonical) => {
    expect(isSafeClientEncoding(alias)).toBe(true);
    expect(canonicalSafeEncoding(alias)).toBe(canonical);
  });

  it.each(UNSAFE)('%s is unsafe', (name) => {
    expect(isSafeClientEncoding(name)).toBe(false);
  });

  it.each(UNKNOWN)('unknown name %j is unsafe', (name) => {
    expect(isSafeClientEncoding(name)).toBe(false);
  });

  it('is re-exported from frontend-messages', () => {
    expect(isSafeReexport).toBe(isSafeClientEncoding);
    expect(decodingForReexport).toBe(decodingFor);
  });

  it('normalizes like clean_encoding_name: lower case, alphanumerics only', () => {
    expect(normalizeEncodingName('ISO_8859-1')).toBe('iso88591');
    expect(normalizeEncodingName(' Win 1252 ')).toBe('win1252');
  });
});

describe('decodingFor', () => {
  it('maps UTF8 and UNICODE to strict utf8', () => {
    expect(decodingFor('UTF8')).toBe('utf8');
    expect(decodingFor('unicode')).toBe('utf8');
    expect(decodingFor('utf-8')).toBe('utf8');
  });

  it('maps every other safe encoding to single-byte', () => {
    for (const name of SAFE_OFFICIAL.filter((n) => n !== 'UTF8')) expect(decodingFor(name)).toBe('single-byte');
  });

  it('fails closed with ProtocolError(encoding) for unsafe and unknown encodings', () => {
    for (const name of [...UNSAFE, ...UNKNOWN]) {
      expect(() => decodingFor(name)).toThrow(ProtocolError);
      try {
        decodingFor(name);
      } catch (e) {
        expect((e as ProtocolError).code).toBe('encoding');
      }
    }
  });
});

describe('why SJIS is unsafe', () => {
  it('the SJIS character 表 (0x95 0x5C) contains an ASCII backslash byte', () => {
    const sjis = Buffer.from([0x27, 0x95, 0x5c, 0x27]); // '表'
    expect(decodeText(sjis, 0, sjis.length, 'single-byte')).toBe("'\u0095\\'");
  });

  it('EUC_JP multibyte characters never contain ASCII bytes', () => {
    const eucjp = Buffer.from([0x27, 0xc9, 0xbd, 0x27]); // '表' in EUC-JP
    expect(decodeText(eucjp, 0, eucjp.length, 'single-byte')).toBe("'\u00c9\u00bd'");
  });
});
