import { describe, expect, it } from 'vitest';
import { contentScanner, ibanChecksumValid } from '../../../../../broker/masking/detectors/index.js';

const scanner = contentScanner(['iban']);
const found = (text: string): string[] => scanner.scan(text).map((h) => text.slice(h.start, h.end));

describe('ibanChecksumValid (ISO 7064 MOD 97-10)', () => {
  it('checks the whole number, spaces ignored', () => {
    expect(ibanChecksumValid('GB82WEST12345698765432', 0, 22)).toBe(true);
    expect(ibanChecksumValid('DE89 3704 0044 0532 0130 00', 0, 27)).toBe(true);
    expect(ibanChecksumValid('GB82WEST12345698765433', 0, 22)).toBe(false);
    expect(ibanChecksumValid('GB28WEST12345698765432', 0, 22)).toBe(false); // transposed check digits
  });
});

describe('iban detector: finds', () => {
  it.each([
    ['Germany, electronic form', 'DE89370400440532013000'],
    ['Germany, printed in groups of four', 'DE89 3704 0044 0532 0130 00'],
    ['UK, letters in the account number', 'GB82WEST12345698765432'],
    ['France, a letter in the middle', 'FR1420041010050500013M02606'],
    ['Norway, the shortest (15)', 'NO9386011117947'],
    ['Malta, 31 characters', 'MT84MALT011000012345MTLCAST001S'],
    ['Belgium, grouped', 'BE68 5390 0754 7034'],
    ['Switzerland, last group of one', 'CH93 0076 2011 6238 5295 7'],
  ])('%s', (_label, iban) => {
    expect(found(iban)).toEqual([iban]);
  });

  it('embedded in sentences, at the start and at the end, several in one text', () => {
    expect(found('IBAN: DE89 3704 0044 0532 0130 00, BIC COBADEFFXXX.')).toEqual(['DE89 3704 0044 0532 0130 00']);
    expect(found('GB82WEST12345698765432 is the payee')).toEqual(['GB82WEST12345698765432']);
    expect(found('from NL91ABNA0417164300 to ES9121000418450200051332')).toEqual(['NL91ABNA0417164300', 'ES9121000418450200051332']);
  });

  it('masks the number and keeps the surrounding text, unicode included', () => {
    expect(scanner.mask('Überweisung an DE89370400440532013000 ✓ danke')).toEqual({
      text: 'Überweisung an [masked:iban] ✓ danke', detectors: ['iban'],
    });
  });
});

describe('iban detector: leaves alone', () => {
  it.each([
    ['a wrong check digit', 'DE89370400440532013001'],
    ['an unknown country', 'XX89370400440532013000'],
    ['the wrong length for the country', 'DE8937040044053201300'],
    ['a longer alphanumeric run', 'DE89370400440532013000A'],
    ['glued to a word', 'xDE89370400440532013000'],
    ['groups not of four', 'DE89 37040044 0532013000'],
    ['lower case', 'de89370400440532013000'],
    ['check digits 00', 'DE00370400440532013000'],
    ['a product code', 'SKU AB12CD34EF56GH78IJ90'],
    ['a hex id', 'DE12ABCDEF0123456789ABCDEF'],
    ['a UUID', '550e8400-e29b-41d4-a716-446655440000'],
    ['a version', 'v1.2.3.4'],
  ])('%s', (_label, text) => {
    expect(found(text)).toEqual([]);
    expect(scanner.mask(text).text).toBe(text);
  });
});
