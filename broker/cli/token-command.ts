import type { ApiError, DevTokenResponse } from '../http/api.js';
import { AirlockError } from '../errors/airlock-error.js';
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
  const broker = (values.broker ?? process.env.AIRLOCK_BROKER_URL ?? 'http://127.0.0.1:8484').replace(/\/+$/, '');
  const groups = values.groups?.split(',').map((g) => g.trim()).filter(Boolean);
  const ttl = values.ttl === undefined ? undefined : Number(values.ttl);
  if (ttl !== undefined && !Number.isInteger(ttl)) throw new UsageError('--ttl must be a whole number of seconds', HELP);
  let res: Response;
  try {
    res = await fetch(`${broker}/v1/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: values.user, ...(groups ? { groups } : {}), ...(ttl ? { ttlSeconds: ttl } : {}) }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (e) {
    throw new AirlockError('BRK_ERR_UPSTREAM_UNREACHABLE', `no broker answers at ${broker} (${(e as Error).message})`, {
      hint: 'Start it with `npm start` (demo) or pass --broker URL.',
    });
  }
  const body = (await res.json().catch(() => ({}))) as Partial<DevTokenResponse & ApiError>;
  if (!res.ok || !body.token) {
    process.stderr.write(`airlock token: ${body.message ?? `broker answered ${res.status}`}\n${body.hint ? `hint: ${body.hint}\n` : ''}`);
    return 1;
  }
  process.stdout.write(`${body.token}\n`);
  return 0;
}
