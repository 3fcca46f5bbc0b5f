import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AirlockError } from '../../../../broker/errors/airlock-error.js';
import { maskPartial, maskPartialAscii, maskValue } from '../../../../broker/masking/strategies.js';
import type { ColumnMask } from '../../../../broker/masking/types.js';

const SALT = Buffer.from('test-salt');
const partial = (value: string, keepLast?: number): string | null =>
  maskValue(value, keepLast === undefined ? { strategy: 'partial' } : { strategy: 'partial', keepLast }, undefined);

describe('redact and null', () => {
  it.each(['123-45-6789', '', 'x', 'été 🎉'])('redact %j → [masked]', (v) => {
    expect(maskValue(v, { strategy: 'redact' }, undefined)).toBe('[masked]');
  });

  it.each(['123-45-6789', '', 'été'])('null %j → null', (v) => {
    expect(maskValue(v, { strategy: 'null' }, undefined)).toBeNull();
  });
});

describe('partial', () => {
  it.each([
    ['123-45-6789', '***-**-6789'],
    ['4111 1111 1111 1111', '**** **** **** 1111'],
    ['alice@example.com', '*****@******e.com'],
    ['+1 (555) 010-9999', '+* (***) ***-9999'],
    ['ab12345', '***2345'],
  ])('%j → %j (keepLast 4 by default)', (v, masked) => {
    expect(partial(v)).toBe(masked);
  });

  it('hides a value with no more letters/digits than keepLast entirely', () => {
    expect(partial('1234')).toBe('****');
    expect(partial('12-34')).toBe('**-**');
    expect(partial('a')).toBe('*');
    expect(partial('abcd', 10)).toBe('****');
  });

  it('keeps values without letters or digits, including the empty string', () => {
    expect(partial('')).toBe('');
    expect(partial('--- ...')).toBe('--- ...');
  });

  it('honours keepLast, including 0', () => {
    expect(partial('123-45-6789', 0)).toBe('***-**-****');
    expect(partial('123-45-6789', 2)).toBe('***-**-**89');
    expect(partial('123-45-6789', 8)).toBe('*23-45-6789');
  });

  it('counts code points, not UTF-16 units: astral letters become one star', () => {
    // U+1D400 MATHEMATICAL BOLD CAPITAL A is a letter outside the BMP (two UTF-16 units).
    expect(partial('𝐀𝐁𝐂𝐃𝐄𝐅')).toBe('**𝐂𝐃𝐄𝐅');
    expect(partial('𝐀𝐁')).toBe('**');
  });

  it('masks letters and digits of every script, keeps emoji and punctuation', () => {
    expect(partial('Zoë Ångström')).toBe('*** ****tröm');
    expect(partial('東京都港区六本木')).toBe('****区六本木');
    expect(partial('٠١٢٣٤٥')).toBe('**٢٣٤٥');
    expect(partial('🎉 party 🎉')).toBe('🎉 *arty 🎉');
  });

  it('drops a combining mark together with its masked letter, keeps it with a kept one', () => {
    // 'e' + U+0301 COMBINING ACUTE ACCENT: decomposed é.
    expect(partial('e\u0301abcd')).toBe('*abcd');
    expect(partial('xyzwe\u0301', 1)).toBe('****e\u0301');
  });

  it('maskPartial agrees with maskValue', () => {
    expect(maskPartial('123-45-6789', 4)).toBe(partial('123-45-6789'));
  });

  it('maskPartialAscii gives byte for byte what maskPartial gives for ASCII values', () => {
    let seed = 11;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let round = 0; round < 500; round++) {
      const value = Array.from({ length: rnd(24) }, () => String.fromCharCode(1 + rnd(127))).join('');
      const keep = rnd(7);
      const framed = Buffer.from(`<<${value}>>`, 'latin1');
      expect(maskPartialAscii(framed, 2, framed.length - 2, keep).toString('latin1')).toBe(maskPartial(value, keep));
    }
  });

  it('refuses a keepLast that is not a non-negative integer', () => {
    expect(() => partial('x', -1)).toThrow(RangeError);
    expect(() => partial('x', 1.5)).toThrow(RangeError);
  });
});

describe('hash', () => {
  const hash = (v: string, ...salt: [Buffer | undefined] | []): string | null => maskValue(v, { strategy: 'hash' }, salt.length === 0 ? SALT : salt[0]);

  it('is h: + the first 16 hex digits of HMAC-SHA256(salt, UTF-8 value)', () => {
    for (const v of ['123-45-6789', '', 'été 🎉']) {
      const expected = 'h:' + createHmac('sha256', SALT).update(Buffer.from(v, 'utf8')).digest('hex').slice(0, 16);
      expect(hash(v)).toBe(expected);
      expect(hash(v)).toMatch(/^h:[0-9a-f]{16}$/);
    }
  });

  it('keeps equal values equal and distinct values (and salts) distinct', () => {
    expect(hash('alice')).toBe(hash('alice'));
    expect(hash('alice')).not.toBe(hash('alicf'));
    expect(hash('alice')).not.toBe(hash('alice', Buffer.from('other-salt')));
  });

  it('refuses to run without a salt (a configuration error)', () => {
    expect(() => hash('alice', undefined)).toThrow(AirlockError);
    expect(() => hash('alice', Buffer.alloc(0))).toThrow(AirlockError);
    try {
      hash('alice', undefined);
    } catch (e) {
      expect((e as AirlockError).code).toBe('BRK_ERR_CONFIG_INVALID');
    }
  });
});

describe('every strategy', () => {
  it('is pure: the same input gives the same output', () => {
    const masks: ColumnMask[] = [{ strategy: 'redact' }, { strategy: 'partial', keepLast: 3 }, { strategy: 'hash' }, { strategy: 'null' }];
    for (const m of masks) expect(maskValue('4111-1111', m, SALT)).toBe(maskValue('4111-1111', m, SALT));
  });
});
