import { describe, expect, it } from 'vitest';
import { contentScanner } from '../../../../../broker/masking/detectors/index.js';

const scanner = contentScanner(['ssn']);
const found = (text: string): string[] => scanner.scan(text).map((h) => text.slice(h.start, h.end));

describe('ssn detector: finds', () => {
  it.each([
    ['dashed', '123-45-6789'],
    ['spaced', '123 45 6789'],
    ['the famous Woolworth wallet number', '078-05-1120'],
    ['area 899, the highest issued', '899-12-3456'],
    ['group 99 and serial 0001', '001-99-0001'],
    ['area 665, next to the excluded 666', '665-10-1000'],
  ])('%s', (_label, ssn) => {
    expect(found(ssn)).toEqual([ssn]);
  });

  it('embedded in sentences, at the start and the end of a text', () => {
    expect(found('SSN: 123-45-6789.')).toEqual(['123-45-6789']);
    expect(found('123-45-6789 is on file')).toEqual(['123-45-6789']);
    expect(found('on file: 123 45 6789')).toEqual(['123 45 6789']);
    expect(found('{"ssn":"219-09-9999"}')).toEqual(['219-09-9999']);
  });

  it('several in one text', () => {
    expect(found('primary 123-45-6789, spouse 987-65-4320 (invalid area), child 234-56-7890')).toEqual([
      '123-45-6789', '234-56-7890',
    ]);
  });

  it('masks the number and keeps the surrounding text, unicode included', () => {
    expect(scanner.mask('Numéro de sécurité sociale : 123-45-6789 — merci ✔')).toEqual({
      text: 'Numéro de sécurité sociale : [masked:ssn] — merci ✔', detectors: ['ssn'],
    });
  });
});

describe('ssn detector: leaves alone', () => {
  it.each([
    ['nine bare digits', '123456789'],
    ['area 000', '000-12-3456'],
    ['area 666', '666-12-3456'],
    ['area 9xx (ITINs)', '912-70-1234'],
    ['group 00', '123-00-4567'],
    ['serial 0000', '123-45-0000'],
    ['mixed separators', '123-45 6789'],
    ['a date', '2024-01-02'],
    ['a timestamp', '2024-01-02 10:30:00'],
    ['a phone number', '415-555-2671'],
    ['part of a longer number', '1123-45-6789 and 123-45-67890 and 123-45-6789-1'],
    ['inside an id', 'ORD-123-45-6789 and X123-45-6789'],
    ['a UUID', '550e8400-e29b-41d4-a716-446655440000'],
    ['a price', '$123,456,789.00'],
    ['a version', '1.2.3.4'],
  ])('%s', (_label, text) => {
    expect(found(text)).toEqual([]);
    expect(scanner.mask(text).text).toBe(text);
  });
});
