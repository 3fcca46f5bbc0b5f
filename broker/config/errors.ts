/** The error thrown for a configuration that cannot be used: every problem, one per line. */
import { AirlockError } from '../errors/airlock-error.js';

export type ConfigErrorCode = 'BRK_ERR_CONFIG_INVALID' | 'BRK_ERR_CONFIG_SECRET_MISSING' | 'BRK_ERR_CONFIG_READ';

export class ConfigError extends AirlockError {
  /** Each problem as `key.path: what is wrong — how to fix it`, optionally followed by `(line N)`. */
  readonly errors: readonly string[];

  constructor(code: ConfigErrorCode, errors: readonly string[], fileName?: string, options?: { cause?: unknown }) {
    const where = fileName ? ` in ${fileName}` : '';
    const head = errors.length === 1 ? `1 problem${where}` : `${errors.length} problems${where}`;
    super(code, `${head}:\n${errors.map((e) => `  - ${e}`).join('\n')}`, {
      ...(options?.cause === undefined ? {} : { cause: options.cause }),
      hint: 'Fix the entries listed, then run `airlock config check FILE` again; docs/configuration.md describes every key.',
    });
    this.errors = Object.freeze([...errors]);
  }
}

export function isConfigError(e: unknown): e is ConfigError {
  return e instanceof ConfigError;
}
