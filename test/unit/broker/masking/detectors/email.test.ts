import { describe, expect, it } from 'vitest';
import { contentScanner } from '../../../../../broker/masking/detectors/index.js';

const scanner = contentScanner(['email']);
const found = (text: string): string[] => scanner.scan(text).map((h) => text.slice(h.start, h.end));

describe('email detector: finds', () => {
  it.each([
    ['a plain address', 'ada@example.com'],
    ['dots, plus and dash in the local part', 'ada.lovelace+news-2024@example.com'],
    ['underscore and percent', 'first_last%dept@example.org'],
    ['a subdomain and a country TLD', 'ops@mail.eu-west.example.co.uk'],
    ['digits and hyphens in the domain', 'x@123-go.example.io'],
    ['upper case', 'Ada.Lovelace@Example.COM'],
    ['a long TLD', 'hello@studio.photography'],
  ])('%s', (_label, address) => {
    expect(found(address)).toEqual([address]);
  });

  it('embedded in sentences, at the start and at the end, without the final dot', () => {
    expect(found('Write to ada@example.com.')).toEqual(['ada@example.com']);
    expect(found('ada@example.com wrote: hi')).toEqual(['ada@example.com']);
    expect(found('contact: <ada@example.com>')).toEqual(['ada@example.com']);
    expect(found('mailto:ada@example.com?subject=hi')).toEqual(['ada@example.com']);
    expect(found(`'ada@example.com'`)).toEqual(['ada@example.com']);
  });

  it('several in one text', () => {
    expect(found('to: a@example.com, b.c@example.org;d+e@example.net')).toEqual(['a@example.com', 'b.c@example.org', 'd+e@example.net']);
    expect(found('["a@example.com","b@example.com"]')).toEqual(['a@example.com', 'b@example.com']);
  });

  it('masks the address and keeps the surrounding text, unicode included', () => {
    expect(scanner.mask('Écrivez à ada@example.com 📧 — merci')).toEqual({
      text: 'Écrivez à [masked:email] 📧 — merci', detectors: ['email'],
    });
  });
});

describe('email detector: leaves alone', () => {
  it.each([
    ['a host without a dot', 'user@localhost'],
    ['a one-letter TLD', 'a@b.c'],
    ['a numeric TLD (IP address)', 'root@10.0.0.1'],
    ['an npm package version', 'lodash@4.17.21'],
    ['a scoped package', '@types/node@20.1.0'],
    ['a handle', 'ping @ada on chat'],
    ['an image digest', 'postgres@sha256:9f86d081884c7d65'],
    ['no local part', '@example.com'],
    ['no domain', 'ada@'],
    ['an empty label', 'ada@example..com'],
    ['a label starting with a dash', 'ada@-example.com'],
    ['a double at', 'ada@@example.com'],
    ['a version string', 'v1.2.3.4'],
  ])('%s', (_label, text) => {
    expect(found(text)).toEqual([]);
    expect(scanner.mask(text).text).toBe(text);
  });
});
