/**
 * Schema validation (ajv, defaults applied in place) and the cross-field checks a JSON Schema
 * cannot express, turned into problems that name the key path and say how to fix it.
 * Everything is collected; nothing stops at the first problem.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { configSchema, DEFAULT_ALGORITHMS, FORMATS, type JsonSchema } from './schema.js';
import { checkApprovals, checkMasking, checkRuleApproval } from './validate-approvals.js';
import { arr, isLoopbackHost, isObject, strOf, suggest } from './validate-util.js';

export { editDistance, isLoopbackHost, suggest } from './validate-util.js';

export type PathSegment = string | number;

export interface Problem {
  /** Where the problem is, from the top of the file. */
  readonly path: readonly PathSegment[];
  readonly message: string;
  /** The problem is about the key `path[path.length - 1]` itself (unknown or badly named key). */
  readonly atKey?: boolean;
}

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, verbose: true });
    ajv.addKeyword({ keyword: 'x-message', schemaType: 'string' });
    for (const [name, check] of Object.entries(FORMATS)) ajv.addFormat(name, { type: 'string', validate: check });
    compiled = ajv.compile(configSchema);
  }
  return compiled;
}

/** Validates `data` against the schema, filling in defaults. Returns [] when valid. */
export function validateSchema(data: unknown): Problem[] {
  const validate = validator();
  if (validate(data)) return [];
  return toProblems(validate.errors ?? [], data);
}

// ---------------------------------------------------------------------------------------------
// Paths

const SIMPLE_KEY = /^[A-Za-z0-9_-]+$/;

/** `connections.shop-prod.upstream.port`, `rules[2].match`, `connections["a.b"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (SIMPLE_KEY.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out === '' ? '(top level)' : out;
}

function pointerToPath(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return [];
  const out: PathSegment[] = [];
  let cur: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      const i = Number(seg);
      out.push(i);
      cur = cur[i];
    } else {
      out.push(seg);
      cur = isObject(cur) ? cur[seg] : undefined;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Suggestions



function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  const guess = suggest(key, allowed);
  if (guess !== undefined) return `unknown key "${key}" — did you mean "${guess}"?`;
  if (allowed.length === 0) return `unknown key "${key}" — this section takes no keys`;
  return `unknown key "${key}" — allowed keys here: ${allowed.join(', ')}`;
}

// ---------------------------------------------------------------------------------------------
// ajv errors → problems


function schemaOf(v: unknown): JsonSchema {
  return isObject(v) ? v : {};
}

function describeExpected(schema: JsonSchema): string {
  const min = typeof schema.minimum === 'number' ? schema.minimum : undefined;
  const max = typeof schema.maximum === 'number' ? schema.maximum : undefined;
  switch (schema.type) {
    case 'integer':
    case 'number': {
      const noun = schema.type === 'integer' ? 'an integer' : 'a number';
      if (min !== undefined && max !== undefined) return `${noun} between ${min} and ${max}`;
      if (min !== undefined) return `${noun} of at least ${min}`;
      if (max !== undefined) return `${noun} of at most ${max}`;
      return noun;
    }
    case 'string': return 'a string';
    case 'boolean': return 'true or false';
    case 'array': return 'a list';
    case 'object': return 'a mapping of keys to values';
    default: return String(schema.type);
  }
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'an empty value';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return /^-?\d+(\.\d+)?$/.test(v) ? `the string "${v}" — remove the quotes` : 'a string';
  return String(v);
}

function quoteValue(v: unknown): string {
  return typeof v === 'string' && v.length <= 40 ? ` (got ${JSON.stringify(v)})` : '';
}

const SECRET_SCHEMA_PATH = '#/definitions/secretRef';
const HMAC = /^HS\d+$/i;

function toProblems(errors: readonly ErrorObject[], data: unknown): Problem[] {
  // The branches of a failed anyOf/oneOf only add noise: the combinator's own error explains it.
  const composite = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => `${e.schemaPath}/`);
  const kept = errors.filter((e) =>
    !composite.some((p) => e.schemaPath.startsWith(p)) && !e.schemaPath.includes('/propertyNames/'));

  const problems: Problem[] = [];
  for (const e of kept) {
    const path = pointerToPath(e.instancePath, data);
    const parent = schemaOf(e.parentSchema);
    const xMessage = typeof parent['x-message'] === 'string' ? parent['x-message'] : undefined;
    const inSecret = e.schemaPath.startsWith(SECRET_SCHEMA_PATH) && !e.schemaPath.startsWith(`${SECRET_SCHEMA_PATH}/properties/`);
    const params = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = String(params.additionalProperty);
        const allowed = Object.keys(schemaOf(parent.properties));
        problems.push({ path: [...path, key], atKey: true, message: unknownKeyMessage(key, allowed) });
        break;
      }
      case 'required': {
        const key = String(params.missingProperty);
        const desc = schemaOf(schemaOf(parent.properties)[key]).description;
        const what = typeof desc === 'string' ? ` — ${firstSentence(desc)}` : '';
        problems.push({ path: [...path, key], message: `is required but missing${what}` });
        break;
      }
      case 'type': {
        let message: string;
        if (inSecret) message = `${xMessage ?? 'must name a secret'} — secrets are never written inline in the configuration`;
        else if ((e.data === null || e.data === undefined) && parent.type === 'object') message = 'is empty — fill it in, or write `{}` to take every default';
        else message = `must be ${describeExpected(parent)} (got ${describeValue(e.data)})`;
        problems.push({ path, message });
        break;
      }
      case 'minimum':
      case 'maximum':
        problems.push({ path, message: `must be ${describeExpected(parent)} (got ${String(e.data)})` });
        break;
      case 'enum': {
        const value = e.data;
        const options = (Array.isArray(e.schema) ? e.schema : []).map(String);
        if (typeof value === 'string' && HMAC.test(value)) {
          problems.push({ path, message: `"${value}" is not allowed: HMAC algorithms use a shared secret, so anything able to verify tokens could also mint them — use an asymmetric algorithm (${DEFAULT_ALGORITHMS.join(', ')}, …)` });
        } else if (typeof value === 'string' && value.toLowerCase() === 'none') {
          problems.push({ path, message: '"none" is not allowed: it means unsigned tokens, which anyone can forge — use an asymmetric algorithm such as RS256 or ES256' });
        } else {
          const guess = typeof value === 'string' ? suggest(value, options) : undefined;
          const hint = guess !== undefined ? ` — did you mean "${guess}"?` : '';
          problems.push({ path, message: `must be one of: ${options.join(', ')}${quoteValue(value)}${hint}` });
        }
        break;
      }
      case 'minLength':
        problems.push({ path, message: params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters long` });
        break;
      case 'maxLength':
        problems.push({ path, message: `must be at most ${String(params.limit)} characters long` });
        break;
      case 'minItems':
        problems.push({ path, message: params.limit === 1 ? 'must list at least one entry' : `must list at least ${String(params.limit)} entries` });
        break;
      case 'uniqueItems':
        problems.push({ path, message: `lists the same value twice (entries ${String(params.j)} and ${String(params.i)}) — remove the duplicate` });
        break;
      case 'minProperties':
      case 'maxProperties':
        if (inSecret) problems.push({ path, message: xMessage ?? e.message ?? 'invalid secret reference' });
        else if (e.keyword === 'minProperties' && path.length === 1 && path[0] === 'connections') problems.push({ path, message: 'must define at least one connection' });
        else problems.push({ path, message: e.message ?? 'has the wrong number of keys' });
        break;
      case 'propertyNames': {
        const name = String(params.propertyName);
        const rule = schemaOf(parent.propertyNames)['x-message'];
        problems.push({ path: [...path, name], atKey: true, message: `invalid name "${name}": ${typeof rule === 'string' ? rule : 'not allowed here'}` });
        break;
      }
      case 'pattern':
      case 'format':
      case 'anyOf':
      case 'oneOf':
        problems.push({ path, message: xMessage ?? e.message ?? 'is not valid' });
        break;
      default:
        problems.push({ path, message: e.message ?? 'is not valid' });
    }
  }
  return problems;
}

function firstSentence(s: string): string {
  const m = /^(.*?[.:])(\s|$)/.exec(s);
  return (m ? m[1]! : s).replace(/[.:]$/, '').replace(/^./, (c) => c.toLowerCase());
}

// ---------------------------------------------------------------------------------------------
// Cross-field checks. They run on possibly invalid data, so every access is guarded.



const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]', '*']);

export function crossCheck(data: unknown): Problem[] {
  const problems: Problem[] = [];
  if (!isObject(data)) return problems;

  // Listeners must not collide.
  const listen = isObject(data.listen) ? data.listen : {};
  const identity = isObject(data.identity) ? data.identity : undefined;
  const dev = identity && isObject(identity.devProvider) ? identity.devProvider : undefined;
  const sockets: { path: PathSegment[]; host: unknown; port: unknown }[] = [];
  for (const k of ['postgres', 'http'] as const) {
    const l = listen[k];
    if (isObject(l)) sockets.push({ path: ['listen', k], host: l.host, port: l.port });
  }
  if (dev && dev.enabled !== false) sockets.push({ path: ['identity', 'devProvider'], host: dev.host, port: dev.port });
  for (let i = 0; i < sockets.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = sockets[j]!;
      const b = sockets[i]!;
      if (typeof a.port !== 'number' || a.port === 0 || a.port !== b.port) continue;
      const ha = strOf(a.host);
      const hb = strOf(b.host);
      if (ha === undefined || hb === undefined) continue;
      if (ha === hb || WILDCARD_HOSTS.has(ha) || WILDCARD_HOSTS.has(hb)) {
        problems.push({ path: [...b.path, 'port'], message: `port ${a.port} is already used by ${formatPath([...a.path, 'port'])} — pick another port` });
      }
    }
  }

  // A shared store needs somewhere to be.
  const store = isObject(data.store) ? data.store : undefined;
  if (store && store.type === 'postgres' && store.url === undefined) {
    problems.push({ path: ['store', 'url'], message: 'is required with `type: postgres` — give the store\'s connection URL as `{ env: NAME }` or `{ file: path }`' });
  }

  // Identity.
  if (identity) {
    const issuers = arr(identity.issuers);
    const names = new Map<string, number>();
    issuers.forEach((iss, i) => {
      if (!isObject(iss)) return;
      const name = strOf(iss.name);
      if (name !== undefined) {
        const first = names.get(name);
        if (first !== undefined) problems.push({ path: ['identity', 'issuers', i, 'name'], message: `duplicate issuer name "${name}" (also used by identity.issuers[${first}]) — issuer names must be unique` });
        else names.set(name, i);
      }
      for (const key of ['issuer', 'jwksUri'] as const) {
        const u = strOf(iss[key]);
        if (u === undefined) continue;
        let parsed: URL;
        try {
          parsed = new URL(u);
        } catch {
          continue; // reported by the schema
        }
        if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
          problems.push({ path: ['identity', 'issuers', i, key], message: 'must use https:// — keys fetched over plain http could be replaced in transit, letting anyone forge tokens (http is accepted only for loopback addresses)' });
        }
      }
    });
    const devEnabled = dev !== undefined && dev.enabled !== false;
    if (issuers.length === 0 && !devEnabled && (identity.issuers === undefined || Array.isArray(identity.issuers))) {
      problems.push({ path: ['identity'], message: 'no way to sign in — add an entry to identity.issuers, or (for local development only) add an identity.devProvider section' });
    }
    if (dev) {
      const users = new Map<string, number>();
      arr(dev.users).forEach((u, i) => {
        const name = isObject(u) ? strOf(u.name) : undefined;
        if (name === undefined) return;
        const first = users.get(name);
        if (first !== undefined) problems.push({ path: ['identity', 'devProvider', 'users', i, 'name'], message: `duplicate user name "${name}" (also identity.devProvider.users[${first}])` });
        else users.set(name, i);
      });
      const ids = new Map<string, string>();
      for (const section of ['serviceAccounts', 'clients'] as const) {
        arr(dev[section]).forEach((c, i) => {
          const id = isObject(c) ? strOf(c.clientId) : undefined;
          if (id === undefined) return;
          const path: PathSegment[] = ['identity', 'devProvider', section, i, 'clientId'];
          const first = ids.get(id);
          if (first !== undefined) problems.push({ path, message: `duplicate clientId "${id}" (also ${first}) — client ids must be unique across serviceAccounts and clients` });
          else ids.set(id, formatPath(path.slice(0, -1)));
        });
      }
    }
  }

  // Connections.
  const connections = isObject(data.connections) ? data.connections : undefined;
  if (connections) {
    for (const [name, c] of Object.entries(connections)) {
      if (!isObject(c)) continue;
      const allow = arr(c.allowGroups).filter((g): g is string => typeof g === 'string');
      arr(c.roles).forEach((r, i) => {
        const group = isObject(r) ? strOf(r.group) : undefined;
        if (group === undefined || allow.includes(group)) return;
        const guess = suggest(group, allow);
        problems.push({
          path: ['connections', name, 'roles', i, 'group'],
          message: `group "${group}" is not in allowGroups, so this mapping could never apply — ${guess !== undefined ? `did you mean "${guess}"?` : `add it to connections.${name}.allowGroups or remove the mapping`}`,
        });
      });
      const tls = isObject(c.upstream) && isObject(c.upstream.tls) ? c.upstream.tls : undefined;
      if (tls && tls.mode === 'disable') {
        for (const key of ['caFile', 'serverName'] as const) {
          if (tls[key] !== undefined) problems.push({ path: ['connections', name, 'upstream', 'tls', key], message: `has no effect with mode "disable" — remove it, or set mode to "verify-full"` });
        }
      }
    }
  }

  // Approvals and masking.
  const { approvals, notifyNames } = checkApprovals(data, connections, problems);
  checkMasking(data, connections, problems);

  // Rules.
  const rules = arr(data.rules);
  const ruleNames = new Map<string, number>();
  const connectionNames = connections ? Object.keys(connections) : undefined;
  rules.forEach((r, i) => {
    if (!isObject(r)) return;
    const name = strOf(r.name);
    if (name !== undefined) {
      const first = ruleNames.get(name);
      if (first !== undefined) problems.push({ path: ['rules', i, 'name'], message: `duplicate rule name "${name}" (also rules[${first}]) — rule names must be unique` });
      else ruleNames.set(name, i);
    }
    checkRuleApproval(r, i, approvals, notifyNames, problems);
    const match = isObject(r.match) ? r.match : undefined;
    if (!match || !connectionNames) return;
    arr(match.connections).forEach((cn, j) => {
      if (typeof cn !== 'string' || connectionNames.includes(cn)) return;
      const guess = suggest(cn, connectionNames);
      problems.push({
        path: ['rules', i, 'match', 'connections', j],
        message: `unknown connection "${cn}" — ${guess !== undefined ? `did you mean "${guess}"?` : `defined connections: ${connectionNames.join(', ') || '(none)'}`}`,
      });
    });
  });
  return problems;
}
