import { brokerUrl, DevTokenRefused, fetchDevToken } from './dev-token.js';
import { parseCommandArgs, UsageError } from './usage-error.js';

const HELP = `Usage: airlock token --dev --user NAME [--groups a,b] [--ttl SECONDS] [--broker URL]

Prints a token (for the Postgres password or an API bearer) minted by the running broker's
development identity provider. Refused when the broker does not run that provider.

  --dev           required: only development tokens can be minted here
  --user NAME     subject of the token (e.g. alice)
  --groups a,b    groups claim (default: the user's configured groups)
  --ttl SECONDS   lifetime (default: devProvider.tokenTtlSeconds)
  --broker URL    the broker's HTTP address (default: $AIRLOCK_BROKER_URL or http://127.0.0.1:8484)
`;

export async function tokenCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    args,
    {
      help: { type: 'boolean', short: 'h' },
      dev: { type: 'boolean' },
      user: { type: 'string' },
      groups: { type: 'string' },
      ttl: { type: 'string' },
      broker: { type: 'string' },
    },
    HELP,
    false,
  );
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!values.dev) throw new UsageError('only --dev tokens can be minted by the CLI; sign in with your identity provider otherwise', HELP);
  if (!values.user) throw new UsageError('--user is required', HELP);
  const broker = brokerUrl(values.broker);
  const groups = values.groups?.split(',').map((g) => g.trim()).filter(Boolean);
  const ttl = values.ttl === undefined ? undefined : Number(values.ttl);
  if (ttl !== undefined && !Number.isInteger(ttl)) throw new UsageError('--ttl must be a whole number of seconds', HELP);
  try {
    process.stdout.write(`${await fetchDevToken(broker, values.user, groups, ttl)}\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof DevTokenRefused)) throw e;
    process.stderr.write(`airlock token: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
    return 1;
  }
}
