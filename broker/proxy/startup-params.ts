/**
 * Which start-up parameters a client may pass on to the database. The broker picks the user,
 * database and role itself; settings that would take the session out from under the rules are
 * refused, whether given directly or inside `options` (`-c name=value` / `--name=value`).
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-STARTUPMESSAGE
 */
import { AirlockError } from '../errors/airlock-error.js';
import { isSafeClientEncoding } from '../protocol/postgres/client-encoding.js';

/** Chosen by the broker, never taken from the client. */
const BROKER_OWNED = new Set(['user', 'database', 'options']);
/** Settings that change who the session is or switch off protections (named in the error). */
const REFUSED = new Set(['role', 'session_authorization', 'session_replication_role', 'is_superuser', 'row_security']);
/**
 * Start-up settings passed on to the database: what drivers send and harmless session
 * settings. Anything else is refused: the broker's own login may hold privileges (e.g.
 * `session_preload_libraries`) that a client must not borrow at start-up.
 */
const ALLOWED = new Set([
  'application_name', 'client_encoding', 'datestyle', 'timezone', 'intervalstyle', 'extra_float_digits',
  'search_path', 'statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout',
  'idle_session_timeout', 'default_transaction_isolation', 'default_transaction_read_only',
  'default_transaction_deferrable', 'bytea_output', 'xmlbinary', 'xmloption', 'lc_messages', 'lc_monetary',
  'lc_numeric', 'lc_time', 'standard_conforming_strings', 'escape_string_warning', 'geqo', 'jit',
  'work_mem', 'maintenance_work_mem', 'temp_buffers', 'enable_seqscan', 'random_page_cost',
  'plan_cache_mode', 'tcp_keepalives_idle', 'tcp_keepalives_interval', 'tcp_keepalives_count',
  'client_min_messages', 'gssencmode', 'array_nulls', 'quote_all_identifiers', 'timezone_abbreviations',
]);

export interface ClientStartup {
  /** Parameters to pass on to the database. */
  readonly forward: Record<string, string>;
  readonly applicationName: string | undefined;
}

export function checkStartupParams(params: ReadonlyMap<string, string>): ClientStartup {
  const replication = params.get('replication');
  if (replication !== undefined && !['false', 'off', 'no', '0'].includes(replication.toLowerCase())) {
    throw new AirlockError('BRK_ERR_REPLICATION_REFUSED');
  }
  const forward: Record<string, string> = {};
  for (const [rawName, value] of params) {
    const name = rawName.toLowerCase();
    if (name === 'replication' || BROKER_OWNED.has(name) || name.startsWith('_pq_.')) continue;
    checkSetting(name, value);
    forward[rawName] = value;
  }
  const options = params.get('options');
  if (options !== undefined && options.trim() !== '') {
    for (const [name, value] of parseOptions(options)) checkSetting(name, value);
    forward.options = options;
  }
  return { forward, applicationName: params.get('application_name') };
}

function checkSetting(name: string, value: string): void {
  if (REFUSED.has(name)) throw new AirlockError('BRK_ERR_STARTUP_OPTION', `${name} cannot be set by the client`);
  if (!ALLOWED.has(name)) throw new AirlockError('BRK_ERR_STARTUP_OPTION', `${name} is not a start-up setting Airlock passes on; SET it after connecting if your rules allow`);
  if (name === 'client_encoding' && !isSafeClientEncoding(value)) {
    throw new AirlockError('BRK_ERR_ENCODING_REFUSED', `client_encoding ${value} can hide quotes inside multibyte characters`);
  }
}

/**
 * Splits `options` the way the server does (whitespace-separated, backslash escapes a space)
 * and accepts only `-c name=value` and `--name=value`; other switches are refused.
 */
export function parseOptions(options: string): [string, string][] {
  const words: string[] = [];
  let cur = '';
  let escaped = false;
  for (const ch of options) {
    if (escaped) {
      cur += ch;
      escaped = false;
    } else if (ch === '\\') escaped = true;
    else if (/\s/.test(ch)) {
      if (cur) words.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) words.push(cur);
  const out: [string, string][] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    let setting: string | undefined;
    if (w === '-c') setting = words[++i];
    else if (w.startsWith('-c')) setting = w.slice(2);
    else if (w.startsWith('--')) setting = w.slice(2);
    const eq = setting?.indexOf('=') ?? -1;
    if (!setting || eq <= 0) throw new AirlockError('BRK_ERR_STARTUP_OPTION', `unsupported option "${w}"`);
    out.push([setting.slice(0, eq).toLowerCase().replace(/-/g, '_'), setting.slice(eq + 1)]);
  }
  return out;
}
