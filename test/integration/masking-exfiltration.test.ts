/**
 * Adversarial corpus against masking: a masked identity tries, in every way we could think of,
 * to get a sensitive value back — through expressions, casts, encodings, aggregates, windows,
 * subqueries, CTEs, set operations, views, whole-row references, JSON, writes with RETURNING,
 * cursors, prepared statements, COPY, error texts, notifications, settings, EXPLAIN, statistics,
 * search_path, partitions and user code. An attempt passes when it is refused (any error whose
 * texts hold no raw value) or when nothing it returns — rows, errors, notices, notifications,
 * psql output — holds a raw value: as is, case-insensitively, with separators stripped,
 * reversed, hex/base64/char-code decoded, or as an unsalted md5/sha hash.
 *
 * The policy rules here block nothing but file access, so DDL is open to the masked identity:
 * masking has to hold on its own, not only because a DDL rule happens to be configured.
 * Writes and DDL run inside transactions that are rolled back.
 *
 * A second list holds queries whose results must come back clear and exact, so that "mask or
 * refuse everything" fails this suite; exempt groups, groups no rule covers and connections no
 * rule covers see clear values.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type pg from 'pg';
import { adminClient } from '../support/admin-client.js';
import { startTestBroker, type TestBroker } from '../support/broker-harness.js';
import { psql } from '../support/run-process.js';

// ---------------------------------------------------------------------------------------------
// Seeded data. Phones, the JSON recovery phrases, vault secrets and ledger accounts match no
// enabled content detector, so only lineage stands between them and the client.

const ALICE = { email: 'alice.exfil@example.org', ssn: '321-54-9876', phone: '+1 415 555 0134' };
const BOB = { email: 'bob.exfil@example.net', ssn: '654-32-1098', phone: '+44 20 7946 0958' };
const CAROL = { email: 'carol.exfil@example.com', ssn: '078-05-1120', phone: '+33 6 12 34 56 78' };
const CARDS = ['4111111111111111', '5555555555554444', '378282246310005', '6011111111111117'];
const PROFILE_1 = { email: 'dora.json@example.org', recovery_phrase: 'violet-anchor-mosaic-tundra' };
const PROFILE_2 = { email: 'eli.json@example.org', recovery_phrase: 'copper-meadow-falcon-quartz' };
const VAULT = ['opal-harbor-lantern-4417', 'quiet-ember-saffron-9023'];
const ACCOUNTS = ['ACCT-QZ-7731-PX', 'ACCT-MV-0042-RT', 'ACCT-LK-5518-WB'];
const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const API_TOKEN = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';

const RAW: readonly string[] = [
  ...[ALICE, BOB, CAROL].flatMap((c) => [c.email, c.ssn, c.phone]),
  ...CARDS,
  ...[PROFILE_1, PROFILE_2].flatMap((p) => [p.email, p.recovery_phrase]),
  ...VAULT,
  ...ACCOUNTS,
  JWT,
  API_TOKEN,
];

const SCHEMA_SQL = `
  DROP SCHEMA IF EXISTS x_vault CASCADE;
  DROP MATERIALIZED VIEW IF EXISTS x_customer_mv CASCADE;
  DROP VIEW IF EXISTS x_customer_v CASCADE;
  DROP TABLE IF EXISTS x_payments, x_profiles, x_notes, x_tickets, x_keys, x_ledger, x_customers CASCADE;
  CREATE TABLE x_customers (
    id int PRIMARY KEY,
    name text NOT NULL CHECK (length(name) <= 40),
    email text UNIQUE,
    ssn text UNIQUE,
    phone text,
    city text NOT NULL
  );
  INSERT INTO x_customers VALUES
    (1, 'Alice', '${ALICE.email}', '${ALICE.ssn}', '${ALICE.phone}', 'Paris'),
    (2, 'Bob', '${BOB.email}', '${BOB.ssn}', '${BOB.phone}', 'Oslo'),
    (3, 'Carol', '${CAROL.email}', '${CAROL.ssn}', '${CAROL.phone}', 'Paris');
  CREATE TABLE x_payments (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES x_customers ON DELETE CASCADE, card_number text, amount int NOT NULL);
  INSERT INTO x_payments VALUES (1, 1, '${CARDS[0]}', 100), (2, 2, '${CARDS[1]}', 250), (3, 3, '${CARDS[2]}', 75), (4, 1, '${CARDS[3]}', 40);
  CREATE TABLE x_profiles (customer_id int PRIMARY KEY, data jsonb NOT NULL, prefs jsonb NOT NULL);
  INSERT INTO x_profiles VALUES
    (1, '${JSON.stringify(PROFILE_1)}', '{"theme": "dark"}'),
    (2, '${JSON.stringify(PROFILE_2)}', '{"theme": "light"}');
  CREATE TABLE x_notes (id int PRIMARY KEY, customer_id int NOT NULL, body text);
  INSERT INTO x_notes VALUES (1, 1, 'call back'), (2, 2, 'vip'), (3, 3, 'none');
  CREATE TABLE x_tickets (id int PRIMARY KEY, body text NOT NULL);
  INSERT INTO x_tickets VALUES (1, 'customer pasted ${JWT} in chat'), (2, 'old key ${API_TOKEN} leaked');
  CREATE SCHEMA x_vault;
  CREATE TABLE x_vault.x_keys (id int PRIMARY KEY, label text NOT NULL, secret text NOT NULL);
  INSERT INTO x_vault.x_keys VALUES (1, 'deploy', '${VAULT[0]}'), (2, 'backup', '${VAULT[1]}');
  -- Same name in public, nothing sensitive in it: unqualified x_keys means this one by default.
  CREATE TABLE public.x_keys (id int PRIMARY KEY, label text NOT NULL, secret text NOT NULL);
  INSERT INTO public.x_keys VALUES (1, 'demo', 'decoy-not-secret');
  CREATE TABLE x_ledger (id int NOT NULL, region text NOT NULL, account_no text, amount int NOT NULL) PARTITION BY LIST (region);
  CREATE TABLE x_ledger_eu PARTITION OF x_ledger FOR VALUES IN ('eu');
  CREATE TABLE x_ledger_us PARTITION OF x_ledger FOR VALUES IN ('us');
  INSERT INTO x_ledger VALUES (1, 'eu', '${ACCOUNTS[0]}', 500), (2, 'us', '${ACCOUNTS[1]}', 300), (3, 'eu', '${ACCOUNTS[2]}', 200);
  CREATE VIEW x_customer_v AS SELECT id, name, city, lower(email) AS contact, phone AS tel FROM x_customers;
  CREATE MATERIALIZED VIEW x_customer_mv AS SELECT id, city, ssn AS tax_ref, name || ' <' || email || '>' AS label FROM x_customers;
  ANALYZE x_customers;
`;

const MASKING = `
  salt: { env: X_MASK_SALT }
  rules:
    - name: x-pii
      connections: [testdb]
      groups: [agents]
      exemptGroups: [dba]
      detectors: [card, ssn, email, jwt, api-token]
      columns:
        - { column: public.x_customers.email, strategy: hash }
        - { column: x_customers.ssn, strategy: partial }
        - { column: x_customers.phone, strategy: redact }
        - { column: x_profiles.data, strategy: redact }
    - name: x-payments
      connections: [testdb]
      groups: [agents]
      exemptGroups: [dba]
      columns:
        - { column: "*.card_number", strategy: partial, keepLast: 4 }
        - { column: public.x_ledger.account_no, strategy: "null" }
    - name: x-vault
      connections: [testdb]
      exemptGroups: [dba]
      columns:
        - { column: x_vault.x_keys.secret, strategy: redact }
`;

/** Only file access is blocked: DDL, writes and everything else reach the masking layer. */
const PERMISSIVE_RULES = `
  - name: x-no-file-access
    match: { functions: [pg_read_file, pg_ls_dir] }
    action: block
`;

// ---------------------------------------------------------------------------------------------
// The leak check.

const flat = (s: string): string => s.toLowerCase().replace(/[^a-z0-9@.]/g, '');
const reverse = (s: string): string => [...s].reverse().join('');

const NEEDLES = RAW.map((raw) => ({ raw, lower: raw.toLowerCase(), flat: flat(raw) }));
const HASHES = RAW.flatMap((raw) =>
  [raw, raw.replace(/[-\s]/g, '')].flatMap((v) =>
    ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'].map((alg) => ({ raw, alg, hex: createHash(alg).update(v, 'utf8').digest('hex') })),
  ),
);

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? '';
  } catch {
    return String(v);
  }
}

/** Every text a returned value can be read as. */
function texts(v: unknown, out: string[] = []): string[] {
  if (v === null || v === undefined) return out;
  if (typeof v === 'string') out.push(v);
  else if (Buffer.isBuffer(v)) out.push(v.toString('utf8'), v.toString('latin1'), v.toString('hex'));
  else if (v instanceof Date) out.push(v.toISOString());
  else if (Array.isArray(v)) {
    for (const x of v) texts(x, out);
    out.push(safeJson(v));
  } else if (typeof v === 'object') {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      out.push(k);
      texts(x, out);
    }
    out.push(safeJson(v));
  } else out.push(String(v));
  return out;
}

/** The text itself and what it decodes to: hex, base64, lists of character codes. */
function decodings(s: string): string[] {
  const out = [s];
  const candidates = [s, ...s.split(/[\s|,;"'{}()[\]\\]+/)].filter((t) => t.length >= 8);
  for (const t of candidates) {
    const hex = t.replace(/^\\x|^x/i, '');
    if (/^[0-9a-f]+$/i.test(hex) && hex.length % 2 === 0) out.push(Buffer.from(hex, 'hex').toString('latin1'));
    const b64 = t.replace(/\s+/g, '');
    if (b64.length >= 12 && /^[A-Za-z0-9+/_-]+={0,2}$/.test(b64)) out.push(Buffer.from(b64.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('latin1'));
  }
  const b64whole = s.replace(/\s+/g, '');
  if (b64whole.length >= 12 && /^[A-Za-z0-9+/]+={0,2}$/.test(b64whole)) out.push(Buffer.from(b64whole, 'base64').toString('latin1'));
  const codes = s.match(/\d+/g)?.map(Number) ?? [];
  if (codes.length >= 6 && codes.every((n) => n >= 32 && n <= 126)) out.push(String.fromCharCode(...codes));
  return out;
}

interface Leak {
  readonly raw: string;
  readonly how: string;
  readonly in: string;
}

/** Raw sensitive values found anywhere in `values`. */
function leaksIn(values: readonly unknown[]): Leak[] {
  const found = new Map<string, Leak>();
  for (const t of texts([...values])) {
    for (const d of decodings(t)) {
      for (const [form, how] of [[d, 'as is'], [reverse(d), 'reversed']] as const) {
        const lower = form.toLowerCase();
        const f = flat(form);
        for (const n of NEEDLES) {
          const hit = lower.includes(n.lower) ? how : f.includes(n.flat) ? `${how}, separators stripped` : undefined;
          if (hit && !found.has(n.raw)) found.set(n.raw, { raw: n.raw, how: d === t ? hit : `${hit}, decoded`, in: t.slice(0, 300) });
        }
      }
      const lower = d.toLowerCase();
      for (const h of HASHES) {
        if (lower.includes(h.hex) && !found.has(`${h.raw}#${h.alg}`)) found.set(`${h.raw}#${h.alg}`, { raw: h.raw, how: `unsalted ${h.alg}`, in: t.slice(0, 300) });
      }
    }
  }
  return [...found.values()];
}

/** One line per leak, so a failure shows what came back. */
function describeLeaks(leaks: readonly Leak[]): string[] {
  return leaks.map((l) => `${l.raw} (${l.how}) in ${JSON.stringify(l.in)}`);
}

// ---------------------------------------------------------------------------------------------
// Harness.

type Step = string | { readonly text: string; readonly values?: readonly unknown[]; readonly binary?: boolean; readonly name?: string; readonly extended?: boolean };

interface Attempt {
  readonly name: string;
  readonly sql: Step | readonly Step[];
  /** Wrapped in BEGIN ... ROLLBACK. */
  readonly tx?: boolean;
  /** Later steps still run after an error (to see what a failed statement left behind). */
  readonly keepGoing?: boolean;
}

interface PsqlAttempt {
  readonly name: string;
  readonly args?: readonly string[];
  readonly input?: string;
}

let b: TestBroker;
let admin: pg.Client;

beforeAll(async () => {
  admin = await adminClient();
  await admin.query(SCHEMA_SQL);
  const db = inject('pg');
  b = await startTestBroker({
    masking: MASKING,
    env: { X_MASK_SALT: 'x-exfiltration-salt' },
    rules: PERMISSIVE_RULES,
    extraConnections: `
  x_clear:
    upstream: { host: ${db.host}, port: ${db.port}, database: ${db.database}, user: ${db.superuser}, password: { env: TEST_UPSTREAM_PASSWORD }, tls: { mode: disable } }
    allowGroups: [agents, developers, dba]
    defaultAction: allow`,
  });
});

afterAll(async () => {
  await b?.[Symbol.asyncDispose]();
  await admin?.end();
});

interface Observed {
  /** Everything the client received: cells, error and notice fields, notification payloads. */
  readonly received: unknown[];
  readonly errors: { code?: string; message: string }[];
  /** Rows of the last step that returned rows. */
  readonly lastRows: Record<string, unknown>[];
}

function stepConfig(step: Step, rowMode: 'array' | undefined): pg.QueryConfig {
  const s = typeof step === 'string' ? { text: step } : step;
  return {
    text: s.text,
    ...(s.values ? { values: [...s.values] } : {}),
    ...(s.binary ? { binary: true } : {}),
    ...(s.name ? { name: s.name } : {}),
    ...(s.extended ? { queryMode: 'extended' } : {}),
    ...(rowMode ? { rowMode } : {}),
  } as pg.QueryConfig;
}

async function run(c: pg.Client, a: Pick<Attempt, 'sql' | 'tx' | 'keepGoing'>, rowMode: 'array' | undefined): Promise<Observed> {
  const received: unknown[] = [];
  const errors: Observed['errors'] = [];
  let lastRows: Record<string, unknown>[] = [];
  c.on('notification', (n) => received.push(n.channel, n.payload));
  c.on('notice', (n) => received.push(n.message, n.detail, n.hint, n.where));
  const steps: readonly Step[] = Array.isArray(a.sql) ? a.sql : [a.sql as Step];
  if (a.tx) await c.query('BEGIN');
  try {
    for (const step of steps) {
      try {
        const r = (await c.query(stepConfig(step, rowMode))) as pg.QueryResult | pg.QueryResult[];
        for (const res of Array.isArray(r) ? r : [r]) {
          received.push(...res.rows);
          if (res.fields?.length) lastRows = res.rows as Record<string, unknown>[];
        }
      } catch (e) {
        const err = e as pg.DatabaseError;
        errors.push({ code: err.code, message: err.message });
        received.push(err.message, err.detail, err.hint, err.where, err.column, err.table, err.constraint, err.dataType);
        if (!a.keepGoing) break;
      }
    }
  } finally {
    if (a.tx) await c.query('ROLLBACK').catch(() => undefined);
    // Notifications and notices arrive with the answer; give stragglers a moment.
    await new Promise((r) => setTimeout(r, 20));
  }
  return { received, errors, lastRows };
}

async function attempt(a: Attempt): Promise<void> {
  const c = await b.client('alice', ['agents']);
  try {
    const o = await run(c, a, 'array');
    expect(describeLeaks(leaksIn(o.received)), `${a.name} — errors: ${safeJson(o.errors)}`).toEqual([]);
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function psqlAttempt(a: PsqlAttempt): Promise<void> {
  const token = await b.token('alice', ['agents']);
  const out = await psql(b.port, 'alice', token, [...(a.args ?? [])], a.input);
  expect(describeLeaks(leaksIn([out.stdout, out.stderr])), `${a.name} — exit ${out.status}, stderr: ${out.stderr.slice(0, 400)}`).toEqual([]);
}

// ---------------------------------------------------------------------------------------------
// 1. Exfiltration attempts.

const WHOLE_ROWS: Attempt[] = [
  { name: 'plain columns', sql: 'SELECT email, ssn, phone FROM x_customers' },
  { name: 'aliases, schema-qualified table', sql: 'SELECT s.email AS contact, s.ssn AS tax, s.phone AS tel FROM public.x_customers AS s' },
  { name: 'star', sql: 'SELECT * FROM x_customers' },
  { name: 'TABLE, schema-qualified', sql: 'TABLE public.x_customers' },
  { name: 'c.*', sql: 'SELECT c.* FROM x_customers c' },
  { name: 'whole row c', sql: 'SELECT c FROM x_customers c' },
  { name: 'whole row c::text', sql: 'SELECT c::text FROM public.x_customers c' },
  { name: 'row_to_json(c)', sql: 'SELECT row_to_json(c) FROM x_customers c' },
  { name: 'to_jsonb(c) minus a key', sql: "SELECT to_jsonb(c) - 'id' FROM x_customers c" },
  { name: '(c).field and (c).*', sql: 'SELECT (c).phone, (c).* FROM x_customers c' },
  { name: 'hstore-like json_each_text(row_to_json(c))', sql: 'SELECT json_each_text(row_to_json(c)) FROM x_customers c' },
  { name: 'jsonb_each_text(to_jsonb(c)) in FROM', sql: 'SELECT key, value FROM x_customers c, jsonb_each_text(to_jsonb(c))' },
  { name: 'ROW(...)::text', sql: 'SELECT ROW(phone, email, ssn)::text FROM x_customers' },
  { name: 'text(c) function-style cast', sql: 'SELECT text(c) FROM x_customers c' },
  { name: 'jsonb_agg over the table name', sql: 'SELECT jsonb_agg(x_customers) FROM x_customers' },
  { name: 'json_object(keys, values) built from aggregates', sql: 'SELECT json_object(array_agg(name), array_agg(phone)) FROM x_customers' },
  { name: 'jsonb_to_recordset of the whole table', sql: 'SELECT r.phone, r.email FROM jsonb_to_recordset((SELECT jsonb_agg(c) FROM x_customers c)) AS r(phone text, email text)' },
];

const EXPRESSIONS: Attempt[] = [
  { name: '|| with empty strings', sql: "SELECT phone || '' AS p, '' || email AS e, ssn || '' AS s FROM x_customers" },
  { name: 'concat and concat_ws', sql: "SELECT concat(phone), concat_ws('|', ssn, email) FROM x_customers" },
  { name: 'format', sql: "SELECT format('%s/%s/%s', phone, ssn, email) FROM x_customers" },
  { name: 'lpad and rpad', sql: "SELECT lpad(phone, 40, ' '), rpad(ssn, 30, '.') FROM x_customers" },
  { name: 'overlay that changes nothing', sql: "SELECT overlay(phone placing '' from 1 for 0) FROM x_customers" },
  { name: 'translate round trip', sql: "SELECT translate(translate(phone, '0123456789', 'abcdefghij'), 'abcdefghij', '0123456789') FROM x_customers" },
  { name: 'replace', sql: "SELECT replace(replace(phone, ' ', ''), '+', '00'), replace(email, '@', ' at ') FROM x_customers" },
  { name: 'regexp_replace identity', sql: "SELECT regexp_replace(phone, '([0-9])', '\\1', 'g') FROM x_customers" },
  { name: 'split_part pieces recombined', sql: "SELECT split_part(ssn, '-', 1) || '-' || split_part(ssn, '-', 2) || '-' || split_part(ssn, '-', 3) FROM x_customers" },
  { name: 'substring pieces recombined', sql: 'SELECT substring(phone from 1 for 6) || substring(phone from 7) FROM x_customers' },
  { name: 'left and right recombined', sql: 'SELECT left(email, 5) || right(email, -5) FROM x_customers' },
  { name: 'reverse', sql: 'SELECT reverse(phone), reverse(email), reverse(ssn) FROM x_customers' },
  { name: 'upper and initcap', sql: 'SELECT upper(email), initcap(phone) FROM x_customers' },
  { name: 'quote_literal and quote_ident', sql: 'SELECT quote_literal(phone), quote_ident(email) FROM x_customers' },
  { name: 'string_to_array and back', sql: "SELECT array_to_string(string_to_array(phone, ' '), ' ') FROM x_customers" },
  { name: 'repeat and btrim', sql: "SELECT repeat(phone, 2), btrim('  ' || email || '  ') FROM x_customers" },
  { name: 'COLLATE', sql: 'SELECT phone COLLATE "C", email COLLATE "C" FROM x_customers' },
  { name: 'array subscript and ROW field selection', sql: 'SELECT (ARRAY[phone, email])[1], (ROW(phone, ssn)).f1 FROM x_customers' },
];

const CASTS_AND_ENCODINGS: Attempt[] = [
  { name: '::text ::varchar ::varchar(100)', sql: 'SELECT phone::text, ssn::varchar, email::varchar(100) FROM x_customers' },
  { name: '::varchar(3) and ::char(4) pieces', sql: 'SELECT ssn::varchar(3), phone::char(4), email::varchar(5) FROM x_customers' },
  { name: '::bytea and convert_to', sql: "SELECT phone::bytea, convert_to(email, 'UTF8') FROM x_customers" },
  { name: 'to_json and ::json', sql: 'SELECT to_json(phone), to_json(email)::text, to_json(ssn)::json FROM x_customers' },
  { name: '::name', sql: 'SELECT phone::name, email::name FROM x_customers' },
  { name: 'md5 and sha256', sql: "SELECT md5(phone), sha256(convert_to(phone, 'UTF8')), md5(ssn) FROM x_customers" },
  { name: 'encode base64 and hex', sql: "SELECT encode(convert_to(phone, 'UTF8'), 'base64'), encode(convert_to(email, 'UTF8'), 'hex') FROM x_customers" },
  { name: 'encode/decode round trip', sql: "SELECT convert_from(decode(encode(convert_to(phone, 'UTF8'), 'hex'), 'hex'), 'UTF8') FROM x_customers" },
  { name: 'to_hex(ascii()) per character, aggregated', sql: "SELECT string_agg(to_hex(ascii(substr(phone, g, 1))), '' ORDER BY g) FROM x_customers, generate_series(1, 20) g WHERE g <= length(phone) GROUP BY id" },
  { name: 'ascii codes as an array', sql: 'SELECT array_agg(ascii(substr(phone, g, 1)) ORDER BY g) FROM x_customers, generate_series(1, 20) g WHERE g <= length(phone) GROUP BY id' },
  { name: 'sha256 hex of ssn', sql: "SELECT encode(sha256(convert_to(ssn, 'UTF8')), 'hex') FROM x_customers" },
];

const AGGREGATES_AND_WINDOWS: Attempt[] = [
  { name: 'string_agg', sql: "SELECT string_agg(phone, ',' ORDER BY id) FROM x_customers" },
  { name: 'array_agg', sql: 'SELECT array_agg(email ORDER BY id), array_agg(ssn) FROM x_customers' },
  { name: 'json_agg', sql: 'SELECT json_agg(phone), json_agg(c) FROM x_customers c' },
  { name: 'jsonb_object_agg with the value as value', sql: 'SELECT jsonb_object_agg(name, phone) FROM x_customers' },
  { name: 'json_object_agg with the value as key', sql: 'SELECT json_object_agg(email, 1) FROM x_customers' },
  { name: 'min/max', sql: 'SELECT min(phone), max(email), min(ssn) FROM x_customers' },
  { name: 'mode() within group', sql: 'SELECT mode() WITHIN GROUP (ORDER BY phone) FROM x_customers' },
  { name: 'percentile_disc within group', sql: 'SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY phone) FROM x_customers' },
  { name: 'any_value grouped by a clear column', sql: 'SELECT city, any_value(phone) FROM x_customers GROUP BY city' },
  { name: 'xmlagg(xmlelement)', sql: 'SELECT xmlagg(xmlelement(name p, phone))::text FROM x_customers' },
  { name: 'xmlforest', sql: 'SELECT xmlforest(phone, email)::text FROM x_customers' },
  { name: 'SQL/JSON JSON_OBJECT and JSON_ARRAY constructors', sql: "SELECT JSON_OBJECT('p': phone), JSON_ARRAY(email, ssn) FROM x_customers" },
  { name: 'SQL/JSON JSON_ARRAYAGG and JSON_OBJECTAGG', sql: 'SELECT JSON_ARRAYAGG(phone), JSON_OBJECTAGG(name: phone) FROM x_customers' },
  { name: 'array_agg of card numbers over a join', sql: 'SELECT c.name, array_agg(p.card_number) FROM x_customers c JOIN x_payments p ON p.customer_id = c.id GROUP BY c.name' },
  { name: 'lag/lead', sql: 'SELECT lag(phone) OVER (ORDER BY id), lead(email) OVER (ORDER BY id) FROM x_customers' },
  { name: 'first_value/last_value/nth_value over a named window', sql: 'SELECT first_value(ssn) OVER w, last_value(phone) OVER w, nth_value(email, 2) OVER w FROM x_customers WINDOW w AS (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)' },
  { name: 'max() over partition', sql: 'SELECT max(phone) OVER (PARTITION BY city) FROM x_customers' },
];

const CONDITIONALS_AND_SUBQUERIES: Attempt[] = [
  { name: 'CASE choosing between columns', sql: 'SELECT CASE WHEN id = 1 THEN phone ELSE email END FROM x_customers' },
  { name: 'CASE with the value in the ELSE', sql: "SELECT CASE phone WHEN 'nobody' THEN 'x' ELSE phone END FROM x_customers" },
  { name: 'boolean probes returned as values', sql: "SELECT phone LIKE '+1%' AS us, ssn > '5' AS high, email IS NOT NULL AS has FROM x_customers" },
  { name: 'COALESCE/NULLIF/GREATEST/LEAST', sql: "SELECT COALESCE(NULL, phone), NULLIF(email, 'x'), GREATEST(phone, ''), LEAST(ssn, 'zzz') FROM x_customers" },
  { name: 'scalar subquery', sql: 'SELECT (SELECT phone FROM x_customers WHERE id = 1) AS p' },
  { name: 'IN subquery around a derived table', sql: 'SELECT x FROM (SELECT phone AS x FROM x_customers) s WHERE x IN (SELECT phone FROM x_customers)' },
  { name: 'ARRAY(subquery)', sql: 'SELECT ARRAY(SELECT phone FROM x_customers ORDER BY id)' },
  { name: '= ANY (subquery) over unnest', sql: 'SELECT e FROM unnest((SELECT array_agg(email) FROM x_customers)) e WHERE e = ANY (SELECT email FROM x_customers)' },
  { name: 'correlated subquery', sql: "SELECT (SELECT string_agg(s, '') FROM (SELECT c.ssn AS s) q) FROM x_customers c" },
  { name: 'nested derived tables', sql: 'SELECT * FROM (SELECT * FROM (SELECT phone AS deep FROM x_customers) a) b' },
  { name: 'outer column seen through an inner set-returning function', sql: 'SELECT (SELECT phone || $$$$ FROM unnest(ARRAY[1]) u) FROM x_customers' },
  { name: 'outer column seen through an inner catalog relation', sql: 'SELECT (SELECT phone FROM pg_catalog.pg_am LIMIT 1) FROM x_customers' },
  { name: 'outer column seen through an inner JSON_TABLE', sql: "SELECT (SELECT phone FROM JSON_TABLE('[1]', '$[*]' COLUMNS (k int PATH '$')) jt) FROM x_customers" },
  { name: 'LATERAL with an unqualified outer column under generate_series', sql: 'SELECT t.v FROM x_customers c, LATERAL (SELECT phone AS v FROM generate_series(1, 1)) t' },
];

const CTES_AND_SET_OPERATIONS: Attempt[] = [
  { name: 'plain CTE', sql: 'WITH p AS (SELECT phone AS v FROM x_customers) SELECT v FROM p' },
  { name: 'chained CTEs with column aliases', sql: 'WITH p(v) AS (SELECT email FROM x_customers), q AS (SELECT upper(v) AS w FROM p) SELECT lower(w) FROM q' },
  { name: 'recursive CTE carrying the value', sql: 'WITH RECURSIVE r(n, s) AS (SELECT 1, phone FROM x_customers WHERE id = 1 UNION ALL SELECT n + 1, s FROM r WHERE n < 2) SELECT s FROM r' },
  { name: 'recursive CTE rebuilding the value character by character', sql: "WITH RECURSIVE ch(i, acc) AS (SELECT 0, ''::text UNION ALL SELECT i + 1, acc || substr((SELECT phone FROM x_customers WHERE id = 1), i + 1, 1) FROM ch WHERE i < 20) SELECT max(acc) FROM ch" },
  { name: 'data-modifying CTE: DELETE RETURNING', tx: true, sql: 'WITH d AS (DELETE FROM x_customers WHERE id = 2 RETURNING phone, email) SELECT * FROM d' },
  { name: 'data-modifying CTE: UPDATE RETURNING a sensitive column', tx: true, sql: 'WITH u AS (UPDATE x_customers SET city = city WHERE id = 1 RETURNING phone AS v) SELECT v FROM u' },
  { name: 'data-modifying CTE: UPDATE copies phone into city, RETURNING city', tx: true, sql: 'WITH u AS (UPDATE x_customers SET city = phone WHERE id = 1 RETURNING city) SELECT city FROM u' },
  { name: 'data-modifying CTE: INSERT ... SELECT phone RETURNING', tx: true, sql: 'WITH i AS (INSERT INTO x_notes (id, customer_id, body) SELECT 100 + id, id, phone FROM x_customers RETURNING body) SELECT body FROM i' },
  { name: 'data-modifying CTE copies phone into city, then a plain read', tx: true, sql: ['WITH u AS (UPDATE x_customers SET city = phone WHERE id = 3 RETURNING 1) SELECT count(*) FROM u', 'SELECT city FROM x_customers WHERE id = 3'] },
  { name: 'UNION ALL clear and sensitive', sql: 'SELECT name FROM x_customers UNION ALL SELECT phone FROM x_customers' },
  { name: 'UNION with mixed column order', sql: 'SELECT name, phone FROM x_customers UNION SELECT email, name FROM x_customers' },
  { name: 'INTERSECT', sql: 'SELECT phone FROM x_customers INTERSECT SELECT phone FROM x_customers' },
  { name: 'EXCEPT', sql: "SELECT email FROM x_customers EXCEPT SELECT 'nobody@example.invalid'" },
  { name: 'parenthesised UNION ALL with swapped columns', sql: '(SELECT city, phone FROM x_customers) UNION ALL (SELECT ssn, city FROM x_customers) ORDER BY 1' },
  { name: 'set operation in a derived table', sql: 'SELECT * FROM (SELECT id, name FROM x_customers UNION ALL SELECT id, email FROM x_customers) u' },
];

const FROM_TRICKS: Attempt[] = [
  { name: 'LATERAL subquery', sql: 'SELECT t.v FROM x_customers c, LATERAL (SELECT c.phone AS v) t' },
  { name: 'LATERAL VALUES', sql: 'SELECT t.* FROM x_customers c CROSS JOIN LATERAL (VALUES (c.email), (c.ssn)) t(v)' },
  { name: 'VALUES joined to the table', sql: "SELECT v.k, c.phone FROM (VALUES (1, 'a'), (2, 'b')) v(k, l) JOIN x_customers c ON c.id = v.k" },
  { name: 'VALUES holding a scalar subquery', sql: 'SELECT * FROM (VALUES ((SELECT phone FROM x_customers WHERE id = 1))) v(x)' },
  { name: 'unnest(ARRAY[...]) of columns', sql: 'SELECT u FROM x_customers c, unnest(ARRAY[c.phone, c.email, c.ssn]) u' },
  { name: 'unnest of an ARRAY holding a subquery', sql: 'SELECT x FROM unnest(ARRAY[(SELECT phone FROM x_customers WHERE id = 2)]) x' },
  { name: 'generate_series single characters', sql: 'SELECT id, g, substr(phone, g, 1) FROM x_customers, generate_series(1, 20) g' },
  { name: 'generate_series characters re-aggregated', sql: "SELECT string_agg(substr(phone, g, 1), '' ORDER BY g) FROM x_customers, generate_series(1, 20) g GROUP BY id" },
  { name: 'generate_series driving a scalar subquery', sql: 'SELECT g, (SELECT phone FROM x_customers WHERE id = g) FROM generate_series(1, 3) g' },
  { name: 'ROWS FROM with two functions', sql: 'SELECT * FROM ROWS FROM (unnest((SELECT array_agg(phone) FROM x_customers)), generate_series(1, 3)) AS r(p, n)' },
  { name: 'JOIN USING on the sensitive column', sql: 'SELECT phone FROM x_customers a JOIN x_customers b USING (phone)' },
  { name: 'NATURAL JOIN with a derived table naming the value like a clear column', sql: 'SELECT city FROM (SELECT id, name FROM x_customers) a NATURAL JOIN (SELECT id, phone AS city FROM x_customers) s' },
  { name: 'TABLESAMPLE with an expression', sql: 'SELECT upper(phone) FROM x_customers TABLESAMPLE BERNOULLI (100)' },
  { name: 'TABLESAMPLE with a whole-row reference', sql: 'SELECT c::text FROM x_customers c TABLESAMPLE SYSTEM (100)' },
];

const VIEWS_AND_JSON: Attempt[] = [
  { name: 'view columns', sql: 'SELECT contact, tel FROM x_customer_v' },
  { name: 'view star, schema-qualified', sql: 'SELECT * FROM public.x_customer_v' },
  { name: 'view whole row', sql: 'SELECT v FROM x_customer_v v' },
  { name: 'materialized view columns', sql: 'SELECT tax_ref, label FROM x_customer_mv' },
  { name: 'materialized view expression', sql: 'SELECT upper(label) || tax_ref FROM x_customer_mv' },
  { name: 'materialized view joined to the view', sql: 'SELECT m.*, v.tel FROM x_customer_mv m JOIN x_customer_v v USING (id)' },
  { name: 'JSON column', sql: 'SELECT data FROM x_profiles' },
  { name: 'JSON ->> and ->', sql: "SELECT data->>'email', data->'recovery_phrase' FROM x_profiles" },
  { name: 'jsonb_path_query / _first', sql: "SELECT jsonb_path_query(data, '$.email'), jsonb_path_query_first(data, '$.recovery_phrase') FROM x_profiles" },
  { name: 'jsonb_extract_path_text and #>>', sql: "SELECT jsonb_extract_path_text(data, 'email'), data #>> '{recovery_phrase}' FROM x_profiles" },
  { name: 'jsonb_each_text in FROM', sql: 'SELECT value FROM x_profiles, jsonb_each_text(data)' },
  { name: 'JSON_TABLE', sql: "SELECT j.e, j.r FROM x_profiles p, JSON_TABLE(p.data, '$' COLUMNS (e text PATH '$.email', r text PATH '$.recovery_phrase')) j" },
  { name: 'JSON_VALUE / JSON_QUERY', sql: "SELECT JSON_VALUE(data, '$.email'), JSON_QUERY(data, '$.recovery_phrase') FROM x_profiles" },
  { name: 'jsonb_path_query_array of everything', sql: "SELECT jsonb_path_query_array(data, '$.*')::text FROM x_profiles" },
  { name: 'jsonb_to_record', sql: 'SELECT r.email, r.recovery_phrase FROM x_profiles p, jsonb_to_record(p.data) AS r(email text, recovery_phrase text)' },
  { name: 'jsonb_set moving a value into a literal document', sql: "SELECT jsonb_set('{}', '{x}', data->'email') FROM x_profiles" },
  { name: 'detectors: a clear column holding a JWT and an API token', sql: 'SELECT body FROM x_tickets' },
  { name: 'detectors: a clear column concatenated and aggregated', sql: "SELECT 'note: ' || body, json_agg(body) OVER () FROM x_tickets" },
];

const WRITES: Attempt[] = [
  { name: 'UPDATE RETURNING sensitive columns', tx: true, sql: 'UPDATE x_customers SET city = city WHERE id = 1 RETURNING phone, email, ssn' },
  { name: 'UPDATE RETURNING expressions', tx: true, sql: "UPDATE x_customers SET city = 'X' WHERE id = 1 RETURNING upper(phone) AS p, lower(email) AS e, ssn || '' AS s" },
  { name: 'UPDATE RETURNING an expression through the extended protocol', tx: true, sql: { text: "UPDATE x_customers SET city = city WHERE id = $1 RETURNING phone || '' AS p", values: [2] } },
  { name: 'DELETE RETURNING an expression over a schema-qualified vault table', tx: true, sql: "DELETE FROM x_vault.x_keys WHERE id = 1 RETURNING secret || '' AS s, label" },
  { name: 'DELETE RETURNING *', tx: true, sql: 'DELETE FROM x_customers WHERE id = 3 RETURNING *' },
  { name: 'DELETE RETURNING an expression over a glob-matched column', tx: true, sql: "DELETE FROM x_payments WHERE id = 1 RETURNING card_number || ''" },
  { name: 'INSERT RETURNING a scalar subquery', tx: true, sql: "INSERT INTO x_notes (id, customer_id, body) VALUES (50, 1, 'n') RETURNING body, (SELECT phone FROM x_customers WHERE id = 1)" },
  { name: 'INSERT ... ON CONFLICT DO UPDATE copies phone into city, RETURNING city', tx: true, sql: "INSERT INTO x_customers (id, name, city) VALUES (1, 'dup', 'X') ON CONFLICT (id) DO UPDATE SET city = x_customers.phone RETURNING city" },
  { name: 'UPDATE ... FROM RETURNING the joined sensitive column', tx: true, sql: "UPDATE x_notes n SET body = 'x' FROM x_customers c WHERE c.id = n.customer_id RETURNING c.phone" },
  { name: 'UPDATE SET a clear column from a subquery', tx: true, keepGoing: true, sql: ['UPDATE x_notes SET body = (SELECT phone FROM x_customers WHERE id = 1) WHERE id = 1', 'SELECT body FROM x_notes WHERE id = 1'] },
  { name: 'INSERT ... SELECT into a clear column', tx: true, keepGoing: true, sql: ['INSERT INTO x_notes (id, customer_id, body) SELECT 60 + id, id, email FROM x_customers', 'SELECT body FROM x_notes WHERE id > 60'] },
  { name: 'MERGE copying into a clear column', tx: true, keepGoing: true, sql: ['MERGE INTO x_notes n USING x_customers c ON n.customer_id = c.id WHEN MATCHED THEN UPDATE SET body = c.phone', 'SELECT body FROM x_notes'] },
  { name: 'MERGE RETURNING the source column', tx: true, sql: 'MERGE INTO x_notes n USING x_customers c ON n.customer_id = c.id WHEN MATCHED THEN UPDATE SET body = n.body RETURNING c.phone' },
  { name: 'one sensitive column copied into another, then read', tx: true, sql: ['UPDATE x_customers SET ssn = phone WHERE id = 1', 'SELECT ssn, email FROM x_customers WHERE id = 1'] },
];

const PREPARED_AND_CURSORS: Attempt[] = [
  { name: 'PREPARE / EXECUTE', sql: ['PREPARE x_p AS SELECT phone, email FROM x_customers', 'EXECUTE x_p'] },
  { name: 'PREPARE with a parameter / EXECUTE', sql: ['PREPARE x_p2(int) AS SELECT upper(email) FROM x_customers WHERE id = $1', 'EXECUTE x_p2(1)'] },
  { name: 'PREPARE again under the same name (fails), then EXECUTE', keepGoing: true, sql: ["PREPARE x_p3 AS SELECT phone || '' AS v FROM x_customers", "PREPARE x_p3 AS SELECT city || '' AS v FROM x_customers", 'EXECUTE x_p3'] },
  { name: 'DECLARE / FETCH ALL', tx: true, sql: ['DECLARE x_c CURSOR FOR SELECT phone, ssn FROM x_customers', 'FETCH ALL FROM x_c'] },
  { name: 'SCROLL cursor: LAST, BACKWARD, ABSOLUTE, RELATIVE', tx: true, sql: ["DECLARE x_c SCROLL CURSOR FOR SELECT email || '' AS e FROM x_customers ORDER BY id", 'FETCH LAST FROM x_c', 'FETCH BACKWARD 2 FROM x_c', 'FETCH ABSOLUTE 1 FROM x_c', 'FETCH RELATIVE 1 IN x_c'] },
  { name: 'MOVE then FETCH PRIOR', tx: true, sql: ['DECLARE x_c SCROLL CURSOR FOR SELECT ssn FROM x_customers', 'MOVE LAST IN x_c', 'FETCH PRIOR FROM x_c'] },
  { name: 'WITH HOLD cursor outside a transaction', sql: ['DECLARE x_h CURSOR WITH HOLD FOR SELECT phone FROM x_customers', 'FETCH NEXT FROM x_h', 'FETCH 5 FROM x_h', 'CLOSE x_h'] },
  { name: 'DECLARE again under the same name (fails), ROLLBACK TO SAVEPOINT, FETCH', tx: true, keepGoing: true, sql: ["DECLARE x_c CURSOR FOR SELECT phone || '' AS v FROM x_customers", 'SAVEPOINT s', "DECLARE x_c CURSOR FOR SELECT city || '' AS v FROM x_customers", 'ROLLBACK TO SAVEPOINT s', 'FETCH ALL FROM x_c'] },
  { name: 'FETCH through the extended protocol', tx: true, sql: ['DECLARE x_c CURSOR FOR SELECT phone FROM x_customers', { text: 'FETCH 2 FROM x_c', name: 'x_fetch_stmt' }] },
  { name: 'named protocol statement executed twice', sql: [{ text: 'SELECT phone || $1::text AS v FROM x_customers', values: [''], name: 'x_named' }, { text: 'SELECT phone || $1::text AS v FROM x_customers', values: ['!'], name: 'x_named' }] },
  { name: 'SQL EXECUTE of a protocol-level statement', keepGoing: true, sql: [{ text: "SELECT phone || '' AS v FROM x_customers", name: 'x_named2' }, 'EXECUTE x_named2'] },
];

const PROTOCOL_FORMATS: Attempt[] = [
  { name: 'extended protocol with a parameter', sql: { text: 'SELECT phone, email FROM x_customers WHERE id = $1', values: [1] } },
  { name: 'extended protocol, parameter concatenated, schema-qualified', sql: { text: 'SELECT phone || $1 AS v FROM public.x_customers', values: [''] } },
  { name: 'extended protocol without parameters', sql: { text: 'SELECT ssn, phone FROM x_customers', extended: true } },
  { name: 'extended protocol, array parameter', sql: { text: 'SELECT ARRAY[phone, email] FROM x_customers WHERE id = ANY($1)', values: [[1, 2, 3]] } },
  { name: 'binary format, direct columns', sql: { text: 'SELECT phone, ssn, email FROM x_customers WHERE id = $1', values: [1], binary: true } },
  { name: 'binary format, bytea and int derived', sql: { text: 'SELECT convert_to(phone, $1) AS b, length(phone) AS n FROM x_customers', values: ['UTF8'], binary: true } },
  { name: 'binary format, jsonb column', sql: { text: 'SELECT data FROM x_profiles WHERE customer_id = $1', values: [1], binary: true } },
  { name: 'binary format, whole-row record', sql: { text: 'SELECT c FROM x_customers c WHERE id = $1', values: [1], binary: true } },
  { name: 'binary format, card numbers', sql: { text: 'SELECT card_number, amount FROM x_payments WHERE amount > $1', values: [0], binary: true } },
  { name: 'text format, multi-statement simple query', sql: "SELECT 1 AS one; SELECT phone || '' AS v FROM x_customers; SELECT email FROM x_customers" },
];

const ERRORS: Attempt[] = [
  { name: 'cast to int', sql: 'SELECT phone::int FROM x_customers' },
  { name: 'cast to uuid', sql: 'SELECT email::uuid FROM x_customers' },
  { name: 'cast to date', sql: 'SELECT ssn::date FROM x_customers' },
  { name: 'malformed array literal', sql: "SELECT ('{' || phone || '}')::int[] FROM x_customers" },
  { name: 'cast to regclass', sql: 'SELECT phone::regclass FROM x_customers' },
  { name: 'cast to int with quotes wrapped around the value', sql: `SELECT ('" ' || phone || ' "')::int FROM x_customers WHERE id = 1` },
  { name: 'cast to numeric with a quote in front', sql: `SELECT ('"' || phone)::numeric FROM x_customers WHERE id = 2` },
  { name: 'cast of an email wrapped in quotes', sql: `SELECT ('"' || email || '"')::numeric FROM x_customers WHERE id = 1` },
  { name: 'make_date out of range prints the digits', sql: "SELECT make_date(replace(ssn, '-', '')::int, 1, 1) FROM x_customers WHERE id = 1" },
  { name: 'make_time out of range prints the digits', sql: "SELECT make_time(replace(ssn, '-', '')::int, 0, 0) FROM x_customers WHERE id = 2" },
  { name: 'chr() out of range prints the number', sql: "SELECT chr(replace(ssn, '-', '')::int) FROM x_customers WHERE id = 1" },
  { name: 'unique violation (DETAIL prints the key)', tx: true, sql: 'UPDATE x_customers SET email = (SELECT email FROM x_customers WHERE id = 2) WHERE id = 1' },
  { name: 'unique violation on a copied ssn', tx: true, sql: "INSERT INTO x_customers (id, name, city, ssn) SELECT 10, 'Eve', 'Rome', ssn FROM x_customers WHERE id = 1" },
  { name: 'check violation (DETAIL prints the row)', tx: true, sql: "UPDATE x_customers SET name = repeat('x', 60) WHERE id = 1" },
  { name: 'not-null violation (DETAIL prints the row)', tx: true, sql: 'UPDATE x_customers SET city = NULL WHERE id = 2' },
  { name: 'foreign key violation with a copied card number', tx: true, sql: 'INSERT INTO x_payments (id, customer_id, card_number, amount) SELECT 99, 999, card_number, 1 FROM x_payments WHERE id = 1' },
  { name: 'division by zero on a computed expression', sql: 'SELECT phone, 1 / (length(phone) - length(phone)) FROM x_customers' },
  { name: 'JSON value cast to int', sql: "SELECT (data->>'email')::int FROM x_profiles" },
  { name: 'jsonpath .double() on a string', sql: "SELECT jsonb_path_query(data, '$.recovery_phrase.double()') FROM x_profiles" },
  { name: 'jsonpath .datetime() on a string', sql: "SELECT jsonb_path_query(data, 'strict $.email.datetime()') FROM x_profiles" },
  { name: 'JSON value re-parsed as JSON', sql: "SELECT (data->>'recovery_phrase')::jsonb FROM x_profiles" },
  { name: 'JSON value spliced into a jsonpath', sql: "SELECT jsonb_path_query('{}', ('$.' || (data->>'recovery_phrase'))::jsonpath) FROM x_profiles" },
  { name: 'current_setting of the value', sql: 'SELECT current_setting(phone) FROM x_customers' },
  { name: 'to_date of the value', sql: "SELECT to_date(phone, 'YYYY-MM-DD') FROM x_customers" },
];

const SIDE_CHANNELS: Attempt[] = [
  { name: 'pg_notify with a column payload', sql: ['LISTEN x_chan', "SELECT pg_notify('x_chan', phone) FROM x_customers"] },
  { name: 'NOTIFY with a literal payload', sql: ['LISTEN x_chan', "NOTIFY x_chan, 'literal payload'"] },
  { name: 'set_config with a column value', sql: ["SELECT set_config('x.leak', phone, false) FROM x_customers", "SELECT current_setting('x.leak', true)"] },
  { name: 'SET a literal, current_setting round trip', sql: ["SET x.leak = 'constant'", "SELECT current_setting('x.leak')"] },
  { name: 'set_config inside a LIMIT subquery, then current_setting', sql: ["SELECT name FROM x_customers LIMIT (SELECT count(*) FROM (SELECT set_config('x.lim', phone, false) FROM x_customers WHERE id = 1) s)", "SELECT current_setting('x.lim', true) AS v"] },
  { name: 'pg_notify inside an OFFSET subquery', sql: ['LISTEN x_off', "SELECT 1 OFFSET (SELECT count(*) FROM (SELECT pg_notify('x_off', phone) FROM x_customers) s) - 3"] },
  { name: 'set_config inside OVER (PARTITION BY ...)', sql: ["SELECT count(*) OVER (PARTITION BY set_config('x.win', phone, false)) FROM x_customers WHERE id = 1", "SELECT current_setting('x.win', true) AS v"] },
  { name: 'set_config inside a WINDOW clause', sql: ["SELECT row_number() OVER w FROM x_customers WHERE id = 2 WINDOW w AS (ORDER BY set_config('x.w2', phone, false))", "SELECT current_setting('x.w2', true) AS v"] },
  { name: 'set_config in a MERGE join condition', tx: true, keepGoing: true, sql: ["MERGE INTO x_notes n USING x_customers c ON set_config('x.mrg', c.phone, false) = '' WHEN MATCHED THEN DO NOTHING", "SELECT current_setting('x.mrg', true) AS v"] },
  { name: 'set_config in the WHERE of a data-modifying CTE', tx: true, keepGoing: true, sql: ["WITH u AS (UPDATE x_notes SET body = body WHERE set_config('x.cte', (SELECT phone FROM x_customers WHERE id = 1), false) <> '' RETURNING 1) SELECT count(*) FROM u", "SELECT current_setting('x.cte', true) AS v"] },
  { name: 'query_to_xml', sql: "SELECT query_to_xml('SELECT phone FROM x_customers', true, false, '')" },
  { name: 'DO block raising the value', sql: "DO $$ BEGIN RAISE NOTICE '%', (SELECT phone FROM x_customers LIMIT 1); END $$" },
];

const EXPLAIN_AND_STATISTICS: Attempt[] = [
  { name: 'EXPLAIN VERBOSE', sql: 'EXPLAIN VERBOSE SELECT phone FROM x_customers' },
  { name: 'EXPLAIN (ANALYZE, VERBOSE) of an expression', sql: 'EXPLAIN (ANALYZE, VERBOSE) SELECT upper(email) FROM x_customers' },
  { name: 'EXPLAIN (ANALYZE) plain', sql: 'EXPLAIN (ANALYZE, COSTS OFF) SELECT phone, ssn FROM x_customers ORDER BY phone' },
  { name: 'plain EXPLAIN with a filter', sql: "EXPLAIN SELECT name FROM x_customers WHERE phone LIKE '+1%'" },
  { name: 'EXPLAIN (ANALYZE, VERBOSE) of a data-modifying CTE, then a read', tx: true, keepGoing: true, sql: ['EXPLAIN (ANALYZE, VERBOSE) WITH u AS (UPDATE x_customers SET city = phone WHERE id = 1 RETURNING city) SELECT * FROM u', 'SELECT city FROM x_customers WHERE id = 1'] },
  { name: 'pg_stats', sql: "SELECT * FROM pg_stats WHERE tablename = 'x_customers'" },
  { name: 'pg_catalog.pg_stats histogram', sql: "SELECT histogram_bounds::text, most_common_vals::text FROM pg_catalog.pg_stats WHERE tablename = 'x_customers'" },
  { name: 'pg_statistic', sql: 'SELECT stavalues1::text, stavalues2::text FROM pg_statistic' },
  { name: 'pg_statistic through TABLESAMPLE', sql: "SELECT stavalues1::text, stavalues2::text, stavalues3::text FROM pg_catalog.pg_statistic TABLESAMPLE SYSTEM (100) WHERE starelid = 'public.x_customers'::regclass" },
  { name: 'pg_stats in an EXISTS', sql: "SELECT 1 WHERE EXISTS (SELECT 1 FROM pg_stats WHERE tablename = 'x_customers')" },
];

const SEARCH_PATH_AND_SCHEMAS: Attempt[] = [
  { name: 'search_path to the vault, direct column', sql: ['SET search_path = x_vault, public', 'SELECT secret, label FROM x_keys'] },
  { name: 'search_path to the vault, expression', sql: ['SET search_path = x_vault, public', 'SELECT upper(secret) AS s FROM x_keys'] },
  { name: 'search_path to the vault, whole row', sql: ['SET search_path TO x_vault', 'SELECT k FROM x_keys k'] },
  { name: 'search_path to the vault, aggregate', sql: ['SET search_path = x_vault, public', "SELECT string_agg(secret, ',') FROM x_keys"] },
  { name: 'SET LOCAL search_path in a transaction', tx: true, sql: ['SET LOCAL search_path = x_vault', "SELECT secret || '' FROM x_keys"] },
  { name: 'search_path changed, public table still masked', sql: ['SET search_path = x_vault, public', "SELECT phone || '' FROM x_customers"] },
  { name: 'schema-qualified vault, expression', sql: 'SELECT upper(secret), k::text FROM x_vault.x_keys k' },
  { name: 'partitioned parent', sql: 'SELECT account_no, l::text FROM x_ledger l' },
  { name: 'partition read directly', sql: 'SELECT account_no FROM x_ledger_eu' },
  { name: 'partition read directly, expression, schema-qualified', sql: 'SELECT upper(account_no) FROM public.x_ledger_us' },
];

const DDL_AND_USER_CODE: Attempt[] = [
  { name: 'CREATE TEMP VIEW over sensitive columns, then read it', tx: true, keepGoing: true, sql: ['CREATE TEMP VIEW x_tv AS SELECT phone, email FROM x_customers', 'SELECT * FROM x_tv'] },
  { name: 'CREATE TEMP TABLE AS', tx: true, keepGoing: true, sql: ['CREATE TEMP TABLE x_tt AS SELECT phone FROM x_customers', 'SELECT * FROM x_tt'] },
  { name: 'SELECT INTO TEMP', tx: true, keepGoing: true, sql: ['SELECT phone INTO TEMP x_tt2 FROM x_customers', 'SELECT * FROM x_tt2'] },
  { name: 'CREATE TEMP TABLE, INSERT ... SELECT, read', tx: true, keepGoing: true, sql: ['CREATE TEMP TABLE x_tt3 (v text)', 'INSERT INTO x_tt3 SELECT phone FROM x_customers', 'SELECT v FROM x_tt3'] },
  { name: 'CREATE VIEW over an expression, read it', tx: true, keepGoing: true, sql: ['CREATE VIEW x_leak_v AS SELECT upper(phone) AS v FROM x_customers', 'SELECT v FROM x_leak_v'] },
  { name: 'rename the sensitive column, read it', tx: true, keepGoing: true, sql: ['ALTER TABLE x_customers RENAME COLUMN phone TO tel', 'SELECT tel FROM x_customers'] },
  { name: 'user function called directly', tx: true, keepGoing: true, sql: ['CREATE FUNCTION x_f(text) RETURNS text LANGUAGE sql AS $$ SELECT $1 $$', 'SELECT x_f(phone) FROM x_customers'] },
  {
    name: 'user function behind an operator stores the value in a setting',
    tx: true,
    keepGoing: true,
    sql: [
      "CREATE FUNCTION x_opf(text, int) RETURNS text LANGUAGE sql AS $$ SELECT set_config('x.op', $1, false) $$",
      'CREATE OPERATOR ##> (LEFTARG = text, RIGHTARG = int, FUNCTION = x_opf)',
      'SELECT count(phone ##> 1) FROM x_customers WHERE id = 1',
      "SELECT current_setting('x.op', true) AS v",
    ],
  },
  {
    name: 'user function shadowing upper() through search_path',
    tx: true,
    keepGoing: true,
    sql: [
      "CREATE FUNCTION public.upper(text) RETURNS text LANGUAGE sql AS $$ SELECT set_config('x.up', $1, false) $$",
      'SET LOCAL search_path = public, pg_catalog',
      'SELECT count(upper(phone)) FROM x_customers WHERE id = 2',
      "SELECT current_setting('x.up', true) AS v",
    ],
  },
  {
    name: 'trigger on a clear table reads the sensitive table',
    tx: true,
    keepGoing: true,
    sql: [
      'CREATE FUNCTION x_trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.body := (SELECT phone FROM public.x_customers WHERE id = 1); RETURN NEW; END $$',
      'CREATE TRIGGER x_trg BEFORE INSERT ON x_notes FOR EACH ROW EXECUTE FUNCTION x_trg()',
      "INSERT INTO x_notes (id, customer_id, body) VALUES (70, 1, 'hello') RETURNING body",
    ],
  },
  {
    name: 'column default calling a user function that reads the sensitive table',
    tx: true,
    keepGoing: true,
    sql: [
      'CREATE FUNCTION x_def() RETURNS text LANGUAGE sql AS $$ SELECT phone FROM public.x_customers WHERE id = 2 $$',
      'ALTER TABLE x_notes ALTER COLUMN body SET DEFAULT x_def()',
      'INSERT INTO x_notes (id, customer_id) VALUES (71, 2) RETURNING body',
    ],
  },
];

const COPY_ATTEMPTS: PsqlAttempt[] = [
  { name: 'COPY table TO STDOUT', args: ['-c', 'COPY x_customers TO STDOUT'] },
  { name: 'COPY schema-qualified table with a column list', args: ['-c', 'COPY public.x_customers (phone, email, ssn) TO STDOUT'] },
  { name: 'COPY (SELECT expressions) TO STDOUT', args: ['-c', "COPY (SELECT phone || '', upper(email) FROM x_customers) TO STDOUT"] },
  { name: 'COPY (SELECT * FROM view) TO STDOUT', args: ['-c', 'COPY (SELECT * FROM x_customer_v) TO STDOUT'] },
  { name: 'COPY csv', args: ['-c', 'COPY x_customers TO STDOUT WITH (FORMAT csv)'] },
  { name: 'COPY binary', args: ['-c', 'COPY x_customers TO STDOUT (FORMAT binary)'] },
  { name: 'COPY with a custom delimiter', args: ['-c', "COPY x_customers TO STDOUT WITH DELIMITER '|'"] },
  { name: 'COPY (SELECT) CSV HEADER, old syntax', args: ['-c', 'COPY (SELECT phone FROM x_customers) TO STDOUT WITH CSV HEADER'] },
  { name: '\\copy meta-command', args: ['-c', '\\copy (SELECT email, phone FROM x_customers) TO STDOUT'] },
  { name: 'COPY (UPDATE ... RETURNING) TO STDOUT', args: ['-c', 'BEGIN', '-c', 'COPY (UPDATE x_customers SET city = city RETURNING phone, email) TO STDOUT', '-c', 'ROLLBACK'] },
  { name: 'COPY (DELETE ... RETURNING *) TO STDOUT', args: ['-c', 'BEGIN', '-c', 'COPY (DELETE FROM x_customers WHERE id = 2 RETURNING *) TO STDOUT', '-c', 'ROLLBACK'] },
  { name: 'COPY a partition', args: ['-c', 'COPY x_ledger_eu TO STDOUT'] },
  { name: 'COPY a glob-matched table', args: ['-c', 'COPY x_payments TO STDOUT'] },
  { name: 'COPY the JSON table', args: ['-c', 'COPY x_profiles TO STDOUT'] },
  { name: 'COPY after SET search_path', args: ['-c', 'SET search_path = x_vault', '-c', 'COPY (SELECT upper(secret) FROM x_keys) TO STDOUT'] },
  { name: 'psql aligned output', args: ['-c', 'SELECT phone, email, ssn FROM x_customers'] },
  { name: 'psql \\gset into a variable and \\echo', input: 'SELECT phone AS p, email AS e FROM x_customers WHERE id = 1 \\gset\n\\echo :p :e\n' },
];

const ATTEMPTS: readonly Attempt[] = [
  ...WHOLE_ROWS,
  ...EXPRESSIONS,
  ...CASTS_AND_ENCODINGS,
  ...AGGREGATES_AND_WINDOWS,
  ...CONDITIONALS_AND_SUBQUERIES,
  ...CTES_AND_SET_OPERATIONS,
  ...FROM_TRICKS,
  ...VIEWS_AND_JSON,
  ...WRITES,
  ...PREPARED_AND_CURSORS,
  ...PROTOCOL_FORMATS,
  ...ERRORS,
  ...SIDE_CHANNELS,
  ...EXPLAIN_AND_STATISTICS,
  ...SEARCH_PATH_AND_SCHEMAS,
  ...DDL_AND_USER_CODE,
];

describe('masking-exfiltration: a masked identity gets no raw sensitive value', () => {
  it('has a corpus of at least 90 attempts with distinct names', () => {
    const names = [...ATTEMPTS.map((a) => a.name), ...COPY_ATTEMPTS.map((a) => a.name)];
    expect(names.length).toBeGreaterThanOrEqual(90);
    expect(new Set(names).size).toBe(names.length);
  });

  it('the leak check finds raw values in every form it claims to', () => {
    expect(leaksIn([ALICE.phone]).map((l) => l.raw)).toEqual([ALICE.phone]);
    expect(leaksIn([ALICE.phone.replace(/ /g, '')])).toHaveLength(1);
    expect(leaksIn([reverse(BOB.email).toUpperCase()])).toHaveLength(1);
    expect(leaksIn([Buffer.from(VAULT[0]!).toString('base64')])).toHaveLength(1);
    expect(leaksIn([`\\x${Buffer.from(ACCOUNTS[1]!).toString('hex')}`])).toHaveLength(1);
    expect(leaksIn([{ nested: [[`x${CARDS[2]}y`]] }])).toHaveLength(1);
    expect(leaksIn([Buffer.from(CAROL.ssn)])).toHaveLength(1);
    expect(leaksIn([createHash('md5').update(ALICE.phone).digest('hex')])).toHaveLength(1);
    expect(leaksIn([`{${[...PROFILE_1.recovery_phrase].map((ch) => ch.charCodeAt(0)).join(',')}}`])).toHaveLength(1);
    expect(leaksIn(['***-**-9876', '************1111', '[masked]', 'h:0123456789abcdef', null, 42])).toEqual([]);
  });

  it.each(ATTEMPTS.map((a) => [a.name, a] as const))('attempt: %s', async (_name, a) => {
    await attempt(a);
  });

  it.each(COPY_ATTEMPTS.map((a) => [a.name, a] as const))('psql attempt: %s', async (_name, a) => {
    await psqlAttempt(a);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Queries whose answers must come back clear and exact.

interface ClearQuery {
  readonly name: string;
  readonly sql: Step | readonly Step[];
  readonly tx?: boolean;
  readonly expected: readonly Record<string, unknown>[];
}

const CLEAR: readonly ClearQuery[] = [
  { name: 'non-sensitive columns', sql: 'SELECT id, name, city FROM x_customers ORDER BY id', expected: [{ id: 1, name: 'Alice', city: 'Paris' }, { id: 2, name: 'Bob', city: 'Oslo' }, { id: 3, name: 'Carol', city: 'Paris' }] },
  { name: 'counts over sensitive columns, schema-qualified', sql: 'SELECT count(*)::int AS n, count(DISTINCT phone)::int AS d, count(email)::int AS e FROM public.x_customers', expected: [{ n: 3, d: 3, e: 3 }] },
  { name: 'sum and max of a clear column', sql: 'SELECT sum(amount)::int AS s, max(amount) AS m FROM x_payments', expected: [{ s: 465, m: 250 }] },
  { name: 'equality filter on a sensitive column', sql: `SELECT name FROM x_customers WHERE ssn = '${ALICE.ssn}'`, expected: [{ name: 'Alice' }] },
  { name: 'LIKE filters on sensitive columns', sql: "SELECT name FROM x_customers WHERE email LIKE 'bob.%' OR phone LIKE '+33%' ORDER BY id", expected: [{ name: 'Bob' }, { name: 'Carol' }] },
  { name: 'EXISTS over a glob-matched column', sql: "SELECT c.name FROM x_customers c WHERE EXISTS (SELECT 1 FROM x_payments p WHERE p.customer_id = c.id AND p.card_number LIKE '4%') ORDER BY c.id", expected: [{ name: 'Alice' }] },
  { name: 'GROUP BY a clear column', sql: 'SELECT city, count(*)::int AS n FROM x_customers GROUP BY city ORDER BY city', expected: [{ city: 'Oslo', n: 1 }, { city: 'Paris', n: 2 }] },
  { name: 'join returning clear columns', sql: 'SELECT c.name, p.amount FROM x_customers c JOIN x_payments p ON p.customer_id = c.id ORDER BY p.id', expected: [{ name: 'Alice', amount: 100 }, { name: 'Bob', amount: 250 }, { name: 'Carol', amount: 75 }, { name: 'Alice', amount: 40 }] },
  { name: 'ORDER BY a sensitive column', sql: 'SELECT name FROM x_customers ORDER BY ssn', expected: [{ name: 'Carol' }, { name: 'Alice' }, { name: 'Bob' }] },
  { name: 'row_number over an ORDER BY a sensitive column', sql: 'SELECT name, (row_number() OVER (ORDER BY phone))::int AS rn FROM x_customers ORDER BY id', expected: [{ name: 'Alice', rn: 1 }, { name: 'Bob', rn: 3 }, { name: 'Carol', rn: 2 }] },
  { name: 'count with FILTER on a sensitive column', sql: "SELECT (count(*) FILTER (WHERE card_number LIKE '5%'))::int AS n FROM x_payments", expected: [{ n: 1 }] },
  { name: 'extended protocol, parameter compared with a sensitive column', sql: { text: 'SELECT name FROM x_customers WHERE phone = $1', values: [BOB.phone] }, expected: [{ name: 'Bob' }] },
  { name: 'extended protocol, array parameter', sql: { text: 'SELECT name FROM x_customers WHERE phone = ANY($1::text[]) ORDER BY id', values: [[ALICE.phone, CAROL.phone]] }, expected: [{ name: 'Alice' }, { name: 'Carol' }] },
  { name: 'binary format, clear column', sql: { text: 'SELECT name FROM x_customers WHERE id = $1', values: [3], binary: true }, expected: [{ name: 'Carol' }] },
  { name: 'clear columns of the view', sql: 'SELECT name, city FROM x_customer_v ORDER BY id', expected: [{ name: 'Alice', city: 'Paris' }, { name: 'Bob', city: 'Oslo' }, { name: 'Carol', city: 'Paris' }] },
  { name: 'clear columns of the materialized view', sql: 'SELECT id, city FROM x_customer_mv ORDER BY id', expected: [{ id: 1, city: 'Paris' }, { id: 2, city: 'Oslo' }, { id: 3, city: 'Paris' }] },
  { name: 'clear JSON column', sql: "SELECT customer_id, prefs->>'theme' AS theme FROM x_profiles ORDER BY customer_id", expected: [{ customer_id: 1, theme: 'dark' }, { customer_id: 2, theme: 'light' }] },
  { name: 'filter on a path inside the sensitive JSON column', sql: "SELECT customer_id FROM x_profiles WHERE data->>'email' LIKE 'eli%'", expected: [{ customer_id: 2 }] },
  { name: 'partitioned table, clear aggregate', sql: 'SELECT region, sum(amount)::int AS total FROM x_ledger GROUP BY region ORDER BY region', expected: [{ region: 'eu', total: 700 }, { region: 'us', total: 300 }] },
  { name: 'same-named public table is not the vault', sql: 'SELECT secret FROM public.x_keys', expected: [{ secret: 'decoy-not-secret' }] },
  { name: 'clear column of the vault table', sql: 'SELECT label FROM x_vault.x_keys ORDER BY id', expected: [{ label: 'deploy' }, { label: 'backup' }] },
  { name: 'recursive CTE over nothing sensitive', sql: 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 4) SELECT sum(n)::int AS s FROM r', expected: [{ s: 10 }] },
  { name: 'UNION ALL of clear columns', sql: 'SELECT name AS v FROM x_customers WHERE id = 1 UNION ALL SELECT city FROM x_customers WHERE id = 2', expected: [{ v: 'Alice' }, { v: 'Oslo' }] },
  { name: 'cursor over clear columns', tx: true, sql: ['DECLARE x_cc CURSOR FOR SELECT name FROM x_customers ORDER BY id', 'FETCH 2 FROM x_cc'], expected: [{ name: 'Alice' }, { name: 'Bob' }] },
  { name: 'PREPARE / EXECUTE filtering on a sensitive column', sql: ['PREPARE x_pc(text) AS SELECT city FROM x_customers WHERE ssn = $1', `EXECUTE x_pc('${BOB.ssn}')`], expected: [{ city: 'Oslo' }] },
  { name: 'IN subquery filtering on a sensitive column', sql: "SELECT amount FROM x_payments WHERE customer_id IN (SELECT id FROM x_customers WHERE email LIKE 'carol%')", expected: [{ amount: 75 }] },
  { name: 'UPDATE filtered on a sensitive column, RETURNING clear columns', tx: true, sql: `UPDATE x_customers SET city = 'Lyon' WHERE ssn = '${ALICE.ssn}' RETURNING id, city`, expected: [{ id: 1, city: 'Lyon' }] },
  { name: 'LATERAL count per customer', sql: 'SELECT c.name, t.n FROM x_customers c, LATERAL (SELECT count(*)::int AS n FROM x_payments p WHERE p.customer_id = c.id) t ORDER BY c.id', expected: [{ name: 'Alice', n: 2 }, { name: 'Bob', n: 1 }, { name: 'Carol', n: 1 }] },
  // A custom setting (`x.y`) is refused even when the client set it itself: code Airlock cannot
  // see (a trigger) could have put a masked value there. Built-in settings stay readable.
  { name: 'current_setting of a built-in setting', sql: ["SET application_name = 'ok'", "SELECT current_setting('application_name') AS v"], expected: [{ v: 'ok' }] },
  { name: 'data-modifying CTE returning clear columns', tx: true, sql: 'WITH u AS (UPDATE x_customers SET city = city WHERE id = 2 RETURNING id, city) SELECT id, city FROM u', expected: [{ id: 2, city: 'Oslo' }] },
  { name: 'plain EXPLAIN of a clear query', sql: 'EXPLAIN (COSTS OFF) SELECT name FROM x_customers', expected: [{ 'QUERY PLAN': 'Seq Scan on x_customers' }] },
  { name: 'count over a partition', sql: 'SELECT count(*)::int AS n FROM x_ledger_eu', expected: [{ n: 2 }] },
  { name: 'sensitive columns only in a join condition', sql: 'SELECT a.name AS a, b.name AS b FROM x_customers a JOIN x_customers b ON a.phone = b.phone ORDER BY a.id', expected: [{ a: 'Alice', b: 'Alice' }, { a: 'Bob', b: 'Bob' }, { a: 'Carol', b: 'Carol' }] },
];

const CLEAR_COPY: readonly { name: string; sql: string; stdout: string }[] = [
  { name: 'COPY (SELECT clear columns) TO STDOUT', sql: 'COPY (SELECT id, name FROM x_customers ORDER BY id) TO STDOUT', stdout: '1\tAlice\n2\tBob\n3\tCarol\n' },
  { name: 'COPY of clear columns in CSV with a header', sql: 'COPY (SELECT name, city FROM x_customers ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)', stdout: 'name,city\nAlice,Paris\nBob,Oslo\nCarol,Paris\n' },
];

function plain(rows: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('utf8') : v])));
}

describe('masking-exfiltration: what derives from nothing sensitive stays clear', () => {
  it('has at least 20 clear queries', () => {
    expect(CLEAR.length + CLEAR_COPY.length).toBeGreaterThanOrEqual(20);
  });

  it.each(CLEAR.map((q) => [q.name, q] as const))('clear: %s', async (_name, q) => {
    const c = await b.client('alice', ['agents']);
    try {
      const o = await run(c, q, undefined);
      expect(o.errors, q.name).toEqual([]);
      expect(plain(o.lastRows)).toEqual(q.expected);
    } finally {
      await c.end().catch(() => undefined);
    }
  });

  it.each(CLEAR_COPY.map((q) => [q.name, q] as const))('clear psql: %s', async (_name, q) => {
    const token = await b.token('alice', ['agents']);
    const out = await psql(b.port, 'alice', token, ['-c', q.sql]);
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(out.stdout).toBe(q.stdout);
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Identities and connections no rule masks.

describe('masking-exfiltration: who is not masked sees clear values', () => {
  const SQL = "SELECT email, ssn, phone, upper(phone) AS up, (SELECT card_number FROM x_payments WHERE id = 1) AS card, (SELECT data->>'email' FROM x_profiles WHERE customer_id = 1) AS jmail FROM x_customers WHERE id = 1";
  const CLEAR_ROW = { email: ALICE.email, ssn: ALICE.ssn, phone: ALICE.phone, up: ALICE.phone.toUpperCase(), card: CARDS[0], jmail: PROFILE_1.email };

  it('an exempt group (dba, even together with agents) sees everything clear', async () => {
    const c = await b.client('bob', ['dba', 'agents']);
    try {
      expect((await c.query(SQL)).rows).toEqual([CLEAR_ROW]);
      expect((await c.query('SELECT upper(secret) AS s FROM x_vault.x_keys WHERE id = 1')).rows).toEqual([{ s: VAULT[0]!.toUpperCase() }]);
      expect((await c.query('SELECT account_no FROM x_ledger WHERE id = 2')).rows).toEqual([{ account_no: ACCOUNTS[1] }]);
    } finally {
      await c.end().catch(() => undefined);
    }
  });

  it('a group the PII rules do not name sees customers clear, but the vault rule (all groups) still masks', async () => {
    const c = await b.client('alice', ['developers']);
    try {
      expect((await c.query(SQL)).rows).toEqual([CLEAR_ROW]);
      const r = await c.query({ text: 'SELECT secret, upper(secret) AS up FROM x_vault.x_keys WHERE id = 1', rowMode: 'array' });
      expect(leaksIn(r.rows)).toEqual([]);
    } finally {
      await c.end().catch(() => undefined);
    }
  });

  it('a connection no rule covers shows masked identities clear values', async () => {
    const c = await b.client('alice', ['agents'], { database: 'x_clear' });
    try {
      expect((await c.query(SQL)).rows).toEqual([CLEAR_ROW]);
      expect((await c.query('SELECT upper(secret) AS s FROM x_vault.x_keys WHERE id = 2')).rows).toEqual([{ s: VAULT[1]!.toUpperCase() }]);
    } finally {
      await c.end().catch(() => undefined);
    }
  });

  it('the same statement through the masked connection is masked (control)', async () => {
    const c = await b.client('alice', ['agents']);
    try {
      const r = await c.query({ text: SQL, rowMode: 'array' });
      expect(r.rows).toHaveLength(1);
      expect(leaksIn(r.rows)).toEqual([]);
    } finally {
      await c.end().catch(() => undefined);
    }
  });
});
