import { join } from 'node:path';
import { loadConfigFile } from '../config/load.js';
import { verifyJournal } from '../recording/verify-journal.js';
import { JOURNAL_FILE } from '../recording/journal-file-store.js';
import { parseCommandArgs, UsageError } from './usage-error.js';

const HELP = `Usage: airlock audit verify [--dir DIR | --config FILE]

Reads the audit journal (DIR/${JOURNAL_FILE}; default: the demo's .airlock/demo/recordings) and checks
that every record parses, that sequence numbers have no gaps or reordering, and that the file
does not end in a torn record. Names the first record that fails. Exit code 0 when intact.
`;

export async function auditCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    { help: { type: 'boolean', short: 'h' }, dir: { type: 'string' }, config: { type: 'string', short: 'c' } },
    HELP,
  );
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals[0] !== 'verify' || positionals.length > 1) throw new UsageError('expected "audit verify"', HELP);
  if (values.dir && values.config) throw new UsageError('give --dir or --config, not both', HELP);
  let dir = values.dir ?? join('.airlock', 'demo', 'recordings');
  if (values.config) dir = (await loadConfigFile(values.config)).recording.directory;
  const result = await verifyJournal(join(dir, JOURNAL_FILE));
  (result.ok ? process.stdout : process.stderr).write(`${result.text}\n`);
  return result.ok ? 0 : 1;
}
