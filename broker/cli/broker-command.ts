import { loadConfigFile } from '../config/load.js';
import { startBroker, type RunningBroker } from '../broker.js';
import { createLogger, type LogLevel } from '../log.js';
import { parseCommandArgs, UsageError } from './usage-error.js';

const HELP = `Usage: airlock broker [--config FILE] [--log-level debug|info|warn|error]

Starts the broker. With --config, runs the configuration in FILE (see README, "Configuration").
Without it, starts the local demo: an embedded PostgreSQL with a demo shop, the development
identity provider with demo users, demo rules, and prints a ready-to-paste psql command.
Stops cleanly on Ctrl-C (SIGINT) or SIGTERM.
`;

export async function brokerCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    args,
    { help: { type: 'boolean', short: 'h' }, config: { type: 'string', short: 'c' }, 'log-level': { type: 'string' } },
    HELP,
    false,
  );
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const level = (values['log-level'] ?? 'info') as LogLevel;
  if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new UsageError(`unknown log level "${level}"`, HELP);
  const log = createLogger(level);
  let broker: RunningBroker;
  let stopExtra: () => Promise<void> = async () => {};
  if (values.config) {
    const config = await loadConfigFile(values.config);
    broker = await startBroker(config, { log });
    process.stdout.write(`airlock broker ready postgres=${broker.postgres.host}:${broker.postgres.port} http=${broker.httpUrl}${broker.devProvider ? ` idp=${broker.devProvider.issuer}` : ''}\n`);
  } else {
    const { startDemo } = await import('../demo/demo.js');
    const demo = await startDemo(log);
    broker = demo.broker;
    stopExtra = demo.stop;
  }
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stderr.write('airlock: shutting down\n');
  await broker.close();
  await stopExtra();
  return 0;
}
