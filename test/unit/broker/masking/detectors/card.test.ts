import { describe, expect, it } from 'vitest';
import { contentScanner } from '../../../../../broker/masking/detectors/index.js';
import { plausibleCard } from '../../../../../broker/masking/detectors/card.js';
import { luhnValid } from '../../../../../broker/masking/detectors/luhn.js';

const scanner = contentScanner(['card']);
const found = (text: string): string[] => scanner.scan(text).map((h) => text.slice(h.start, h.end));

describe('luhnValid', () => {
  it('accepts numbers whose Luhn sum is a multiple of 10 and refuses the rest', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('79927398713')).toBe(true); // the classic worked example
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('79927398710')).toBe(false);
    expect(luhnValid('')).toBe(false);
    expect(luhnValid('4111 1111')).toBe(false);
  });
});

describe('plausibleCard', () => {
  it('knows the lengths each issuer uses', () => {
    expect(plausibleCard('4222222222222')).toBe(true); // Visa 13
    expect(plausibleCard('411111111111116')).toBe(false); // Visa never has 15
    expect(plausibleCard('378282246310005')).toBe(true); // Amex 15
    expect(plausibleCard('3782822463100052')).toBe(false); // Amex never has 16
    expect(plausibleCard('2223003122003222')).toBe(true); // Mastercard 2-series
    expect(plausibleCard('2024010210300015')).toBe(false); // 2024… is a timestamp, not an issuer
    expect(plausibleCard('1234567812345670')).toBe(false);
    expect(plausibleCard('7111111111111114')).toBe(false);
  });
});

describe('card detector: finds', () => {
  it.each([
    ['a bare Visa number', '4111111111111111'],
    ['a 13-digit Visa', '4222222222222'],
    ['a 19-digit Visa', '4111111111111111110'],
    ['Mastercard, both ranges', '5555555555554444'],
    ['Mastercard 2-series', '2223003122003222'],
    ['Amex', '378282246310005'],
    ['Discover', '6011000990139424'],
    ['Diners (14 digits)', '30569309025904'],
    ['JCB', '3530111333300000'],
    ['UnionPay (19 digits)', '6212345678901234569'],
  ])('%s', (_label, pan) => {
    expect(found(pan)).toEqual([pan]);
    expect(found(`card ${pan} on file`)).toEqual([pan]);
  });

  it('numbers grouped by spaces or dashes, in the usual layouts', () => {
    expect(found('Paid with 4242 4242 4242 4242 yesterday')).toEqual(['4242 4242 4242 4242']);
    expect(found('card: 5555-5555-5555-4444.')).toEqual(['5555-5555-5555-4444']);
    expect(found('Amex 3782 822463 10005 exp 12/27')).toEqual(['3782 822463 10005']);
    expect(found('Visa 19: 4111 1111 1111 1111 110')).toEqual(['4111 1111 1111 1111 110']);
  });

  it('at the start and at the end of a text, and several in one text', () => {
    expect(found('4012888888881881 was declined, retry with 6011111111111117')).toEqual(['4012888888881881', '6011111111111117']);
    expect(found('cards: 4111111111111111, 5105105105105100; 3530111333300000.')).toEqual([
      '4111111111111111', '5105105105105100', '3530111333300000',
    ]);
  });

  it('in JSON, CSV and next to other numbers separated by spaces', () => {
    expect(found('{"pan":"4111111111111111","cvc":"123"}')).toEqual(['4111111111111111']);
    expect(found('42,4111111111111111,2027-12')).toEqual(['4111111111111111']);
    expect(found('qty 2 4111 1111 1111 1111 12 27')).toEqual(['4111 1111 1111 1111']);
  });

  it('masks all but the last four digits and keeps the surrounding text', () => {
    expect(scanner.mask('Paid with 4242 4242 4242 4242, thanks')).toEqual({
      text: 'Paid with [masked:card …4242], thanks', detectors: ['card'],
    });
    expect(scanner.mask('378282246310005').text).toBe('[masked:card …0005]');
  });

  it('keeps unicode around a hit intact', () => {
    expect(scanner.mask('Карта №4111 1111 1111 1111 — спасибо ✅ 😀').text).toBe('Карта №[masked:card …1111] — спасибо ✅ 😀');
    expect(scanner.mask('カード：5555555555554444。').text).toBe('カード：[masked:card …4444]。');
  });
});

describe('card detector: leaves alone', () => {
  it.each([
    ['a 16-digit number failing Luhn', '4111111111111112'],
    ['an order number', 'order #1234567890123456'],
    ['a hyphenated order id', 'ORD-4111111111111111'],
    ['an id with a suffix', '4111111111111111-01'],
    ['a UUID', '550e8400-e29b-41d4-a716-446655440000'],
    ['an all-digit UUID', '41111111-1111-1111-1111-111111111111'],
    ['a hex id starting with digits', '4111111111111111deadbeef'],
    ['digits inside a word', 'x4111111111111111'],
    ['a longer digit run', '41111111111111111111'],
    ['a compact timestamp', '20240102103000123'],
    ['epoch milliseconds', '1704186000000'],
    ['a date and time', '2024-01-02 10:30:00'],
    ['a decimal fraction', '0.4111111111111111'],
    ['a number with a decimal part', '4111111111111111.50'],
    ['a signed number', '-4111111111111111 and +4111111111111111'],
    ['a price', '$1,234,567,890.12'],
    ['a Luhn-valid number with no issuer', '7111111111111114'],
    ['a Visa prefix with a length Visa never uses', '411111111111116'],
    ['an Amex prefix with 16 digits', '3782822463100052'],
    ['a badly grouped number', '41 1111 1111 1111 11'],
    ['a version string', 'v4.1.1.1111111111111'],
  ])('%s', (_label, text) => {
    expect(found(text)).toEqual([]);
    expect(scanner.mask(text).text).toBe(text);
  });
});
