/**
 * JSON Schema (draft-07, checked with ajv) for the broker's YAML configuration file.
 *
 * Every object is closed (`additionalProperties: false`), every property has a `description`,
 * and every default lives here and nowhere else: the loader validates with `useDefaults`, so a
 * missing key takes the value declared below. The one derived default, `publicUrl`, is computed
 * by the loader from `listen.http`.
 *
 * `x-message` is an annotation used by the loader for a readable error when a `pattern`,
 * `anyOf` or `format` check fails; ajv is told about it as a known keyword.
 */
import { STATEMENT_KINDS } from '../analysis/types.js';
import { DETECTORS } from '../masking/types.js';

export type JsonSchema = { readonly [key: string]: unknown };

/** JWS algorithms an issuer may be configured with: asymmetric signatures only. */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256', 'RS384', 'RS512',
  'PS256', 'PS384', 'PS512',
  'ES256', 'ES384', 'ES512',
  'EdDSA', 'Ed25519',
] as const;

export const DEFAULT_ALGORITHMS = ['RS256', 'ES256', 'PS256', 'EdDSA'] as const;

/** Connection names are what clients send as the PostgreSQL database name. */
export const CONNECTION_NAME_PATTERN = '^[A-Za-z0-9_][A-Za-z0-9_.-]*$';
export const ENV_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';

/** Custom `format`s the loader registers with ajv. */
export const FORMATS = {
  /** An absolute `http:` or `https:` URL. */
  'http-url': (s: string): boolean => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
    } catch {
      return false;
    }
  },
  /** An absolute URI without a fragment (RFC 6749 §3.1.2); private-use schemes such as `vscode://` are allowed (RFC 8252 §7.1). */
  'redirect-uri': (s: string): boolean => {
    try {
      return new URL(s).hash === '' && !s.includes('#');
    } catch {
      return false;
    }
  },
  email: (s: string): boolean => /^[^@\s]+@[^@\s]+$/.test(s),
} as const;

const str = (description: string, extra: JsonSchema = {}): JsonSchema => ({
  type: 'string', minLength: 1, description, ...extra,
});
const int = (description: string, minimum: number, maximum: number, def?: number): JsonSchema => ({
  type: 'integer', minimum, maximum, description, ...(def === undefined ? {} : { default: def }),
});
const bool = (description: string, def: boolean): JsonSchema => ({ type: 'boolean', default: def, description });
const list = (description: string, items: JsonSchema, extra: JsonSchema = {}): JsonSchema => ({
  type: 'array', items, description, ...extra,
});
const strings = (description: string, extra: JsonSchema = {}): JsonSchema =>
  list(description, { type: 'string', minLength: 1 }, { uniqueItems: true, ...extra });
const obj = (description: string, properties: JsonSchema, extra: JsonSchema = {}): JsonSchema => ({
  type: 'object', additionalProperties: false, description, properties, ...extra,
});
const url = (description: string, extra: JsonSchema = {}): JsonSchema =>
  str(description, { format: 'http-url', 'x-message': 'must be an absolute http:// or https:// URL', ...extra });
const host = (description: string, def?: string): JsonSchema =>
  str(description, { maxLength: 253, ...(def === undefined ? {} : { default: def }) });
const port = (description: string, def: number, minimum = 0): JsonSchema => int(description, minimum, 65535, def);
const secretRef = (description: string): JsonSchema => ({ $ref: '#/definitions/secretRef', description });

const ACTIONS = ['allow', 'approve', 'block'];

const listenPostgres = obj('The PostgreSQL wire-protocol listener that clients and agents connect to.', {
  host: host('Address to listen on. Use `0.0.0.0` or `::` to accept connections from other machines.', '127.0.0.1'),
  port: port('TCP port to listen on; 0 picks a free port (tests).', 6432),
  tls: obj('Server certificate for TLS on the PostgreSQL port (clients use `sslmode=require`). Without it the port is plaintext.', {
    certFile: str('PEM certificate chain file; relative paths are resolved against the configuration file\'s directory.'),
    keyFile: str('PEM private key file for `certFile`; relative paths are resolved against the configuration file\'s directory.'),
  }, { required: ['certFile', 'keyFile'] }),
  allowCleartextWithoutTls: bool('DANGER: accept a token sent as a cleartext password from a non-loopback address when the connection is not encrypted. Leave false outside a lab.', false),
  maxMessageBytes: int('Largest protocol message accepted from a client, in bytes (1 KiB to 1 GiB).', 1024, 1024 * 1024 * 1024, 16 * 1024 * 1024),
}, { default: {} });

const listenHttp = obj('The HTTP listener: approval page, REST API and token endpoints.', {
  host: host('Address to listen on.', '127.0.0.1'),
  port: port('TCP port to listen on; 0 picks a free port (tests).', 8484),
}, { default: {} });

const issuer = obj('A trusted OpenID Connect issuer whose tokens are accepted as passwords.', {
  name: str('Short name for this issuer, shown in logs and recordings. Unique.', { maxLength: 64 }),
  issuer: url('Issuer URL, exactly as in the tokens\' `iss` claim (a trailing slash matters). Discovery is at `<issuer>/.well-known/openid-configuration`. Must be https unless the host is a loopback address.'),
  audience: {
    description: 'Accepted `aud` value(s): a string or a list of strings. A token must carry at least one of them.',
    anyOf: [
      { type: 'string', minLength: 1 },
      { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true },
    ],
    'x-message': 'must be a non-empty string or a non-empty list of strings',
  },
  jwksUri: url('Where to fetch the signing keys, bypassing discovery. Must be https unless the host is a loopback address.'),
  algorithms: list('Accepted JWS signature algorithms. Only asymmetric algorithms are allowed: HMAC (HS256/384/512) would let anyone holding the verification secret mint tokens, and `none` means unsigned.',
    { type: 'string', enum: [...ASYMMETRIC_ALGORITHMS] },
    { minItems: 1, uniqueItems: true, default: [...DEFAULT_ALGORITHMS] }),
  claims: obj('Which token claims carry the principal\'s groups, email and display name.', {
    groups: str('Claim holding the list of groups (a list of strings, or one string).', { default: 'groups' }),
    email: str('Claim holding the email address.', { default: 'email' }),
    name: str('Claim holding the display name.', { default: 'name' }),
  }, { default: {} }),
  principalKind: { type: 'string', enum: ['human', 'service'], default: 'human', description: 'Whether principals from this issuer are people (`human`) or workloads such as CI jobs (`service`). Rules can match on it.' },
  clockToleranceSeconds: int('Allowed clock skew when checking `exp`/`nbf`/`iat`, in seconds (0 to 300).', 0, 300, 30),
}, { required: ['name', 'issuer', 'audience'] });

const devProvider = obj('A built-in OpenID Connect provider for local development and demos. Never enable it on a shared broker: it signs in anyone who can reach it as any listed user.', {
  enabled: bool('Whether the development provider runs. Defaults to true when this section is present.', true),
  host: host('Address the development provider listens on.', '127.0.0.1'),
  port: port('TCP port the development provider listens on; 0 picks a free port.', 8485),
  audience: str('`aud` of the tokens it issues (and accepts).', { default: 'airlock' }),
  tokenTtlSeconds: int('Lifetime of issued tokens, in seconds (1 to 86400).', 1, 86400, 3600),
  users: list('People who can sign in interactively.', obj('A development user.', {
    name: str('Display name; also the login name. Unique.'),
    email: str('Email address (`email` claim).', { format: 'email', 'x-message': 'must be an email address' }),
    groups: strings('Groups the user belongs to (`groups` claim).', { default: [] }),
  }, { required: ['name', 'email'] }), { default: [] }),
  serviceAccounts: list('Workloads that get tokens with the client-credentials grant.', obj('A development service account.', {
    clientId: str('OAuth client id. Unique among service accounts and clients.'),
    secret: secretRef('OAuth client secret: `{ env: NAME }` or `{ file: path }`.'),
    groups: strings('Groups the service account belongs to.', { default: [] }),
  }, { required: ['clientId', 'secret'] }), { default: [] }),
  clients: list('Public clients allowed to use authorization code + PKCE (the CLI, the extension, the approval page).', obj('A public OAuth client.', {
    clientId: str('OAuth client id. Unique among service accounts and clients.'),
    redirectUris: list('Allowed redirect URIs: loopback `http://127.0.0.1/...` (any port is accepted), `https://` or a private-use scheme such as `vscode://`.',
      str('A redirect URI.', { format: 'redirect-uri', 'x-message': 'must be an absolute URI without a #fragment' }), { minItems: 1, uniqueItems: true }),
  }, { required: ['clientId', 'redirectUris'] }), {
    default: [{ clientId: 'airlock-cli', redirectUris: ['http://127.0.0.1/callback'] }],
  }),
});

const upstream = obj('The real PostgreSQL server behind this connection.', {
  host: host('Database server host name or IP address.'),
  port: port('Database server port.', 5432, 1),
  database: str('Database name on the server.', { maxLength: 63 }),
  user: str('Role the broker signs in as; sessions then switch to the role mapped from the principal\'s group.', { maxLength: 63 }),
  password: secretRef('Password for `user`: `{ env: NAME }` or `{ file: path }`. Omit for trust or certificate authentication.'),
  tls: obj('TLS from the broker to the database.', {
    mode: { type: 'string', enum: ['disable', 'require', 'verify-full'], default: 'require', description: '`require`: encrypt, do not check the certificate (default); `verify-full`: encrypt and check the certificate and host name; `disable`: plaintext (only for a database on the same host or a private network).' },
    caFile: str('PEM CA bundle used to verify the server certificate; relative paths are resolved against the configuration file\'s directory. Defaults to the system trust store.'),
    serverName: str('Host name expected in the server certificate (and sent as SNI), when it differs from `host`.'),
  }, { default: {} }),
  connectTimeoutMs: int('How long to wait for the database to accept a connection, in milliseconds.', 1, 600_000, 5000),
}, { required: ['host', 'database', 'user'] });

const connection = obj('A named database that clients reach through the broker.', {
  description: str('Human description, shown in the connection list.'),
  upstream,
  allowGroups: strings('Groups that may open this connection at all. At least one.', { minItems: 1 }),
  roles: list('Maps groups to the database role the session runs as; the first entry whose group the principal has wins. Every group must be in `allowGroups`.',
    obj('A group-to-role mapping.', {
      group: str('A group from `allowGroups`.'),
      role: str('Database role to `SET ROLE` to.', { maxLength: 63 }),
    }, { required: ['group', 'role'] }), { default: [] }),
  defaultAction: { type: 'string', enum: ACTIONS, default: 'block', description: 'What happens to a statement no rule matches.' },
}, { required: ['upstream', 'allowGroups'] });

const ruleMatch = obj('Conditions, all of which must hold for the rule to apply. Each list matches if any of its entries does. An empty `match: {}` matches every statement.', {
  connections: strings('Connection names this rule applies to.', { minItems: 1 }),
  groups: strings('The principal must have at least one of these groups.', { minItems: 1 }),
  principalKinds: list('Kinds of principal.', { type: 'string', enum: ['human', 'service'] }, { minItems: 1, uniqueItems: true }),
  kinds: list('Statement kinds.', { type: 'string', enum: [...STATEMENT_KINDS] }, { minItems: 1, uniqueItems: true }),
  tables: strings('Glob patterns over tables read or written, as `schema.table` or `table` (`*` matches any run of characters).', { minItems: 1 }),
  tablesWritten: strings('Glob patterns over tables written.', { minItems: 1 }),
  functions: strings('Glob patterns over functions called (`pg_catalog.pg_read_file`, `pg_*`).', { minItems: 1 }),
  missingWhere: { type: 'boolean', description: 'Match (true) or exclude (false) an UPDATE or DELETE without WHERE.' },
  modifyingCte: { type: 'boolean', description: 'Match (true) or exclude (false) a WITH clause containing INSERT/UPDATE/DELETE/MERGE.' },
  copyProgram: { type: 'boolean', description: 'Match (true) or exclude (false) `COPY ... PROGRAM`.' },
});

const reviewers = (description: string): JsonSchema => obj(description, {
  groups: strings('Reviewer groups. A reviewer must hold one of them at the moment of the decision.', { minItems: 1 }),
  mode: { type: 'string', enum: ['any', 'all'], default: 'any', description: '`any`: approvals from members of any listed group count; `all`: at least one approval from each group.' },
}, { required: ['groups'] });

const ruleApproval = obj('For `action: approve`: who reviews and when the statement is held. Keys left out come from the `approvals` section.', {
  reviewers: reviewers('Who may approve statements this rule holds.'),
  quorum: int('Distinct reviewers who must approve (with `mode: all`, at least one per group as well).', 1, 20),
  expiresInSeconds: int('How long the statement waits for a decision before it is refused.', 1, 86_400),
  rowsChangedAbove: int('Impact condition: hold only when the dry run measures more rows changed than this, in all tables together (cascades, triggers and functions included). At or below it, the statement runs. Where no dry run is possible the statement is held.', 0, 2_000_000_000),
  notify: strings('Names of `approvals.notify` targets told about requests from this rule (default: all).', { minItems: 1 }),
});

const notifyTarget = obj('A place told about approval requests and decisions.', {
  name: str('Name, used by rules\' `approval.notify`.', { maxLength: 100 }),
  type: { type: 'string', enum: ['webhook', 'slack'], description: '`webhook`: JSON POST signed with HMAC-SHA256 (`airlock-signature` header); `slack`: a message to a Slack incoming webhook, with a link to the request.' },
  url: secretRef('The endpoint URL. A secret, because Slack webhook URLs are credentials.'),
  secret: secretRef('`webhook` only: the HMAC-SHA256 key the receiver checks the signature with.'),
  events: list('Event types sent.', { type: 'string', enum: ['approval.requested', 'approval.decided', 'access.requested', 'access.decided', 'statement.blocked'] }, {
    minItems: 1, uniqueItems: true, default: ['approval.requested', 'approval.decided', 'access.requested', 'access.decided'],
  }),
  maxAttempts: int('Delivery attempts in all, with exponential backoff, before the failure is recorded.', 1, 20, 5),
  timeoutMs: int('Time allowed for one delivery attempt, in milliseconds.', 100, 60_000, 5000),
}, { required: ['name', 'type', 'url'] });

const approvals = obj('Approvals: reviewers, expiry, the impact dry run, notifications and access requests.', {
  reviewers: reviewers('Default reviewers, for approve rules without their own and for connections whose `defaultAction` is `approve`.'),
  quorum: int('Default number of distinct reviewers who must approve.', 1, 20, 1),
  expiresInSeconds: int('Default time a held statement waits for a decision.', 10, 86_400, 600),
  dryRun: obj('Measuring a held statement\'s impact by running it inside a transaction that is rolled back.', {
    enabled: bool('Measure impact by a dry run. When false, the planner\'s estimate is shown instead (labelled as such).', true),
    statementTimeoutMs: int('`statement_timeout` for the dry run, in milliseconds.', 1, 600_000, 5000),
    lockTimeoutMs: int('`lock_timeout` for the dry run, in milliseconds: it never waits long for a lock.', 1, 600_000, 1000),
  }, { default: {} }),
  notify: list('Webhook and Slack targets.', notifyTarget, { default: [] }),
  access: obj('Time-boxed access requests: a user asks for extra groups on a connection for a while.', {
    reviewers: reviewers('Who may approve access requests (default: the approval reviewers).'),
    quorum: int('Distinct reviewers who must approve an access request.', 1, 20, 1),
    maxDurationSeconds: int('Longest grant that can be asked for.', 60, 2_592_000, 28_800),
    expiresInSeconds: int('How long an access request waits for a decision.', 60, 604_800, 86_400),
  }, { default: {} }),
  page: obj('How reviewers sign in to the approval page (OpenID Connect authorization code + PKCE). The redirect URI to register is `<publicUrl>/auth/callback`.', {
    issuer: url('Issuer URL; it must also be one of `identity.issuers` (its tokens are verified like any other). Default: the development provider, when enabled.'),
    clientId: str('OAuth client id registered for the page at the issuer.', { default: 'airlock-approval-page' }),
    clientSecret: secretRef('Client secret, if the issuer registers the page as a confidential client.'),
    scopes: str('Scopes asked for.', { default: 'openid email profile' }),
    resource: str('RFC 8707 resource indicator sent with the request, so the access token is issued for the broker\'s audience. Default with the development provider: its audience.'),
  }, { default: {} }),
  store: { type: 'string', enum: ['file', 'memory'], default: 'file', description: '`file`: pending requests, decisions and grants are kept in a JSON file and survive a restart; `memory`: tests only.' },
  file: str('The approvals file; relative paths are resolved against the configuration file\'s directory.', { default: '.airlock/approvals.json' }),
}, { default: {} });

const maskColumn = obj('A sensitive column and how its values are replaced.', {
  column: str('`schema.table.column` or `table.column` (any schema); `*` matches any run of characters, e.g. `*.card_number`.', { pattern: '^[^.]+(\\.[^.]+){1,2}$', 'x-message': 'must be `table.column` or `schema.table.column`' }),
  strategy: { type: 'string', enum: ['redact', 'partial', 'hash', 'null'], default: 'redact', description: '`redact`: `[masked]`; `partial`: all but the last `keepLast` characters become `*`; `hash`: `h:` + 16 hex digits of HMAC-SHA256(masking.salt, value), so equal values stay equal; `null`: SQL NULL. Values of non-text types become NULL whatever the strategy.' },
  keepLast: int('`partial`: characters kept at the end (default 4).', 0, 64),
}, { required: ['column'] });

const maskingRule = obj('Columns masked for some identities on some connections.', {
  name: str('Unique name, shown in masking notices and events.', { maxLength: 100 }),
  description: str('What the rule is for.'),
  columns: list('The sensitive columns.', maskColumn, { minItems: 1 }),
  connections: strings('Connections the rule applies to (default: all).', { minItems: 1 }),
  groups: strings('Groups the rule masks for (default: everyone not exempt).', { minItems: 1 }),
  exemptGroups: strings('Groups that always see clear data under this rule.', { minItems: 1 }),
  detectors: list('Content detectors applied to every text value a masked identity receives, whatever column it comes from.', { type: 'string', enum: [...DETECTORS] }, { uniqueItems: true, default: [] }),
}, { required: ['name', 'columns'] });

const masking = obj('Masking of sensitive values in everything a masked identity receives.', {
  salt: secretRef('Key of the `hash` strategy (required when a column uses it). Keep it stable: hashes change with it.'),
  rules: list('Masking rules.', maskingRule, { default: [] }),
}, { default: {} });

const rule = obj('A policy rule. Every matching rule counts; the most severe action wins (block > approve > allow).', {
  name: str('Unique rule name, recorded with every decision.', { maxLength: 100 }),
  description: str('What the rule is for.'),
  match: ruleMatch,
  action: { type: 'string', enum: ACTIONS, description: '`allow` runs the statement, `approve` holds it until a reviewer approves, `block` refuses it.' },
  reason: str('Why, shown to the client and recorded.'),
  hint: str('What to do instead, sent as the error hint.'),
  approval: ruleApproval,
}, { required: ['name', 'match', 'action'] });

export const configSchema: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Airlock broker configuration',
  description: 'The YAML file read by `airlock broker` and checked by `airlock config check`.',
  type: 'object',
  additionalProperties: false,
  required: ['identity', 'connections'],
  properties: {
    listen: obj('Where the broker listens.', { postgres: listenPostgres, http: listenHttp }, { default: {} }),
    publicUrl: url('URL people and clients use to reach the HTTP side (approval links, API). Defaults to `http://<listen.http.host>:<listen.http.port>`.'),
    identity: obj('Who may connect: trusted token issuers, and optionally the development provider. At least one issuer or an enabled devProvider is required.', {
      issuers: list('Trusted OpenID Connect issuers.', issuer, { default: [] }),
      devProvider,
    }),
    connections: {
      type: 'object',
      description: 'Databases reachable through the broker, keyed by name. Clients connect with the name as the database name.',
      minProperties: 1,
      propertyNames: {
        pattern: CONNECTION_NAME_PATTERN,
        maxLength: 63,
        'x-message': 'connection names are used as PostgreSQL database names: 1 to 63 characters, letters, digits, `_`, `.` and `-`, not starting with `.` or `-`',
      },
      additionalProperties: connection,
    },
    rules: list('Policy rules; the most severe matching action wins. Statements no rule matches get the connection\'s `defaultAction`.', rule, { default: [] }),
    approvals,
    masking,
    recording: obj('The audit record of every statement and decision.', {
      store: { type: 'string', enum: ['file', 'memory'], default: 'file', description: '`file`: append-only journal on disk; `memory`: kept in memory, for tests only.' },
      directory: str('Directory of the journal; relative paths are resolved against the configuration file\'s directory.', { default: '.airlock/recordings' }),
      fsync: { type: 'string', enum: ['always', 'write'], default: 'write', description: '`always`: fdatasync before a statement is forwarded (survives power loss); `write`: written to the OS before forwarding (survives a broker crash) and synced every `syncIntervalMs`.' },
      syncIntervalMs: int('With `fsync: write`, how often the journal is synced, in milliseconds.', 1, 60_000, 200),
      recordParameters: bool('Record bind parameter values. When false they are recorded as `[redacted]`.', false),
      resultRows: int('How many rows of each result are kept in the record, as the client received them (masked where masking applied); 0 keeps none (row counts and timings are always kept).', 0, 1000, 10),
      resultValueChars: int('Longest value kept in a recorded result row, in characters; longer values are cut and marked with `…`.', 16, 65_536, 256),
      auditorGroups: list('Groups whose members see every session on the replay pages and in `/v1/sessions`; everyone else sees only their own.', { type: 'string', minLength: 1 }, { default: ['auditors'], uniqueItems: true }),
    }, { default: {} }),
    store: obj('Where brokers keep what they share. `local` (the default): the journal file and the approvals file of this broker. `postgres`: several broker replicas share approvals, access grants, events and the audit record through one PostgreSQL database.', {
      type: { type: 'string', enum: ['local', 'postgres'], default: 'local', description: '`local`: this broker\'s own files (embedded default). `postgres`: a shared PostgreSQL store; the tables are created and migrated at start.' },
      url: secretRef('PostgreSQL connection URL of the shared store (`postgres://user:password@host:5432/db?sslmode=require`): `{ env: NAME }` or `{ file: path }`. Required with `type: postgres`.'),
      schema: str('Schema holding Airlock\'s tables (created if missing).', { default: 'airlock', pattern: '^[a-z_][a-z0-9_]{0,55}$', 'x-message': 'must be a lower-case SQL identifier (letters, digits, `_`) of at most 56 characters: its NOTIFY channels add up to 7 more, and PostgreSQL names end at 63' }),
      brokerName: str('This broker\'s name in the shared store: its audit chain, the requests its sessions hold. Unique among running brokers (a second broker with the same name is refused at start). Defaults to the host name.', { maxLength: 100, pattern: '^[A-Za-z0-9_.-]+$' }),
    }, { default: {} }),
    analysis: obj('SQL analysis.', {
      cacheSize: int('Entries kept in each analysis cache (exact text, normalized shape); 0 disables caching.', 0, 10_000_000, 10_000),
    }, { default: {} }),
  },
  definitions: {
    secretRef: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 1,
      description: 'Where a secret comes from. Secrets are never written inline.',
      'x-message': 'must be `{ env: VARIABLE_NAME }` or `{ file: path/to/file }` (exactly one of them)',
      properties: {
        env: str('Name of an environment variable holding the secret (must be set and non-empty).', {
          pattern: ENV_NAME_PATTERN, 'x-message': 'must be an environment variable name (letters, digits and `_`, not starting with a digit)',
        }),
        file: str('File holding the secret (one trailing newline is dropped); relative paths are resolved against the configuration file\'s directory.'),
      },
    },
  },
};
