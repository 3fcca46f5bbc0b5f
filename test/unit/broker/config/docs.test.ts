/** The documentation and the example stay in step with the schema. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../broker/config/load.js';
import { configSchema, type JsonSchema } from '../../../../broker/config/schema.js';
import { fixturesDir, repoRoot } from './helpers.js';

const docs = readFileSync(join(repoRoot, 'docs/configuration.md'), 'utf8');
const example = readFileSync(join(repoRoot, 'examples/airlock.yaml'), 'utf8');

interface KeyInfo { path: string; schema: JsonSchema }

/** Every documented key path: `listen.postgres.port`, `identity.issuers[].name`, `connections.<name>.upstream.host`. */
function keys(schema: JsonSchema, prefix = ''): KeyInfo[] {
  const out: KeyInfo[] = [];
  if (typeof schema.$ref === 'string') return out;
  const props = schema.properties as Record<string, JsonSchema> | undefined;
  if (props) {
    for (const [k, s] of Object.entries(props)) {
      const path = prefix ? `${prefix}.${k}` : k;
      out.push({ path, schema: s }, ...keys(s, path));
    }
  }
  if (typeof schema.additionalProperties === 'object' && schema.additionalProperties !== null) {
    out.push(...keys(schema.additionalProperties as JsonSchema, `${prefix}.<name>`));
  }
  if (schema.type === 'array' && typeof schema.items === 'object') out.push(...keys(schema.items as JsonSchema, `${prefix}[]`));
  return out;
}

const allKeys = keys(configSchema);

describe('schema', () => {
  it('has a description on every property and closes every object', () => {
    expect(allKeys.length).toBeGreaterThan(80);
    for (const { path, schema } of allKeys) {
      expect(typeof schema.description, path).toBe('string');
      if (schema.type === 'object' && schema.properties) expect(schema.additionalProperties, path).toBe(false);
    }
  });
});

describe('docs/configuration.md', () => {
  it('documents every key', () => {
    const missing = allKeys.map((k) => k.path).filter((p) => !docs.includes(`| \`${p}\` |`));
    expect(missing).toEqual([]);
  });

  it('shows the schema default of every key that has a scalar or list default', () => {
    for (const { path, schema } of allKeys) {
      const def = schema.default;
      if (def === undefined || typeof def === 'object' && !Array.isArray(def)) continue;
      const row = docs.split('\n').find((l) => l.startsWith(`| \`${path}\` |`));
      expect(row, path).toBeDefined();
      const defaultCell = row!.split(' | ')[2]!;
      const values = Array.isArray(def) ? def.filter((v) => typeof v !== 'object') : [def];
      for (const v of values) expect(defaultCell, path).toContain(String(v));
    }
  });

  it('embeds examples/airlock.yaml verbatim as the complete example', () => {
    const section = docs.slice(docs.indexOf('## Complete example'));
    const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block).toBe(example);
  });

  it('has a minimal example that loads', () => {
    const block = /This is a minimal working file:\s*```yaml\n([\s\S]*?)```/.exec(docs)?.[1];
    expect(block).toBeDefined();
    const cfg = parseConfig(block!, { env: { SHOP_DB_PASSWORD: 'x' } });
    expect(cfg.connections.has('shop')).toBe(true);
  });
});

describe('examples/airlock.yaml', () => {
  it('loads, with the environment variables and secret file it needs', () => {
    const cfg = parseConfig(example, { env: { SHOP_DB_PASSWORD: 'shop-password', AIRLOCK_WEBHOOK_URL: 'https://hooks.example.com/airlock', AIRLOCK_WEBHOOK_SECRET: 'k', SLACK_DBA_WEBHOOK_URL: 'https://hooks.slack.com/services/x', AIRLOCK_PAGE_CLIENT_SECRET: 'p' }, baseDir: fixturesDir, fileName: 'examples/airlock.yaml' });
    expect([...cfg.connections.keys()]).toEqual(['shop-prod', 'analytics']);
    expect(cfg.connections.get('shop-prod')?.upstream.password?.reveal()).toBe('shop-password');
    expect(cfg.connections.get('analytics')?.upstream.password?.reveal()).toBe('analytics-password');
    expect(cfg.connections.get('analytics')?.upstream.tls.mode).toBe('require');
    expect(cfg.identity.issuers.map((i) => i.name)).toEqual(['corp', 'ci']);
    expect(cfg.identity.issuers[1]?.audience).toEqual(['airlock', 'https://airlock.example.com']);
    expect(cfg.identity.devProvider).toBeUndefined();
    expect(cfg.rules.length).toBe(11);
    expect(cfg.approvals.notify.map((t) => t.name)).toEqual(['audit-hook', 'slack-dba']);
    expect(cfg.publicUrl).toBe('https://airlock.example.com');
    expect(cfg.listen.postgres.tls?.certFile).toBe(join(fixturesDir, 'tls/broker.crt'));
  });

  it('fails without its password variable, naming it', () => {
    expect(() => parseConfig(example, { env: {}, baseDir: fixturesDir })).toThrow(/SHOP_DB_PASSWORD/);
  });
});
