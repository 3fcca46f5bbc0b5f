import { describe, expect, it } from 'vitest';
import { ERRORS } from '../../../../broker/errors/registry.js';
import { AirlockError, publicMessage } from '../../../../broker/errors/airlock-error.js';

describe('error registry', () => {
  it('has unique messages, so every error is recognisable from its text', () => {
    const messages = Object.values(ERRORS).map((e) => e.message);
    const dupes = messages.filter((m, i) => messages.indexOf(m) !== i);
    expect(dupes).toEqual([]);
  });

  it('uses only real SQLSTATE shapes and HTTP error statuses', () => {
    for (const [code, def] of Object.entries(ERRORS)) {
      expect(def.sqlState, code).toMatch(/^[0-9A-Z]{5}$/);
      expect(def.status, code).toBeGreaterThanOrEqual(400);
      expect(def.status, code).toBeLessThan(600);
    }
  });

  it('carries code, status, SQLSTATE, hint and cause', () => {
    const cause = new Error('boom');
    const e = new AirlockError('BRK_ERR_TOKEN_EXPIRED', 'exp was 5 minutes ago', { cause });
    expect(e.code).toBe('BRK_ERR_TOKEN_EXPIRED');
    expect(e.statusCode).toBe(401);
    expect(e.sqlState).toBe('28P01');
    expect(e.message).toBe('the token has expired: exp was 5 minutes ago');
    expect(e.hint).toMatch(/fresh token/);
    expect(e.cause).toBe(cause);
  });

  it('never exposes the message of a foreign error', () => {
    expect(publicMessage(new Error('password=hunter2'))).toBe('internal error');
  });
});
