import { describe, expect, it } from 'vitest';
import { BlockedStatements } from '../../../../broker/proxy/blocked-statements.js';
import { parseQuery, parseParse } from '../../../../broker/protocol/postgres/frontend-messages.js';
import { errorResponse } from '../../../../broker/protocol/postgres/backend-messages.js';
import { readErrorFields } from '../../../../broker/protocol/postgres/backend-fields.js';

const ours = { severity: 'ERROR' as const, code: '42501', message: 'Airlock blocked this statement: rule "x"', hint: 'do y' };

/** What PostgreSQL answers to `SELECT <marker>`. */
const serverAnswer = (sql: string) => {
  const marker = sql.replace(/^SELECT /, '');
  return errorResponse({ severity: 'ERROR', code: '42703', message: `column "${marker}" does not exist`, position: 8 });
};

describe('refusal poisons', () => {
  it('poison a simple query with a column that cannot exist, and swap the answer for ours', () => {
    const b = new BlockedStatements();
    const sql = parseQuery(b.poisonQuery(1, ours));
    expect(sql).toMatch(/^SELECT __airlock_refused_[0-9a-f]{12}_1x$/);
    const swapped = b.substitute(serverAnswer(sql));
    expect(swapped).toBeDefined();
    expect(Object.fromEntries(readErrorFields(swapped!))).toMatchObject({ C: '42501', M: ours.message, H: 'do y' });
    expect(b.hasPending).toBe(false);
  });

  it('poison a Parse without naming a statement', () => {
    const b = new BlockedStatements();
    const p = parseParse(b.poisonParse(3, ours));
    expect(p.name).toBe('');
    expect(p.sql).toMatch(/^SELECT __airlock_refused_/);
  });

  it('leaves other errors alone, tells markers 1 and 10 apart, and forgets poisons of settled units', () => {
    const b = new BlockedStatements();
    const first = parseQuery(b.poisonQuery(1, { ...ours, message: 'one' }));
    for (let i = 2; i <= 10; i++) b.poisonQuery(2, { ...ours, message: `m${i}` });
    const other = errorResponse({ severity: 'ERROR', code: '25P02', message: 'current transaction is aborted' });
    expect(b.substitute(other)).toBeUndefined();
    const tenth = `${first.slice(7, -2)}10x`;
    expect(readErrorFields(b.substitute(serverAnswer(`SELECT ${tenth}`))!).get('M')).toBe('m10');
    b.settle(1);
    expect(b.substitute(serverAnswer(first))).toBeUndefined();
    b.settle(2);
    expect(b.hasPending).toBe(false);
  });

  it('uses a different marker prefix per session, so one session cannot forge another\'s', () => {
    const a = parseQuery(new BlockedStatements().poisonQuery(1, ours));
    const c = parseQuery(new BlockedStatements().poisonQuery(1, ours));
    expect(a).not.toBe(c);
  });
});
