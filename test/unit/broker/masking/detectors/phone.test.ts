import { describe, expect, it } from 'vitest';
import { callingCodeLength } from '../../../../../broker/masking/detectors/calling-codes.js';
import { contentScanner } from '../../../../../broker/masking/detectors/index.js';

const scanner = contentScanner(['phone']);
const found = (text: string): string[] => scanner.scan(text).map((h) => text.slice(h.start, h.end));

describe('callingCodeLength', () => {
  it('reads the E.164 country code a number starts with', () => {
    expect(callingCodeLength('14155552671')).toBe(1);
    expect(callingCodeLength('74951234567')).toBe(1);
    expect(callingCodeLength('442079460958')).toBe(2);
    expect(callingCodeLength('380441234567')).toBe(3);
    expect(callingCodeLength('2812345678')).toBe(0); // 28x is unassigned
    expect(callingCodeLength('0530')).toBe(0);
  });
});

describe('phone detector: finds', () => {
  it.each([
    ['UK, spaced', '+44 20 7946 0958'],
    ['US with parentheses', '+1 (415) 555-2671'],
    ['E.164 without separators', '+4915112345678'],
    ['a trunk prefix in parentheses', '+44 (0)20 7946 0958'],
    ['France, in pairs', '+33 1 23 45 67 89'],
    ['dotted', '+1.415.555.2671'],
    ['dashed', '+1-800-555-0199'],
    ['Ukraine, three-digit code', '+380 44 123 4567'],
    ['North American, parentheses', '(415) 555-2671'],
    ['North American, dashed', '415-555-2671'],
    ['North American, dotted', '415.555.2671'],
    ['North American with a leading 1', '1-800-555-0199'],
  ])('%s', (_label, phone) => {
    expect(found(phone)).toEqual([phone]);
  });

  it('embedded in sentences, at the start and at the end', () => {
    expect(found('Call +44 20 7946 0958 before noon.')).toEqual(['+44 20 7946 0958']);
    expect(found('(415) 555-2671 is the front desk')).toEqual(['(415) 555-2671']);
    expect(found('tel:+14155552671')).toEqual(['+14155552671']);
    expect(found('{"phone":"+4915112345678"}')).toEqual(['+4915112345678']);
  });

  it('several in one text, and not the numbers that follow one', () => {
    expect(found('office +1 415 555 2671, mobile 415-555-0100; fax (212) 555-0199')).toEqual([
      '+1 415 555 2671', '415-555-0100', '(212) 555-0199',
    ]);
    expect(found('+1 415 555 2671 42 items')).toEqual(['+1 415 555 2671']);
  });

  it('masks the number and keeps the surrounding text, unicode included', () => {
    expect(scanner.mask('電話：+81 3-1234-5678（代表）')).toEqual({ text: '電話：[masked:phone]（代表）', detectors: ['phone'] });
  });
});

describe('phone detector: leaves alone', () => {
  it.each([
    ['a date', '2024-01-02'],
    ['a date with dots', '2024.01.02'],
    ['a time', '10:30:00'],
    ['a timestamp with a UTC offset', '2024-01-02T10:30:00+01:00'],
    ['an offset as in RFC 2822 dates', 'Tue, 02 Jan 2024 10:30:00 +0530 2024'],
    ['a plain number', '4155552671'],
    ['a signed amount', '+12 345 678'],
    ['a signed decimal', '+12345678.90 and +1 234 567.89 and +12.345.678,90'],
    ['a +1 number of the wrong length', '+1 415 555 267'],
    ['a NANP area code starting with 1', '123-456-7890'],
    ['a NANP exchange starting with 0', '(415) 055-2671'],
    ['an unassigned country code', '+28 1234 5678'],
    ['too few digits', '+44 20 79'],
    ['part of a longer number', '415-555-26710 and 9415-555-2671'],
    ['a UUID', '550e8400-e29b-41d4-a716-446655440000'],
    ['an order number', 'ORD-415-555-2671'],
    ['a version', '1.2.3.4'],
  ])('%s', (_label, text) => {
    expect(found(text)).toEqual([]);
    expect(scanner.mask(text).text).toBe(text);
  });
});
