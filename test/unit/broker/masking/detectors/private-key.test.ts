import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contentScanner } from '../../../../../broker/masking/detectors/index.js';

const scanner = contentScanner(['private-key']);
const found = (text: string): string[] => scanner.scan(text).map((h) => text.slice(h.start, h.end));

// Keys are generated here rather than committed: no key material in the repository.
const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
const RSA_PKCS1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString().trim();
const PKCS8 = ed.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().trim();
const EC_SEC1 = ec.privateKey.export({ type: 'sec1', format: 'pem' }).toString().trim();
const ENCRYPTED = ec.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'not-a-secret' }).toString().trim();
const BODY = 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW';
const OPENSSH = ['-----BEGIN OPENSSH', ' PRIVATE KEY-----\n', BODY, '\n-----END OPENSSH', ' PRIVATE KEY-----'].join('');
const PGP = ['-----BEGIN PGP', ' PRIVATE KEY BLOCK-----\n\n', BODY, '\n-----END PGP', ' PRIVATE KEY BLOCK-----'].join('');
const SPKI = ed.publicKey.export({ type: 'spki', format: 'pem' }).toString().trim();
const RSA_PUBLIC = rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString().trim();

describe('private-key detector: finds', () => {
  it('fixtures have the expected armour', () => {
    expect(RSA_PKCS1).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(PKCS8).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(EC_SEC1).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    expect(ENCRYPTED).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
  });

  it.each([
    ['an RSA key (PKCS #1)', RSA_PKCS1],
    ['a PKCS #8 key', PKCS8],
    ['an EC key (SEC 1)', EC_SEC1],
    ['an encrypted PKCS #8 key', ENCRYPTED],
    ['an OpenSSH key', OPENSSH],
    ['a PGP secret key block', PGP],
  ])('%s, whole block', (_label, pem) => {
    expect(found(pem)).toEqual([pem]);
    expect(scanner.mask(`key:\n${pem}\nend of file`).text).toBe('key:\n[masked:private-key]\nend of file');
  });

  it('with escaped newlines, as in JSON', () => {
    const json = JSON.stringify({ private_key: PKCS8, client_email: 'x' });
    expect(found(json)).toEqual([JSON.stringify(PKCS8).slice(1, -1)]);
  });

  it('an unterminated block up to the end of the text', () => {
    const truncated = RSA_PKCS1.slice(0, 200);
    expect(found(`id_rsa: ${truncated}`)).toEqual([truncated]);
    expect(scanner.mask(`id_rsa: ${truncated}`).text).toBe('id_rsa: [masked:private-key]');
  });

  it('several in one text, public keys in between left alone', () => {
    expect(found(`${PKCS8}\n${SPKI}\n${EC_SEC1}`)).toEqual([PKCS8, EC_SEC1]);
  });

  it('keeps unicode around a hit intact', () => {
    expect(scanner.mask(`clé privée 🔑\n${PKCS8}\n— fin ✓`).text).toBe('clé privée 🔑\n[masked:private-key]\n— fin ✓');
  });
});

describe('private-key detector: leaves alone', () => {
  it.each([
    ['a public key', SPKI],
    ['an RSA public key', RSA_PUBLIC],
    ['a certificate', '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----'],
    ['a certificate request', '-----BEGIN CERTIFICATE REQUEST-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE REQUEST-----'],
    ['a mention of private keys', 'never paste a PRIVATE KEY into a ticket ----------'],
    ['a malformed armour line', '----- BEGIN PRIVATE KEY -----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC'],
    ['a markdown rule', 'Section\n-----------------------------------\nText'],
    ['an END line alone', '-----END PRIVATE KEY----- and some more text here'],
  ])('%s', (_label, text) => {
    expect(found(text)).toEqual([]);
    expect(scanner.mask(text).text).toBe(text);
  });
});
