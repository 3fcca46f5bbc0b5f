import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { expect } from 'vitest';
import { ConfigError } from '../../../../broker/config/errors.js';
import { parseConfig, type ParseOptions } from '../../../../broker/config/load.js';

export const fixturesDir = fileURLToPath(new URL('../../../fixtures/config/', import.meta.url));
export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** A small valid configuration as a plain object, to be modified by each test. */
export function baseConfig(): Record<string, any> {
  return {
    identity: {
      issuers: [{ name: 'corp', issuer: 'https://login.example.com', audience: 'airlock' }],
    },
    connections: {
      'shop-prod': {
        upstream: { host: 'db.internal', database: 'shop', user: 'broker', password: { env: 'SHOP_PW' } },
        allowGroups: ['dba', 'eng'],
      },
    },
  };
}

export const baseEnv = { SHOP_PW: 'pw-value-123' };

export function yamlOf(obj: unknown): string {
  return stringify(obj);
}

/** Parses and expects failure; returns the thrown ConfigError. */
export function failure(text: string, opts: ParseOptions = {}): ConfigError {
  try {
    parseConfig(text, { env: baseEnv, baseDir: fixturesDir, ...opts });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected the configuration to be refused');
}

export function errorsOf(obj: unknown, opts: ParseOptions = {}): readonly string[] {
  return failure(yamlOf(obj), opts).errors;
}
