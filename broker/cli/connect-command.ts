import { parseCommandArgs } from './usage-error.js';

const HELP = `Usage: airlock connect CONNECTION

Opens a local forwarder to CONNECTION through the broker's WebSocket tunnel. Not available in
this version yet: connect straight to the broker's PostgreSQL port with the connection name as
the database and a token as the password (see README).
`;

export async function connectCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, { help: { type: 'boolean', short: 'h' } }, HELP);
  process.stdout.write(HELP);
  return values.help ? 0 : 2;
}
