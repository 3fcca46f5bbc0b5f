import { describe, expect, it } from 'vitest';
import { checkStartupParams, parseOptions } from '../../../../broker/proxy/startup-params.js';
import { isLoopback, refusesCleartextToken } from '../../../../broker/proxy/client-connection.js';

const params = (o: Record<string, string>) => new Map(Object.entries(o));

describe('start-up parameters', () => {
  it('passes ordinary settings on and keeps user/database/options for the broker to decide', () => {
    const r = checkStartupParams(params({ user: 'x', database: 'shop', application_name: 'psql', DateStyle: 'ISO', client_encoding: 'UTF8' }));
    expect(r.forward).toEqual({ application_name: 'psql', DateStyle: 'ISO', client_encoding: 'UTF8' });
    expect(r.applicationName).toBe('psql');
  });

  it('refuses role changes directly or inside options, in every spelling', () => {
    for (const p of <Record<string, string>[]>[
      { role: 'postgres' },
      { ROLE: 'postgres' },
      { session_authorization: 'postgres' },
      { options: '-c role=postgres' },
      { options: '-crole=postgres' },
      { options: '--role=postgres' },
      { options: '-c statement_timeout=5 -c session_replication_role=replica' },
      { options: '--session-authorization=postgres' },
    ]) {
      expect(() => checkStartupParams(params(p)), JSON.stringify(p)).toThrow(/cannot be set/);
    }
  });

  it('passes only an allow-list of harmless settings, directly or in options', () => {
    expect(() => checkStartupParams(params({ session_preload_libraries: 'evil' }))).toThrow(/not a start-up setting/);
    expect(() => checkStartupParams(params({ options: '-c log_statement=none' }))).toThrow(/not a start-up setting/);
    expect(checkStartupParams(params({ TimeZone: 'UTC', extra_float_digits: '3', options: '-c search_path=app' })).forward)
      .toEqual({ TimeZone: 'UTC', extra_float_digits: '3', options: '-c search_path=app' });
  });

  it('refuses unknown option switches and unsafe encodings, and replication', () => {
    expect(() => checkStartupParams(params({ options: '-d 5' }))).toThrow(/unsupported option/);
    expect(() => checkStartupParams(params({ client_encoding: 'GBK' }))).toThrow(/client encoding/);
    expect(() => checkStartupParams(params({ replication: 'database' }))).toThrow(/replication/);
    expect(() => checkStartupParams(params({ replication: 'true' }))).toThrow(/replication/);
    expect(checkStartupParams(params({ replication: 'false' })).forward).toEqual({});
  });

  it('splits options as the server does, with backslash-escaped spaces', () => {
    expect(parseOptions('-c search_path=a\\ b   --statement-timeout=5')).toEqual([
      ['search_path', 'a b'],
      ['statement_timeout', '5'],
    ]);
  });
});

describe('loopback detection (cleartext tokens are accepted without TLS only from here)', () => {
  it('knows IPv4, IPv6 and mapped loopback addresses', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLoopback(a), a).toBe(true);
    for (const a of ['10.0.0.1', '::ffff:10.0.0.1', '192.168.1.1', 'fe80::1', undefined]) expect(isLoopback(a), String(a)).toBe(false);
  });
});

describe('cleartext tokens', () => {
  it('are refused from another machine without TLS unless explicitly allowed', () => {
    expect(refusesCleartextToken('10.0.0.7', false, false)).toBe(true);
    expect(refusesCleartextToken('10.0.0.7', true, false)).toBe(false);
    expect(refusesCleartextToken('10.0.0.7', false, true)).toBe(false);
    expect(refusesCleartextToken('127.0.0.1', false, false)).toBe(false);
    expect(refusesCleartextToken(undefined, false, false)).toBe(true);
  });
});
