/**
 * Secrets named by the configuration (`{ env: NAME }` / `{ file: path }`) are resolved once, at
 * load time, into `Secret` objects. The value lives in a private field; every way of printing the
 * object (`String()`, template literals, `JSON.stringify`, `util.inspect`/`console.log`) shows
 * `[secret]`. Only `reveal()` returns it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { inspect } from 'node:util';
import type { Secret, SecretRef } from './types.js';

const REDACTED = '[secret]';

class ResolvedSecret implements Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    Object.freeze(this);
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }

  get [Symbol.toStringTag](): string {
    return 'Secret';
  }
}

/** Wraps a value as a `Secret` (tests, and secrets that do not come from the configuration). */
export function createSecret(value: string): Secret {
  return new ResolvedSecret(value);
}

export function isSecret(v: unknown): v is Secret {
  return v instanceof ResolvedSecret;
}

export interface SecretContext {
  readonly env: NodeJS.ProcessEnv;
  /** Relative `file` references are resolved against this directory. */
  readonly baseDir: string;
}

export type SecretResult = { readonly ok: true; readonly secret: Secret } | { readonly ok: false; readonly problem: string };

/**
 * Resolves one reference. A failure names the variable or file, never a value. A file's content
 * loses one trailing newline (`\n` or `\r\n`), as written by `echo` and most secret mounts.
 */
export function resolveSecret(ref: SecretRef, ctx: SecretContext): SecretResult {
  if ('env' in ref) {
    const value = ctx.env[ref.env];
    if (value === undefined) return { ok: false, problem: `environment variable "${ref.env}" is not set` };
    if (value === '') return { ok: false, problem: `environment variable "${ref.env}" is empty` };
    return { ok: true, secret: createSecret(value) };
  }
  const file = resolve(ctx.baseDir, ref.file);
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (code ?? 'unreadable');
    return { ok: false, problem: `cannot read secret file "${file}" (${why})` };
  }
  const value = content.replace(/\r?\n$/, '');
  if (value === '') return { ok: false, problem: `secret file "${file}" is empty` };
  return { ok: true, secret: createSecret(value) };
}
