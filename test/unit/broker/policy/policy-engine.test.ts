import { describe, expect, it } from 'vitest';
import type { StatementSummary } from '../../../../broker/analysis/types.js';
import type { ConnectionConfig, RuleConfig } from '../../../../broker/config/types.js';
import type { Principal } from '../../../../broker/identity/types.js';
import { PolicyEngine } from '../../../../broker/policy/policy-engine.js';
import { NamePattern } from '../../../../broker/policy/glob.js';

const stmt = (s: Partial<StatementSummary>): StatementSummary => ({
  kind: 'select',
  node: 'SelectStmt',
  tablesRead: [],
  tablesWritten: [],
  functions: [],
  operations: [],
  missingWhere: false,
  modifyingCte: false,
  writes: false,
  literalDependent: false,
  ...s,
});

const principal = (groups: string[], kind: 'human' | 'service' = 'human'): Principal => ({
  subject: 'alice', issuer: 'https://idp', issuerName: 'idp', groups, kind, expiresAt: 0,
});

const connection = (defaultAction: ConnectionConfig['defaultAction'] = 'block'): ConnectionConfig => ({
  name: 'shop',
  upstream: { host: 'h', port: 5432, database: 'd', user: 'u', tls: { mode: 'disable' }, connectTimeoutMs: 1000 },
  allowGroups: ['dev'],
  roles: [],
  defaultAction,
});

const rules: RuleConfig[] = [
  { name: 'reads', match: { kinds: ['select'] }, action: 'allow' },
  { name: 'writes', match: { kinds: ['insert', 'update', 'delete'] }, action: 'allow' },
  { name: 'no-unbounded', match: { kinds: ['update', 'delete'], missingWhere: true }, action: 'block', hint: 'Add WHERE.' },
  { name: 'payments-review', match: { kinds: ['delete'], tablesWritten: ['public.payments'] }, action: 'approve' },
  { name: 'agents-no-ddl', match: { groups: ['agents'], kinds: ['ddl'] }, action: 'block', reason: 'agents do not change the schema' },
  { name: 'ci-only', match: { principalKinds: ['service'], kinds: ['ddl'] }, action: 'allow' },
  { name: 'other-conn', match: { connections: ['elsewhere'], kinds: ['select'] }, action: 'block' },
  { name: 'files', match: { functions: ['pg_read_*'] }, action: 'block' },
];

function decide(statements: StatementSummary[], groups = ['dev'], kind: 'human' | 'service' = 'human', roleLocked = false, def: ConnectionConfig['defaultAction'] = 'block') {
  const engine = new PolicyEngine(rules);
  const p = principal(groups, kind);
  return engine.forSession({ connection: 'shop', principal: p }, connection(def), roleLocked).decideStatements(statements);
}

describe('policy engine', () => {
  it('allows what an allow rule matches and names the rule', () => {
    const d = decide([stmt({})]);
    expect(d).toMatchObject({ action: 'allow', rule: 'reads' });
  });

  it('falls back to the connection default, and says so', () => {
    const d = decide([stmt({ kind: 'ddl', node: 'CreateStmt' })]);
    expect(d.action).toBe('block');
    expect(d.rule).toBe('default:shop');
    expect(d.explanation).toContain('default action');
    expect(decide([stmt({ kind: 'ddl' })], ['dev'], 'human', false, 'allow').action).toBe('allow');
  });

  it('lets the most severe matching action win', () => {
    const d = decide([stmt({ kind: 'delete', tablesWritten: ['payments'], missingWhere: true })]);
    expect(d).toMatchObject({ action: 'block', rule: 'no-unbounded', hint: 'Add WHERE.' });
    const a = decide([stmt({ kind: 'delete', tablesWritten: ['payments'] })]);
    expect(a).toMatchObject({ action: 'approve', rule: 'payments-review' });
  });

  it('judges a multi-statement string by its most severe statement', () => {
    const d = decide([stmt({}), stmt({ kind: 'delete', missingWhere: true })]);
    expect(d).toMatchObject({ action: 'block', statementIndex: 1 });
  });

  it('applies group, principal-kind and connection conditions', () => {
    expect(decide([stmt({ kind: 'ddl' })], ['agents']).rule).toBe('agents-no-ddl');
    expect(decide([stmt({ kind: 'ddl' })], ['dev'], 'service')).toMatchObject({ action: 'allow', rule: 'ci-only' });
    expect(decide([stmt({})]).rule).not.toBe('other-conn');
  });

  it('explains with the configured reason', () => {
    const d = decide([stmt({ kind: 'ddl' })], ['agents']);
    expect(d.explanation).toBe('rule "agents-no-ddl" (block): agents do not change the schema');
  });

  it('matches function globs, schema-qualified or not', () => {
    expect(decide([stmt({ functions: ['pg_catalog.pg_read_file'] })]).rule).toBe('files');
    expect(decide([stmt({ functions: ['pg_read_binary_file'] })]).rule).toBe('files');
  });

  it('does not let a permissive default cover DO or CALL; a rule naming the kind does', () => {
    expect(decide([stmt({ kind: 'do', node: 'DoStmt', writes: true })], ['dev'], 'human', false, 'allow').rule).toBe('airlock:opaque-code');
    const engine = new PolicyEngine([{ name: 'procs', match: { kinds: ['call'] }, action: 'allow' }]);
    const d = engine.forSession({ connection: 'shop', principal: principal(['dev']) }, connection('allow'), false).decideStatements([stmt({ kind: 'call', node: 'CallStmt' })]);
    expect(d.rule).toBe('procs');
  });

  it('refuses unparsable statements before any rule', () => {
    const d = decide([stmt({ kind: 'unknown', node: 'unknown', writes: true })], ['dev'], 'human', false, 'allow');
    expect(d).toMatchObject({ action: 'block', rule: 'airlock:unparsable' });
  });

  it('locks the mapped role: SET ROLE, RESET ALL, DISCARD and set_config are refused', () => {
    const set = (name: string) => stmt({ kind: 'set', node: 'VariableSetStmt', setting: { name, value: 'x', local: false } });
    for (const s of [set('role'), set('session_authorization'), set('all'), stmt({ kind: 'session', node: 'DiscardStmt' }), stmt({ functions: ['set_config'] })]) {
      expect(decide([s], ['dev'], 'human', true, 'allow').rule).toBe('airlock:role-lock');
    }
    expect(decide([set('role')], ['dev'], 'human', false, 'allow').action).toBe('allow');
  });

  it('refuses set_config with a computed setting name', () => {
    const computed = stmt({ functions: ['set_config'], setting: { name: '*', value: null, local: false } });
    expect(decide([computed], ['dev'], 'human', false, 'allow').rule).toBe('airlock:guard-settings');
  });

  it('refuses unsafe client encodings and server-side COPY', () => {
    const enc = stmt({ kind: 'set', node: 'VariableSetStmt', setting: { name: 'client_encoding', value: 'SJIS', local: false } });
    expect(decide([enc], ['dev'], 'human', false, 'allow').rule).toBe('airlock:client-encoding');
    const copy = stmt({ kind: 'copy', node: 'CopyStmt', copy: { direction: 'from', program: true, serverFile: false } });
    expect(decide([copy], ['dev'], 'human', false, 'allow').rule).toBe('airlock:server-side-copy');
  });
});

describe('kinds and nested operations', () => {
  it('a block rule on delete catches a DELETE inside a WITH clause or a COPY', () => {
    const cte = stmt({ kind: 'select', operations: ['delete'], missingWhere: true, tablesWritten: ['t'] });
    expect(decide([cte])).toMatchObject({ action: 'block', rule: 'no-unbounded' });
    const copy = stmt({ kind: 'copy', node: 'CopyStmt', operations: ['delete'], missingWhere: true });
    expect(decide([copy])).toMatchObject({ action: 'block', rule: 'no-unbounded' });
  });

  it('an allow rule on select does not allow a SELECT that hides a write', () => {
    const cte = stmt({ kind: 'select', operations: ['insert'], tablesWritten: ['log'] });
    expect(decide([cte])).toMatchObject({ action: 'block', rule: 'default:shop' });
    const rules2: RuleConfig[] = [{ name: 'rw', match: { kinds: ['select', 'insert'] }, action: 'allow' }];
    const engine = new PolicyEngine(rules2);
    const d = engine.forSession({ connection: 'shop', principal: principal(['dev']) }, connection(), false).decideStatements([cte]);
    expect(d).toMatchObject({ action: 'allow', rule: 'rw' });
  });
});

describe('name patterns', () => {
  it('matches qualified and unqualified names conservatively', () => {
    const p = new NamePattern('public.customers');
    expect(p.matches('customers')).toBe(true);
    expect(p.matches('public.customers')).toBe(true);
    expect(p.matches('other.customers')).toBe(false);
    const any = new NamePattern('customers');
    expect(any.matches('other.customers')).toBe(true);
    const glob = new NamePattern('sales.*');
    expect(glob.matches('sales.orders')).toBe(true);
    expect(glob.matches('orders')).toBe(true);
    expect(new NamePattern('Customers').matches('customers')).toBe(true);
  });
});
