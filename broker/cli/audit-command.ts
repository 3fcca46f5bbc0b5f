import { createWriteStream, existsSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { exportJournal, filterRecords } from '../recording/export-journal.js';
import type { StoreConfig } from '../config/types.js';
import { loadConfigFile } from '../config/load.js';
import { verifyJournal } from '../recording/verify-journal.js';
import { openSharedRecords, verifySharedStore } from '../store/postgres/verify-shared.js';
import { JOURNAL_FILE } from '../recording/journal-file-store.js';
import { parseCommandArgs, UsageError } from './usage-error.js';

const HELP = `Usage: airlock audit verify [--dir DIR | --config FILE]
       airlock audit export [--dir DIR | --config FILE] [--person WHO] [--connection NAME]
                            [--since TIME] [--until TIME] [--out FILE]

The audit journal is DIR/${JOURNAL_FILE} (default: the demo's .airlock/demo/recordings).

verify  checks the hash chain (with a --config whose store is postgres: every broker's chain in
        the shared store, and this broker's journal against the store's copy, which also finds a
        journal whose newest records were cut off): every record parses, sequence numbers have no gaps or
        reordering, and each record's hash matches its bytes and the record before it, so an
        edited, deleted or moved record is found. Names the first record that fails. Torn
        records from a crash pass only where the broker accounted for them. Prints the head
        (newest sequence number and hash) to anchor elsewhere. Exit code 0 when intact.
export  writes the records as JSON lines (with a --config whose store is postgres: every
        broker's records from the shared store, each with its broker's name) (to stdout, or --out FILE) for a SIEM, filtered by
        person (subject or email), connection and time (ISO 8601, since inclusive, until
        exclusive). The journal is only read.
`;

export async function auditCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      help: { type: 'boolean', short: 'h' },
      dir: { type: 'string' },
      config: { type: 'string', short: 'c' },
      person: { type: 'string' },
      connection: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      out: { type: 'string' },
    },
    HELP,
  );
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const sub = positionals[0];
  if ((sub !== 'verify' && sub !== 'export') || positionals.length > 1) throw new UsageError('expected "audit verify" or "audit export"', HELP);
  if (values.dir && values.config) throw new UsageError('give --dir or --config, not both', HELP);
  let dir = values.dir ?? join('.airlock', 'demo', 'recordings');
  const config = values.config ? await loadConfigFile(values.config) : undefined;
  if (config) dir = config.recording.directory;
  const path = join(dir, JOURNAL_FILE);
  if (sub === 'export') return exportCommand(config?.store.type === 'postgres' ? config.store : path, values);
  for (const k of ['person', 'connection', 'since', 'until', 'out'] as const) if (values[k] !== undefined) throw new UsageError(`--${k} goes with "audit export"`, HELP);
  const results = config?.store.type === 'postgres' ? await verifySharedStore(config.store, path) : [await verifyJournal(path)];
  for (const r of results) (r.ok ? process.stdout : process.stderr).write(`${r.text}\n`);
  return results.every((r) => r.ok) ? 0 : 1;
}

async function exportCommand(source: string | StoreConfig, v: { person?: string | undefined; connection?: string | undefined; since?: string | undefined; until?: string | undefined; out?: string | undefined }): Promise<number> {
  const time = (flag: string, value: string | undefined): string | undefined => {
    if (value === undefined) return undefined;
    const d = new Date(value);
    if (Number.isNaN(d.getTime())) throw new UsageError(`--${flag} must be a time (ISO 8601, e.g. 2026-11-22T08:00:00Z)`, HELP);
    return d.toISOString();
  };
  if (typeof source === 'string' && !existsSync(source)) {
    process.stderr.write(`airlock audit export: no journal at ${source}\n`);
    return 1;
  }
  const filter = {
    ...(v.person ? { person: v.person } : {}),
    ...(v.connection ? { connection: v.connection } : {}),
    ...(v.since ? { since: time('since', v.since)! } : {}),
    ...(v.until ? { until: time('until', v.until)! } : {}),
  };
  const out = v.out ? createWriteStream(v.out, { flags: 'w', mode: 0o600 }) : process.stdout;
  let n = 0;
  const shared = typeof source === 'string' ? undefined : await openSharedRecords(source);
  try {
    for await (const r of shared ? filterRecords(shared.records, filter) : exportJournal(source as string, filter)) {
      if (!out.write(`${JSON.stringify(r)}\n`)) await once(out, 'drain');
      n++;
    }
  } finally {
    await shared?.close();
  }
  if (v.out) await new Promise<void>((resolve, reject) => (out as ReturnType<typeof createWriteStream>).end((e?: Error | null) => (e ? reject(e) : resolve())));
  process.stderr.write(`airlock audit export: ${n} record(s)\n`);
  return 0;
}
