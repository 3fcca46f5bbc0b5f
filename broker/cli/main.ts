/**
 * `airlock` command line. Each sub-command lives in its own file; this one only dispatches and
 * turns errors into a clear message and an exit code (0 ok, 1 failure, 2 usage).
 */
import { isAirlockError } from '../errors/airlock-error.js';
import { auditCommand } from './audit-command.js';
import { brokerCommand } from './broker-command.js';
import { configCommand } from './config-command.js';
import { connectCommand } from './connect-command.js';
import { tokenCommand } from './token-command.js';
import { UsageError } from './usage-error.js';

export const HELP = `airlock — a checkpoint between AI agents and production databases

Usage:
  airlock broker [--config FILE]        Start the broker. Without --config: the local demo
                                        (embedded PostgreSQL, dev identity provider, demo rules).
  airlock config check FILE             Validate a config file and summarise it (no secrets shown).
  airlock token --dev --user NAME [--groups a,b] [--broker URL]
                                        Print a token from the broker's development identity provider.
  airlock connect CONNECTION            Local forwarder (127.0.0.1) through the broker's WebSocket tunnel.
  airlock audit verify [--dir DIR | --config FILE]
                                        Check the audit journal for gaps, reordering and torn records.
  airlock audit export [--person WHO] [--connection NAME] [--since TIME] [--until TIME] [--out FILE]
                                        The journal as JSON lines for a SIEM, filtered.

Run "airlock COMMAND --help" for the options of one command.
`;

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  broker: brokerCommand,
  config: configCommand,
  token: tokenCommand,
  connect: connectCommand,
  audit: auditCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    const { VERSION } = await import('../version.js');
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`airlock: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  try {
    return await command(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`airlock ${name}: ${e.message}\n\n${e.help}`);
      return 2;
    }
    if (isAirlockError(e)) {
      process.stderr.write(`airlock ${name}: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
      return 1;
    }
    process.stderr.write(`airlock ${name}: ${(e as Error)?.message ?? String(e)}\n`);
    return 1;
  }
}
