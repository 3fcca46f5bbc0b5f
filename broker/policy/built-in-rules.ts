/**
 * Protections that hold whatever the configuration says. They come first and are named
 * `airlock:*` so an error, a recording or a reviewer can tell them from configured rules.
 */
import type { StatementSummary } from '../analysis/types.js';
import { isReadOnlyBuiltin } from '../analysis/functions.js';
import { isSafeClientEncoding } from '../protocol/postgres/index.js';

export interface BuiltInVerdict {
  readonly rule: string;
  readonly explanation: string;
  readonly hint: string;
}

/** Settings whose change would take the session out from under the rules. */
const ROLE_SETTINGS = new Set(['role', 'session_authorization', 'all']);
/**
 * Functions that run SQL given as text, or read a table named as text: what they do is out of
 * the analyser's sight (`query_to_xml('SELECT pg_read_file(...)')`, `table_to_xml('customers')`).
 */
const DYNAMIC_SQL = /^(pg_catalog\.)?(query_to_xml|query_to_xmlschema|query_to_xml_and_xmlschema|cursor_to_xml|cursor_to_xmlschema|table_to_xml|table_to_xmlschema|table_to_xml_and_xmlschema|schema_to_xml|schema_to_xmlschema|schema_to_xml_and_xmlschema|database_to_xml|database_to_xmlschema|database_to_xml_and_xmlschema)$|(^|\.)dblink/;

/** Settings that switch off triggers or row security for everyone's rules. */
const GUARD_SETTINGS = new Set(['session_replication_role']);

export function checkBuiltIns(s: StatementSummary, roleLocked: boolean): BuiltInVerdict | undefined {
  if (s.kind === 'unknown' && s.execute) {
    return {
      rule: 'airlock:unknown-prepared',
      explanation: `prepared statement "${s.execute.name}" was not prepared through Airlock in this session, so what it runs is unknown`,
      hint: 'PREPARE it (or Parse it) in this session first.',
    };
  }
  if (s.kind === 'unknown') {
    return {
      rule: 'airlock:unparsable',
      explanation: 'the statement could not be analysed, and Airlock refuses what it cannot analyse',
      hint: 'Check the SQL syntax; split it into plain statements.',
    };
  }
  const dynamic = s.functions.find((f) => DYNAMIC_SQL.test(f));
  if (dynamic) {
    return {
      rule: 'airlock:dynamic-sql',
      explanation: `${dynamic}() runs SQL or reads tables named in text, which Airlock cannot analyse`,
      hint: 'Run the query itself instead of passing it as text.',
    };
  }
  if (s.copy && (s.copy.program || s.copy.serverFile)) {
    return {
      rule: 'airlock:server-side-copy',
      explanation: `COPY ${s.copy.direction === 'from' ? 'FROM' : 'TO'} ${s.copy.program ? 'PROGRAM' : 'a server file'} runs on the database server`,
      hint: 'Use COPY ... FROM STDIN / TO STDOUT (psql \\copy) instead.',
    };
  }
  const setting = s.setting;
  if (setting) {
    if (roleLocked && ROLE_SETTINGS.has(setting.name)) {
      return {
        rule: 'airlock:role-lock',
        explanation: `changing ${setting.name === 'all' ? 'all settings' : setting.name} is not allowed: the broker sets your database role from your identity`,
        hint: 'Run the statement as the role you were given.',
      };
    }
    if (setting.name === '*') {
      return {
        rule: 'airlock:guard-settings',
        explanation: 'set_config() with a setting name computed at run time could change any setting',
        hint: 'Name the setting literally, or use SET.',
      };
    }
    if (GUARD_SETTINGS.has(setting.name)) {
      return {
        rule: 'airlock:guard-settings',
        explanation: `changing ${setting.name} is not allowed through Airlock`,
        hint: 'Leave this setting at its default.',
      };
    }
    if (setting.name === 'client_encoding' && setting.value !== null && !isSafeClientEncoding(setting.value)) {
      return {
        rule: 'airlock:client-encoding',
        explanation: `client encoding ${setting.value} can hide quotes inside multibyte characters`,
        hint: 'Use client_encoding UTF8.',
      };
    }
  }
  if (roleLocked && s.node === 'DiscardStmt') {
    return {
      rule: 'airlock:role-lock',
      explanation: 'DISCARD would reset the database role the broker set from your identity',
      hint: 'Reconnect instead of DISCARD.',
    };
  }
  if (roleLocked) {
    // The role is set by the broker, but code it cannot see (DO blocks, procedures, user or
    // side-effecting functions, set_config among them) could change it from inside.
    const opaque = s.kind === 'do' || s.kind === 'call' ? `a ${s.kind.toUpperCase()} statement` : undefined;
    const fn = opaque ? undefined : s.functions.find((f) => !isReadOnlyBuiltin(f));
    if (opaque || fn) {
      return {
        rule: 'airlock:role-lock',
        explanation: `${opaque ?? `calling ${fn}()`} runs code Airlock cannot see, which could change the database role set from your identity`,
        hint: 'Use plain SQL and built-in read-only functions under a mapped role.',
      };
    }
  }
  return undefined;
}
