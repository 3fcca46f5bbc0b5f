import { checkConfigFile } from '../config/check.js';
import { parseCommandArgs, UsageError } from './usage-error.js';

const HELP = `Usage: airlock config check FILE

Validates FILE (YAML) against the configuration schema, resolves its secrets without printing
them, and prints a summary. Exit code 0 when valid, 1 when not.
`;

export async function configCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { help: { type: 'boolean', short: 'h' } }, HELP);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const [sub, file, ...extra] = positionals;
  if (sub !== 'check' || !file || extra.length) throw new UsageError('expected "config check FILE"', HELP);
  const result = await checkConfigFile(file);
  (result.ok ? process.stdout : process.stderr).write(result.text.endsWith('\n') ? result.text : `${result.text}\n`);
  return result.ok ? 0 : 1;
}
