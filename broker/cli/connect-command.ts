import { AirlockError } from '../errors/airlock-error.js';
import { checkBrokerUrl, startForwarder, type ForwarderEvent } from '../tunnel/local-forwarder.js';
import { brokerUrl, fetchDevToken } from './dev-token.js';
import { parseCommandArgs, UsageError } from './usage-error.js';

const HELP = `Usage: airlock connect CONNECTION [--port N] [--broker URL] [--token-env NAME | --dev --user NAME [--groups a,b]]

Opens a local PostgreSQL endpoint on 127.0.0.1 that reaches CONNECTION through the broker's
WebSocket tunnel, with your token: database clients connect to it without a password.

  --port N          local port (default: a free one, printed)
  --broker URL      the broker's HTTP address (default: $AIRLOCK_BROKER_URL or http://127.0.0.1:8484)
  --token-env NAME  environment variable holding the OIDC token (default: AIRLOCK_TOKEN), read
                    again for every new connection, so a refreshed token is picked up
  --dev             mint development tokens from the broker's dev provider instead (demo, tests)
  --user NAME       with --dev: whose token
  --groups a,b      with --dev: the groups claim
  --insecure-http   DANGER: allow an http:// broker that is not on this machine (the token
                    would cross the network in cleartext)

Example (CI): AIRLOCK_TOKEN="$CI_JOB_JWT" airlock connect shop-prod --port 15432 --broker https://airlock.example.com
`;

export async function connectCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      help: { type: 'boolean', short: 'h' },
      port: { type: 'string' },
      broker: { type: 'string' },
      'token-env': { type: 'string' },
      dev: { type: 'boolean' },
      user: { type: 'string' },
      groups: { type: 'string' },
      'insecure-http': { type: 'boolean' },
    },
    HELP,
  );
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const connection = positionals[0];
  if (!connection || positionals.length > 1) throw new UsageError('name exactly one CONNECTION', HELP);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be a port number', HELP);
  const broker = brokerUrl(values.broker);
  try {
    checkBrokerUrl(broker, values['insecure-http'] === true);
  } catch (e) {
    throw new UsageError((e as Error).message, HELP);
  }
  const token = tokenSource(values, broker);

  const say = (line: string): boolean => process.stderr.write(`airlock connect: ${line}\n`);
  const f = await startForwarder({
    brokerUrl: broker,
    connection,
    token,
    port,
    allowInsecure: values['insecure-http'] === true,
    onEvent: (e: ForwarderEvent) => {
      if (e.type === 'refused') say(`connection ${e.id} refused: ${e.message}`);
      else say(`connection ${e.id} ${e.type}`);
    },
  }).catch((e: NodeJS.ErrnoException) => {
    throw new AirlockError('BRK_ERR_BAD_REQUEST', `cannot listen on 127.0.0.1:${port} (${e.code ?? e.message})`, { hint: 'Pick another --port, or leave it out for a free one.' });
  });
  process.stdout.write(
    `Forwarding 127.0.0.1:${f.port} → ${connection} via ${broker}\n` +
      `  psql "host=127.0.0.1 port=${f.port} dbname=${connection} user=${process.env.USER ?? 'me'} sslmode=disable"\n` +
      `  DATABASE_URL=postgres://${encodeURIComponent(process.env.USER ?? 'me')}@127.0.0.1:${f.port}/${encodeURIComponent(connection)}?sslmode=disable\n` +
      'Stop with Ctrl-C.\n',
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void f.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}

function tokenSource(values: { 'token-env'?: string | undefined; dev?: boolean | undefined; user?: string | undefined; groups?: string | undefined }, broker: string): () => Promise<string> {
  if (values.dev) {
    const user = values.user;
    if (!user) throw new UsageError('--dev needs --user', HELP);
    const groups = values.groups?.split(',').map((g) => g.trim()).filter(Boolean);
    return () => fetchDevToken(broker, user, groups);
  }
  if (values.user || values.groups) throw new UsageError('--user and --groups go with --dev', HELP);
  const name = values['token-env'] ?? 'AIRLOCK_TOKEN';
  if (!process.env[name]?.trim()) {
    throw new UsageError(`no token: set ${name} to an OIDC token the broker trusts (or use --dev --user NAME with the demo)`, HELP);
  }
  return async () => {
    const t = process.env[name]?.trim();
    if (!t) throw new Error(`${name} is empty`);
    return t;
  };
}
