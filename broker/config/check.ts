/**
 * `airlock config check FILE`: loads the file exactly as the broker would (secrets included) and
 * describes the result in a few lines, or lists every problem. Never prints a secret.
 */
import { isAirlockError } from '../errors/airlock-error.js';
import { loadConfigFile, type LoadOptions } from './load.js';
import type { AirlockConfig } from './types.js';

export async function checkConfigFile(path: string, opts: LoadOptions = {}): Promise<{ ok: boolean; text: string }> {
  try {
    const config = await loadConfigFile(path, opts);
    return { ok: true, text: summarizeConfig(config, path) };
  } catch (e) {
    if (isAirlockError(e)) {
      const hint = e.hint ? `\n${e.hint}` : '';
      return { ok: false, text: `${e.message}${hint}` };
    }
    throw e;
  }
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** A short human description of a loaded configuration; contains no secret values. */
export function summarizeConfig(config: AirlockConfig, fileName?: string): string {
  const lines: string[] = [`${fileName ?? 'configuration'}: OK`];
  const add = (label: string, text: string): void => {
    lines.push(`  ${`${label}:`.padEnd(14)}${text}`);
  };

  const pg = config.listen.postgres;
  const http = config.listen.http;
  add('listen', `postgres ${pg.host}:${pg.port} (${pg.tls ? 'TLS' : 'no TLS'}${pg.allowCleartextWithoutTls ? ', CLEARTEXT TOKENS ALLOWED' : ''}), http ${http.host}:${http.port}`);
  add('public URL', config.publicUrl);

  const issuers = config.identity.issuers;
  add('issuers', issuers.length === 0 ? 'none' : issuers.map((i) => `${i.name} (${i.issuer})`).join(', '));
  const dev = config.identity.devProvider;
  add('dev provider', dev
    ? `ON at ${dev.host}:${dev.port} — ${plural(dev.users.length, 'user')}, ${plural(dev.serviceAccounts.length, 'service account')} (development only)`
    : 'off');

  add('connections', String(config.connections.size));
  for (const c of config.connections.values()) {
    const u = c.upstream;
    lines.push(`    ${c.name} → ${u.user}@${u.host}:${u.port}/${u.database} (tls ${u.tls.mode}${u.password ? ', password set' : ''}); groups: ${c.allowGroups.join(', ')}; default ${c.defaultAction}`);
  }

  const counts = { allow: 0, approve: 0, block: 0 };
  for (const r of config.rules) counts[r.action]++;
  add('rules', `${config.rules.length} (${counts.allow} allow, ${counts.approve} approve, ${counts.block} block)`);

  const rec = config.recording;
  add('recording', `${rec.store === 'file' ? `file in ${rec.directory} (fsync ${rec.fsync})` : 'memory (tests only: nothing survives a restart)'}${rec.recordParameters ? ', parameters recorded' : ''}`);
  return lines.join('\n');
}
