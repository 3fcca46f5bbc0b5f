import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Wrong arguments: the CLI prints the message and the command's help, exit code 2. */
export class UsageError extends Error {
  constructor(message: string, readonly help: string) {
    super(message);
  }
}

/** `parseArgs` with its errors turned into usage errors carrying the command's help. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, help: string, allowPositionals = true) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message, help);
  }
}
