/**
 * Reads the YAML configuration: parse → schema (defaults applied) → cross-field checks →
 * secrets and relative paths resolved → deep-frozen `AirlockConfig`.
 *
 * Problems are collected, not thrown one at a time: the error lists every one, each naming the
 * key path, what is wrong and how to fix it, plus the line in the file when it is known.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { hostname } from 'node:os';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { AirlockError } from '../errors/airlock-error.js';
import { ConfigError } from './errors.js';
import { resolveSecret } from './secrets.js';
import type { MaskingConfig, MaskingRuleConfig } from '../masking/types.js';
import type {
  ApprovalsConfig,
  NotifyTarget,
  ReviewersConfig,
  RuleApprovalConfig,
  AirlockConfig, ConnectionConfig, DevProviderConfig, IssuerConfig, RuleConfig, RuleMatch, Secret, SecretRef, StoreConfig,
} from './types.js';
import { crossCheck, formatPath, validateSchema, type PathSegment, type Problem } from './validate.js';

export interface ParseOptions {
  /** Where `{ env: NAME }` secrets are looked up. Default: `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Directory relative paths are resolved against. Default: the current directory. */
  readonly baseDir?: string;
  /** Shown in error messages. */
  readonly fileName?: string;
}

export interface LoadOptions {
  readonly env?: NodeJS.ProcessEnv;
}

export async function loadConfigFile(path: string, opts: LoadOptions = {}): Promise<AirlockConfig> {
  const absolute = resolve(path);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (code ?? 'unreadable');
    throw new AirlockError('BRK_ERR_CONFIG_READ', `${path} (${why})`, { cause: e });
  }
  return parseConfig(text, { ...(opts.env ? { env: opts.env } : {}), baseDir: dirname(absolute), fileName: path });
}

export function parseConfig(yamlText: string, opts: ParseOptions = {}): AirlockConfig {
  const env = opts.env ?? process.env;
  const baseDir = resolve(opts.baseDir ?? process.cwd());
  const fileName = opts.fileName;

  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError('BRK_ERR_CONFIG_INVALID', doc.errors.map((e) => {
      const { line, col } = lineCounter.linePos(e.pos[0]);
      return `line ${line}, column ${col}: ${e.message.split('\n')[0]} (YAML syntax)`;
    }), fileName);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new ConfigError('BRK_ERR_CONFIG_INVALID', [`the YAML cannot be read: ${e instanceof Error ? e.message : String(e)}`], fileName);
  }
  if (data === null || data === undefined) {
    throw new ConfigError('BRK_ERR_CONFIG_INVALID', ['the file is empty — start from examples/airlock.yaml'], fileName);
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError('BRK_ERR_CONFIG_INVALID', ['the top level must be a mapping of keys (listen, identity, connections, …)'], fileName);
  }

  const problems = [...validateSchema(data), ...crossCheck(data)];
  if (problems.length > 0) {
    throw new ConfigError('BRK_ERR_CONFIG_INVALID', renderAll(problems, doc, lineCounter), fileName);
  }

  const secretProblems: Problem[] = [];
  const secret = (ref: SecretRef, path: PathSegment[]): Secret | undefined => {
    const r = resolveSecret(ref, { env, baseDir });
    if (r.ok) return r.secret;
    secretProblems.push({ path, message: r.problem });
    return undefined;
  };
  const config = build(data as RawConfig, baseDir, secret);
  if (secretProblems.length > 0) {
    throw new ConfigError('BRK_ERR_CONFIG_SECRET_MISSING', renderAll(secretProblems, doc, lineCounter), fileName);
  }
  return config;
}

// ---------------------------------------------------------------------------------------------
// Error rendering

/** One line per problem, in file order (problems without a line first), duplicates dropped. */
function renderAll(problems: readonly Problem[], doc: Document, lc: LineCounter): string[] {
  const rendered = problems.map((p) => {
    const line = locate(p, doc, lc);
    return { line: line ?? 0, text: `${formatPath(p.path)}: ${p.message}${line === undefined ? '' : ` (line ${line})`}` };
  });
  rendered.sort((a, b) => a.line - b.line);
  return [...new Set(rendered.map((r) => r.text))];
}

/** Line of the node at `p.path` (or of the key, or of the nearest ancestor present in the file). */
function locate(p: Problem, doc: Document, lc: LineCounter): number | undefined {
  if (p.atKey && p.path.length > 0) {
    const parent = p.path.length === 1 ? doc.contents : doc.getIn(p.path.slice(0, -1), true);
    const key = p.path[p.path.length - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((it) => isScalar(it.key) && String(it.key.value) === String(key));
      const offset = isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
      if (offset !== undefined) return lc.linePos(offset).line;
    }
  }
  for (let n = p.path.length; n >= 1; n--) {
    const node = doc.getIn(p.path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    const offset = node?.range?.[0];
    if (offset !== undefined) return lc.linePos(offset).line;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Building the typed, frozen configuration from validated data (every default already applied)

interface RawListen { host: string; port: number }
interface RawConfig {
  listen: {
    postgres: RawListen & { tls?: { certFile: string; keyFile: string }; allowCleartextWithoutTls: boolean; maxMessageBytes: number };
    http: RawListen;
  };
  publicUrl?: string;
  identity: {
    issuers: (Omit<IssuerConfig, 'audience'> & { audience: string | string[] })[];
    devProvider?: Omit<DevProviderConfig, 'serviceAccounts'> & {
      serviceAccounts: { clientId: string; secret: SecretRef; groups: string[] }[];
    };
  };
  connections: Record<string, Omit<ConnectionConfig, 'name' | 'upstream'> & {
    upstream: Omit<ConnectionConfig['upstream'], 'password'> & { password?: SecretRef };
  }>;
  rules: RuleConfig[];
  approvals: Omit<ApprovalsConfig, 'notify' | 'reviewers' | 'access' | 'page'> & {
    page: Omit<ApprovalsConfig['page'], 'clientSecret'> & { clientSecret?: SecretRef };
    reviewers?: ReviewersConfig;
    notify: (Omit<NotifyTarget, 'url' | 'secret'> & { url: SecretRef; secret?: SecretRef })[];
    access: Omit<ApprovalsConfig['access'], 'reviewers'> & { reviewers?: ReviewersConfig };
  };
  masking: { salt?: SecretRef; rules: MaskingRuleConfig[] };
  recording: AirlockConfig['recording'];
  store: { type: StoreConfig['type']; url?: SecretRef; schema: string; brokerName?: string };
  analysis: AirlockConfig['analysis'];
}

type SecretResolver = (ref: SecretRef, path: PathSegment[]) => Secret | undefined;

function build(raw: RawConfig, baseDir: string, secret: SecretResolver): AirlockConfig {
  const file = (p: string): string => resolve(baseDir, p);
  const { postgres, http } = raw.listen;

  const dev = raw.identity.devProvider;
  let devProvider: DevProviderConfig | undefined;
  if (dev && dev.enabled) {
    devProvider = {
      enabled: true,
      host: dev.host,
      port: dev.port,
      audience: dev.audience,
      tokenTtlSeconds: dev.tokenTtlSeconds,
      users: dev.users.map((u) => ({ name: u.name, email: u.email, groups: [...u.groups] })),
      serviceAccounts: dev.serviceAccounts.map((s, i) => ({
        clientId: s.clientId,
        // A missing secret is reported through `secret`; the placeholder never escapes.
        secret: secret(s.secret, ['identity', 'devProvider', 'serviceAccounts', i, 'secret']) as Secret,
        groups: [...s.groups],
      })),
      clients: dev.clients.map((c) => ({ clientId: c.clientId, redirectUris: [...c.redirectUris] })),
    };
  }

  const connections = new Map<string, ConnectionConfig>();
  for (const [name, c] of Object.entries(raw.connections)) {
    const u = c.upstream;
    const password = u.password ? secret(u.password, ['connections', name, 'upstream', 'password']) : undefined;
    connections.set(name, {
      name,
      ...(c.description === undefined ? {} : { description: c.description }),
      upstream: {
        host: u.host,
        port: u.port,
        database: u.database,
        user: u.user,
        ...(password === undefined ? {} : { password }),
        tls: {
          mode: u.tls.mode,
          ...(u.tls.caFile === undefined ? {} : { caFile: file(u.tls.caFile) }),
          ...(u.tls.serverName === undefined ? {} : { serverName: u.tls.serverName }),
        },
        connectTimeoutMs: u.connectTimeoutMs,
      },
      allowGroups: [...c.allowGroups],
      roles: c.roles.map((r) => ({ group: r.group, role: r.role })),
      defaultAction: c.defaultAction,
    });
  }

  const config: AirlockConfig = {
    listen: {
      postgres: {
        host: postgres.host,
        port: postgres.port,
        ...(postgres.tls ? { tls: { certFile: file(postgres.tls.certFile), keyFile: file(postgres.tls.keyFile) } } : {}),
        allowCleartextWithoutTls: postgres.allowCleartextWithoutTls,
        maxMessageBytes: postgres.maxMessageBytes,
      },
      http: { host: http.host, port: http.port },
    },
    publicUrl: (raw.publicUrl ?? `http://${urlHost(http.host)}:${http.port}`).replace(/\/+$/, ''),
    identity: {
      issuers: raw.identity.issuers.map((i) => ({
        name: i.name,
        issuer: i.issuer,
        audience: typeof i.audience === 'string' ? [i.audience] : [...i.audience],
        ...(i.jwksUri === undefined ? {} : { jwksUri: i.jwksUri }),
        algorithms: [...i.algorithms],
        claims: { groups: i.claims.groups, email: i.claims.email, name: i.claims.name },
        principalKind: i.principalKind,
        clockToleranceSeconds: i.clockToleranceSeconds,
      })),
      ...(devProvider ? { devProvider } : {}),
    },
    connections: new FrozenMap(connections),
    rules: raw.rules.map(buildRule),
    approvals: buildApprovals(raw.approvals, file, secret),
    masking: buildMasking(raw.masking, secret),
    recording: {
      store: raw.recording.store,
      directory: file(raw.recording.directory),
      fsync: raw.recording.fsync,
      syncIntervalMs: raw.recording.syncIntervalMs,
      recordParameters: raw.recording.recordParameters,
      resultRows: raw.recording.resultRows,
      resultValueChars: raw.recording.resultValueChars,
      auditorGroups: [...raw.recording.auditorGroups],
    },
    store: {
      type: raw.store.type,
      ...(raw.store.url ? { url: secret(raw.store.url, ['store', 'url']) as Secret } : {}),
      schema: raw.store.schema,
      brokerName: raw.store.brokerName ?? hostname(),
    },
    analysis: { cacheSize: raw.analysis.cacheSize },
  };
  return deepFreeze(config);
}

function buildRule(r: RuleConfig): RuleConfig {
  const m = r.match;
  const match: { -readonly [K in keyof RuleMatch]: RuleMatch[K] } = {};
  if (m.connections) match.connections = [...m.connections];
  if (m.groups) match.groups = [...m.groups];
  if (m.principalKinds) match.principalKinds = [...m.principalKinds];
  if (m.kinds) match.kinds = [...m.kinds];
  if (m.tables) match.tables = [...m.tables];
  if (m.tablesWritten) match.tablesWritten = [...m.tablesWritten];
  if (m.functions) match.functions = [...m.functions];
  if (m.missingWhere !== undefined) match.missingWhere = m.missingWhere;
  if (m.modifyingCte !== undefined) match.modifyingCte = m.modifyingCte;
  if (m.copyProgram !== undefined) match.copyProgram = m.copyProgram;
  return {
    name: r.name,
    ...(r.description === undefined ? {} : { description: r.description }),
    match,
    action: r.action,
    ...(r.reason === undefined ? {} : { reason: r.reason }),
    ...(r.hint === undefined ? {} : { hint: r.hint }),
    ...(r.approval === undefined ? {} : { approval: buildRuleApproval(r.approval) }),
  };
}

function buildRuleApproval(a: RuleApprovalConfig): RuleApprovalConfig {
  return {
    ...(a.reviewers ? { reviewers: { groups: [...a.reviewers.groups], mode: a.reviewers.mode } } : {}),
    ...(a.quorum === undefined ? {} : { quorum: a.quorum }),
    ...(a.expiresInSeconds === undefined ? {} : { expiresInSeconds: a.expiresInSeconds }),
    ...(a.rowsChangedAbove === undefined ? {} : { rowsChangedAbove: a.rowsChangedAbove }),
    ...(a.notify === undefined ? {} : { notify: [...a.notify] }),
  };
}

function buildMasking(m: RawConfig['masking'], secret: SecretResolver): MaskingConfig {
  const salt = m.salt ? secret(m.salt, ['masking', 'salt']) : undefined;
  return {
    ...(salt ? { salt } : {}),
    rules: m.rules.map((r) => ({
      name: r.name,
      ...(r.description === undefined ? {} : { description: r.description }),
      columns: r.columns.map((c) => ({ column: c.column, strategy: c.strategy, ...(c.strategy === 'partial' ? { keepLast: c.keepLast ?? 4 } : {}) })),
      ...(r.connections ? { connections: [...r.connections] } : {}),
      ...(r.groups ? { groups: [...r.groups] } : {}),
      ...(r.exemptGroups ? { exemptGroups: [...r.exemptGroups] } : {}),
      detectors: [...r.detectors],
    })),
  };
}

/** Without configured reviewers nobody can approve: validation refuses approve rules then. */
const NO_REVIEWERS: ReviewersConfig = { groups: [], mode: 'any' };

function buildApprovals(a: RawConfig['approvals'], file: (p: string) => string, secret: SecretResolver): ApprovalsConfig {
  const reviewers = a.reviewers ? { groups: [...a.reviewers.groups], mode: a.reviewers.mode } : NO_REVIEWERS;
  return {
    reviewers,
    quorum: a.quorum,
    expiresInSeconds: a.expiresInSeconds,
    dryRun: { enabled: a.dryRun.enabled, statementTimeoutMs: a.dryRun.statementTimeoutMs, lockTimeoutMs: a.dryRun.lockTimeoutMs },
    notify: a.notify.map((t, i) => {
      const path: PathSegment[] = ['approvals', 'notify', i];
      const key = t.secret ? secret(t.secret, [...path, 'secret']) : undefined;
      return {
        name: t.name,
        type: t.type,
        // A missing secret is reported through `secret`; the placeholder never escapes.
        url: secret(t.url, [...path, 'url']) as Secret,
        ...(key ? { secret: key } : {}),
        events: [...t.events],
        maxAttempts: t.maxAttempts,
        timeoutMs: t.timeoutMs,
      };
    }),
    access: {
      reviewers: a.access.reviewers ? { groups: [...a.access.reviewers.groups], mode: a.access.reviewers.mode } : reviewers,
      quorum: a.access.quorum,
      maxDurationSeconds: a.access.maxDurationSeconds,
      expiresInSeconds: a.access.expiresInSeconds,
    },
    page: {
      ...(a.page.issuer === undefined ? {} : { issuer: a.page.issuer.replace(/\/+$/, '') }),
      clientId: a.page.clientId,
      ...(a.page.clientSecret ? { clientSecret: secret(a.page.clientSecret, ['approvals', 'page', 'clientSecret']) as Secret } : {}),
      scopes: a.page.scopes,
      ...(a.page.resource === undefined ? {} : { resource: a.page.resource }),
    },
    store: a.store,
    file: file(a.file),
  };
}

/** Host as written in a URL: wildcard listen addresses become loopback, IPv6 gets brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** A `Map` that refuses changes once built. */
class FrozenMap<K, V> extends Map<K, V> {
  #sealed = false;

  constructor(entries: Iterable<readonly [K, V]>) {
    super();
    for (const [k, v] of entries) super.set(k, v);
    this.#sealed = true;
    Object.freeze(this);
  }

  override set(key: K, value: V): this {
    if (this.#sealed) throw new TypeError('the configuration is frozen');
    return super.set(key, value);
  }

  override delete(): boolean {
    throw new TypeError('the configuration is frozen');
  }

  override clear(): void {
    throw new TypeError('the configuration is frozen');
  }

  /** Serializes like the YAML mapping it came from (secrets inside still print as `[secret]`). */
  toJSON(): Record<string, V> {
    return Object.fromEntries([...this].map(([k, v]) => [String(k), v]));
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value) && !(value instanceof Map)) return value;
  if (value instanceof Map) {
    for (const v of value.values()) deepFreeze(v);
    return value;
  }
  for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}
