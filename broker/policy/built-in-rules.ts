/**
 * Protections that hold whatever the configuration says. They come first and are named
 * `airlock:*` so an error, a recording or a reviewer can tell them from configured rules.
 */
import type { StatementSummary } from '../analysis/types.js';
import { isSafeClientEncoding } from '../protocol/postgres/index.js';

export interface BuiltInVerdict {
  readonly rule: string;
  readonly explanation: string;
  readonly hint: string;
}

/** Settings whose change would take the session out from under the rules. */
const ROLE_SETTINGS = new Set(['role', 'session_authorization', 'all']);
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
  if (roleLocked && s.functions.some((f) => f === 'set_config' || f.endsWith('.set_config'))) {
    return {
      rule: 'airlock:role-lock',
      explanation: 'set_config() can change the database role the broker set from your identity',
      hint: 'Use SET for ordinary settings.',
    };
  }
  return undefined;
}
