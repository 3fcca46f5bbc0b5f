/** Assertion shared by the codec tests: `fn` must throw a ProtocolError with `code`. */
import { expect } from 'vitest';
import { ProtocolError } from '../../broker/protocol/postgres/protocol-error.js';

export function expectProtocolError(fn: () => unknown, code: ProtocolError['code']): ProtocolError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ProtocolError);
  expect((caught as ProtocolError).code).toBe(code);
  return caught as ProtocolError;
}
