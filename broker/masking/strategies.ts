/**
 * The masking strategies applied to one clear value (see MaskStrategy in `types.ts`). Pure
 * functions of the value, the mask and the salt: no I/O, no state, so equal inputs always give
 * equal outputs (which `hash` relies on to keep joins and grouping working).
 */
import { createHmac } from 'node:crypto';
import { AirlockError } from '../errors/airlock-error.js';
import type { ColumnMask } from './types.js';

/** What `redact` (and a masked expression over a sensitive column) shows instead of the value. */
export const REDACTED = '[masked]';

/** Prefix of `hash` results, so a hashed value is never mistaken for a clear one. */
export const HASH_PREFIX = 'h:';

/** Hex digits of the HMAC kept by `hash`: 64 bits, plenty to keep distinct values distinct. */
const HASH_HEX_DIGITS = 16;

/** Default of `keepLast` for `partial`, as in the configuration schema. */
export const DEFAULT_KEEP_LAST = 4;

/**
 * Masks one clear value. `redact` → `[masked]`; `partial` → letters and digits become `*`
 * except the last `keepLast` of them (other characters kept: `***-**-6789`), and a value with
 * no more than `keepLast` letters/digits is hidden entirely; `hash` → `h:` + the first 16 hex
 * digits of HMAC-SHA256(salt, UTF-8 value); `null` → null (SQL NULL).
 * Throws AirlockError('BRK_ERR_CONFIG_INVALID') for `hash` without a salt and RangeError for
 * a `keepLast` that is not a non-negative integer.
 */
export function maskValue(value: string, mask: ColumnMask, salt: Buffer | undefined): string | null {
  switch (mask.strategy) {
    case 'redact':
      return REDACTED;
    case 'partial':
      return maskPartial(value, keepLastOf(mask));
    case 'hash':
      return hashValue(value, requireSalt(salt));
    case 'null':
      return null;
  }
}

/** The validated `keepLast` of a mask (default 4). */
export function keepLastOf(mask: ColumnMask): number {
  const k = mask.keepLast ?? DEFAULT_KEEP_LAST;
  if (!Number.isSafeInteger(k) || k < 0) throw new RangeError('masking keepLast must be a non-negative integer');
  return k;
}

/** The salt, or the configuration error a missing one is (config validation should catch it first). */
export function requireSalt(salt: Buffer | undefined): Buffer {
  if (salt === undefined || salt.length === 0) {
    throw new AirlockError('BRK_ERR_CONFIG_INVALID', 'the hash masking strategy needs masking.salt');
  }
  return salt;
}

/** `h:` + 16 hex digits of HMAC-SHA256(salt, value). */
export function hashValue(value: string, salt: Buffer): string {
  return HASH_PREFIX + createHmac('sha256', salt).update(value, 'utf8').digest('hex').slice(0, HASH_HEX_DIGITS);
}

/*
 * How one code point takes part in `partial`: OTHER (separators, punctuation, symbols) is
 * always kept; ALNUM (\p{L}, \p{N}) is counted and masked unless among the last keepLast;
 * MARK (\p{M}, combining marks) follows the character it attaches to, so an accent never
 * outlives its masked letter.
 */
const OTHER = 0;
const ALNUM_KIND = 1;
const MARK_KIND = 2;
type Kind = typeof OTHER | typeof ALNUM_KIND | typeof MARK_KIND;

const ALNUM = /^[\p{L}\p{N}]$/u;
const MARK = /^\p{M}$/u;

function kindOf(cp: number, ch: string): Kind {
  if (cp < 0x80) {
    // ASCII fast path: 0-9, A-Z, a-z.
    return (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) ? ALNUM_KIND : OTHER;
  }
  if (ALNUM.test(ch)) return ALNUM_KIND;
  return MARK.test(ch) ? MARK_KIND : OTHER;
}

/**
 * `partial`: walks code points (never UTF-16 units, so an astral letter becomes one `*`),
 * first counting letters/digits, then masking all but the last `keepLast` of them. When the
 * value has no more than `keepLast` letters/digits every one is masked: a short value is
 * never revealed whole.
 */
export function maskPartial(value: string, keepLast: number): string {
  let total = 0;
  for (let i = 0; i < value.length; ) {
    const cp = value.codePointAt(i)!;
    const w = cp > 0xffff ? 2 : 1;
    if (kindOf(cp, cp < 0x80 ? '' : value.slice(i, i + w)) === ALNUM_KIND) total++;
    i += w;
  }
  const hide = total <= keepLast ? total : total - keepLast;
  if (hide === 0) return value;
  let out = '';
  let seen = 0;
  let lastMasked = false;
  for (let i = 0; i < value.length; ) {
    const cp = value.codePointAt(i)!;
    const w = cp > 0xffff ? 2 : 1;
    const ch = value.slice(i, i + w);
    const kind = kindOf(cp, ch);
    if (kind === ALNUM_KIND) {
      lastMasked = seen++ < hide;
      out += lastMasked ? '*' : ch;
    } else if (kind === MARK_KIND) {
      if (!lastMasked) out += ch;
    } else {
      out += ch;
      lastMasked = false;
    }
    i += w;
  }
  return out;
}

const isAsciiAlnum = (b: number): boolean => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);

/**
 * `partial` straight over bytes that the caller checked are all ASCII: the same result as
 * {@link maskPartial} on their text, without decoding and re-encoding (the common case of
 * card numbers, SSNs, phone numbers and e-mail addresses).
 */
export function maskPartialAscii(buf: Buffer, start: number, end: number, keepLast: number): Buffer {
  let total = 0;
  for (let i = start; i < end; i++) if (isAsciiAlnum(buf[i]!)) total++;
  const hide = total <= keepLast ? total : total - keepLast;
  const out = Buffer.allocUnsafe(end - start);
  let seen = 0;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    out[i - start] = isAsciiAlnum(b) && seen++ < hide ? 0x2a /* * */ : b;
  }
  return out;
}
