import { describe, expect, it } from 'vitest';
import { contentScanner } from '../../../../../broker/masking/detectors/index.js';

const scanner = contentScanner(['jwt']);
const found = (text: string): string[] => scanner.scan(text).map((h) => text.slice(h.start, h.end));

const b64 = (s: string): string => Buffer.from(s).toString('base64url');
const SIG = 'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
const HS256 = `${b64('{"alg":"HS256","typ":"JWT"}')}.${b64('{"sub":"1234567890","name":"Ada"}')}.${SIG}`;
/** RFC 7519 §3.1's example: its header has a CRLF and a space, yet still starts with `eyJ`. */
const RFC_EXAMPLE = 'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9'
  + '.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ'
  + '.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
/** A header that does not start with `{"`: found by decoding it. */
const SPACED_HEADER = `${b64('{ "alg": "RS256" }')}.${b64('{"sub":"x"}')}.${SIG}`;
/** Unsecured JWT (RFC 7519 §6): empty signature. */
const UNSECURED = `${b64('{"alg":"none"}')}.${b64('{"sub":"1234567890","admin":true}')}.`;
/** JWE compact serialization: five segments (RFC 7516 §7.1). */
const JWE = `${b64('{"alg":"RSA-OAEP","enc":"A256GCM"}')}.OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyKOMTYUmKoTCVJRgckCL9kiMT03JGe.48V1_ALb6US04U3b.5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6ji.XFBoMYUZodetZdvTiFvSkQ`;

describe('jwt detector: finds', () => {
  it.each([
    ['an HS256 token', HS256],
    ['the RFC 7519 example', RFC_EXAMPLE],
    ['a header not starting with eyJ, decoded', SPACED_HEADER],
    ['an unsecured token with an empty signature', UNSECURED],
    ['an encrypted token (five segments)', JWE],
  ])('%s', (_label, token) => {
    expect(found(token)).toEqual([token]);
  });

  it('embedded in sentences, at the start and at the end (without the final dot)', () => {
    expect(found(`Authorization: Bearer ${HS256}`)).toEqual([HS256]);
    expect(found(`${HS256} expired`)).toEqual([HS256]);
    expect(found(`the token was ${HS256}.`)).toEqual([HS256]);
    expect(found(`https://app.example.com/callback?id_token=${HS256}&state=xyz`)).toEqual([HS256]);
    expect(found(`{"access_token":"${RFC_EXAMPLE}"}`)).toEqual([RFC_EXAMPLE]);
  });

  it('with an eyJ header, the whole dotted name it is part of', () => {
    expect(found(`session.${HS256} ok`)).toEqual([`session.${HS256}`]);
    expect(found(`${HS256}.extra`)).toEqual([`${HS256}.extra`]);
  });

  it('several in one text', () => {
    expect(found(`old=${HS256}, new=${RFC_EXAMPLE}`)).toEqual([HS256, RFC_EXAMPLE]);
  });

  it('masks the token and keeps the surrounding text, unicode included', () => {
    expect(scanner.mask(`jeton « ${HS256} » 🔑`)).toEqual({ text: 'jeton « [masked:jwt] » 🔑', detectors: ['jwt'] });
  });
});

describe('jwt detector: leaves alone', () => {
  it.each([
    ['a host name', 'api.example.com'],
    ['a long host name', 'www.a-very-long-subdomain-name.example.com'],
    ['a long three-part dotted name that is not base64 JSON', 'someverylongsegmentname.anotherlongsegment.third'],
    ['a short eyJ token', 'eyJhbGciOi.eyJz.abc'],
    ['a JSON header without alg', `${b64('{ "typ": "JWT" }')}.${b64('{"sub":"1234567890"}')}.${SIG}`],
    ['four long dotted parts', 'someverylongsegmentname.anotherlongsegment.third.fourth'],
    ['a later part of a dotted name', `prefix.${SPACED_HEADER}`],
    ['a file name', 'backup-2024-01-02.tar.gz'],
    ['a Java class', 'com.example.application.MainActivity'],
    ['a version', '1.2.3.4'],
    ['an IP address', '192.168.100.200'],
    ['a sentence with dots', 'Done. Shipped. Invoiced. Closed.'],
  ])('%s', (_label, text) => {
    expect(found(text)).toEqual([]);
    expect(scanner.mask(text).text).toBe(text);
  });
});
