import { describe, expect, it } from 'vitest';
import { ReadingBarrier } from '../../../../broker/proxy/reading-barrier.js';
import { ExtendedQueryState } from '../../../../broker/proxy/extended-query-state.js';
import type { GateResult } from '../../../../broker/proxy/statement-gate.js';

const msg = (n: number) => ({ code: 0x51, frame: Buffer.from([n]) });

describe('reading barrier', () => {
  it('holds messages until the unit of the change completes, then releases them in order', () => {
    const b = new ReadingBarrier();
    expect(b.active).toBe(false);
    b.holdUntilUnit(3);
    expect(b.active).toBe(true);
    b.hold(msg(1));
    b.hold(msg(2));
    b.settle(2);
    expect(b.next()).toBeUndefined();
    b.settle(3);
    expect(b.next()?.frame[0]).toBe(1);
    b.holdUntilUnit(4); // the first replayed message changed the reading rules again
    expect(b.next()).toBeUndefined();
    expect(b.active).toBe(true);
    b.settle(4);
    expect(b.next()?.frame[0]).toBe(2);
    expect(b.active).toBe(false);
  });

  it('turns a change inside an extended batch into a hold at its Sync', () => {
    const b = new ReadingBarrier();
    b.syncSent(1);
    expect(b.active).toBe(false);
    b.changedInBatch = true;
    b.syncSent(2);
    expect(b.changedInBatch).toBe(false);
    expect(b.active).toBe(true);
    b.settle(2);
    expect(b.active).toBe(false);
  });
});

describe('extended query state', () => {
  const summary = (extra: object) => ({ kind: 'deallocate', node: 'DeallocateStmt', tablesRead: [], tablesWritten: [], functions: [], operations: [], missingWhere: false, modifyingCte: false, writes: false, literalDependent: false, ...extra });
  const gate = (statements: object[] = []): GateResult =>
    ({ analysis: { ok: true, statements: statements.map(summary) }, decision: { action: 'allow' }, kinds: [], changesReading: false }) as unknown as GateResult;

  it('keeps the first text of a name the server would refuse to redefine, but replaces the unnamed one', () => {
    const s = new ExtendedQueryState();
    s.parsed('a', 'DELETE FROM t WHERE id = 1', gate());
    s.parsed('a', 'SELECT 1', gate());
    expect(s.statement('a')?.sql).toBe('DELETE FROM t WHERE id = 1');
    s.parsed('', 'SELECT 1', gate());
    s.parsed('', 'SELECT 2', gate());
    expect(s.statement('')?.sql).toBe('SELECT 2');
  });

  it('keeps the unnamed statement (and its record fragment) when the same text is parsed again the same way', () => {
    const s = new ExtendedQueryState();
    const g = gate();
    s.parsed('', 'SELECT $1', g, [23]);
    const first = s.statement('')!;
    first.fragment = 'built once';
    s.parsed('', 'SELECT $1', g, [23]);
    expect(s.statement('')).toBe(first);
    // Anything that changes how it is judged or run makes it a new statement.
    s.parsed('', 'SELECT $1', g, [25]);
    expect(s.statement('')).not.toBe(first);
    expect(s.statement('')?.fragment).toBeUndefined();
    const second = s.statement('')!;
    s.parsed('', 'SELECT $1', gate(), [25]);
    expect(s.statement('')).not.toBe(second);
    const third = s.statement('')!;
    s.parsed('', 'SELECT $2', third.gate, [25]);
    expect(s.statement('')?.sql).toBe('SELECT $2');
  });

  it('forgets statements on Close, DEALLOCATE and DISCARD', () => {
    const s = new ExtendedQueryState();
    s.parsed('a', 'SELECT 1', gate());
    s.parsed('b', 'SELECT 2', gate());
    s.closed('S', 'a');
    expect(s.statement('a')).toBeUndefined();
    s.forgetDeallocated(gate([{ deallocate: { name: 'b' } }]));
    expect(s.statement('b')).toBeUndefined();
    s.parsed('c', 'SELECT 3', gate());
    s.forgetDeallocated(gate([{ node: 'DiscardStmt' }]));
    expect(s.statement('c')).toBeUndefined();
  });
});
