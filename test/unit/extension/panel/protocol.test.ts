/**
 * The live panel's protocol: the pure reducer that is the panel's logic, and the runtime guards
 * on both directions of the message channel (a webview is untrusted).
 */
import { describe, expect, it } from 'vitest';
import {
  DecideCommand,
  EventNotification,
  MAX_RECENT,
  ReadyCommand,
  StateNotification,
  emptyState,
  isHostMessage,
  isWebviewMessage,
  mayDecide,
  message,
  reduce,
  withAccount,
  type PanelState,
} from '../../../../extension/panel/protocol.js';
import { account, approval, events, person } from '../../../support/panel-fixtures.js';

const alice = account('alice', ['dev'], 'Alice');
const bob = account('bob', ['dba'], 'Bob');
const carol = account('carol', ['dev']);

describe('reduce', () => {
  it('files my pending request under waiting and another reviewer sees it in the inbox', () => {
    const req = approval({ requester: person('alice', ['dev']) });
    const mine = reduce(emptyState(alice), events.requested(req), alice);
    expect(mine.waiting.map((r) => r.id)).toEqual([req.id]);
    expect(mine.inbox).toEqual([]);
    const theirs = reduce(emptyState(bob), events.requested(req), bob);
    expect(theirs.waiting).toEqual([]);
    expect(theirs.inbox.map((r) => r.id)).toEqual([req.id]);
  });

  it('keeps requests out of the inbox of users in no reviewer group', () => {
    const req = approval({ requester: person('alice') });
    expect(reduce(emptyState(carol), events.requested(req), carol)).toEqual(emptyState(carol));
  });

  it('never puts a reviewer’s own request in their inbox, even in the reviewer group', () => {
    const dbaOwn = approval({ requester: person('bob', ['dba']) });
    const s = reduce(emptyState(bob), events.requested(dbaOwn), bob);
    expect(s.inbox).toEqual([]);
    expect(s.waiting.map((r) => r.id)).toEqual([dbaOwn.id]);
  });

  it('matches identity on issuer as well as subject', () => {
    const req = approval({ requester: { ...person('alice'), issuer: 'https://other.example.test' } });
    const s = reduce(emptyState(alice), events.requested(req), alice);
    expect(s.waiting).toEqual([]);
  });

  it('updates a request in place and removes it from both lists once decided', () => {
    const a = approval({ id: 'apr_a' });
    const b = approval({ id: 'apr_b' });
    let s: PanelState = emptyState(alice);
    s = reduce(s, events.requested(a), alice);
    s = reduce(s, events.requested(b), alice);
    expect(s.waiting.map((r) => r.id)).toEqual(['apr_b', 'apr_a']);
    const reviewed = { ...a, decisions: [{ reviewer: person('dan', ['dba']), verdict: 'approve' as const, comment: 'ok', at: new Date().toISOString(), asGroups: ['dba'] }] };
    s = reduce(s, events.updated(reviewed), alice);
    expect(s.waiting.map((r) => r.id)).toEqual(['apr_b', 'apr_a']);
    expect(s.waiting[1]?.decisions).toHaveLength(1);
    s = reduce(s, events.decided({ ...a, state: 'approved' }), alice);
    expect(s.waiting.map((r) => r.id)).toEqual(['apr_b']);

    let r: PanelState = reduce(emptyState(bob), events.requested(b), bob);
    r = reduce(r, events.decided({ ...b, state: 'denied' }), bob);
    expect(r.inbox).toEqual([]);
    expect(r.waiting).toEqual([]);
  });

  it('drops a request from my inbox once I have decided it (quorum not yet reached)', () => {
    const req = approval({ requirements: [{ rule: 'r', explanation: 'x', groups: ['dba'], mode: 'any', quorum: 2 }] });
    let s = reduce(emptyState(bob), events.requested(req), bob);
    expect(s.inbox).toHaveLength(1);
    const afterMine = { ...req, decisions: [{ reviewer: person('bob', ['dba']), verdict: 'approve' as const, comment: '', at: new Date().toISOString(), asGroups: ['dba'] }] };
    expect(mayDecide(afterMine, bob)).toBe(false);
    s = reduce(s, events.updated(afterMine), bob);
    expect(s.inbox).toEqual([]);
  });

  it('records my blocked statements, masked results and sessions, newest first, with the event time', () => {
    let s = emptyState(alice);
    s = reduce(s, events.blocked(person('alice'), 'DROP TABLE a'), alice);
    s = reduce(s, events.blocked(person('alice'), 'DROP TABLE b'), alice);
    s = reduce(s, events.masked(person('alice')), alice);
    s = reduce(s, events.session(person('alice'), 'started'), alice);
    s = reduce(s, events.session(person('alice'), 'ended'), alice);
    expect(s.blocked.map((b) => b.sql)).toEqual(['DROP TABLE b', 'DROP TABLE a']);
    expect(s.blocked[0]?.at).toMatch(/^\d{4}-/);
    expect(s.masked[0]).toMatchObject({ columns: ['email', 'phone'], values: 84 });
    expect(s.sessions.map((x) => x.state)).toEqual(['ended', 'started']);
    expect(s.sessions[0]?.reason).toBe('client closed');
  });

  it('ignores other people’s feed events, access events, and everything when signed out', () => {
    const s = emptyState(alice);
    expect(reduce(s, events.blocked(person('mallory')), alice)).toBe(s);
    expect(reduce(s, events.masked(person('mallory')), alice)).toBe(s);
    expect(reduce(s, events.session(person('mallory')), alice)).toBe(s);
    const access = { type: 'access.requested', at: '', access: {} } as never;
    expect(reduce(s, access, alice)).toBe(s);
    const none = emptyState();
    expect(reduce(none, events.requested(approval()), undefined)).toEqual(none);
    expect(reduce(none, events.blocked(person('alice')), undefined)).toBe(none);
  });

  it(`keeps at most ${MAX_RECENT} entries in each feed`, () => {
    let s = emptyState(alice);
    for (let i = 0; i < MAX_RECENT + 5; i++) {
      s = reduce(s, events.blocked(person('alice'), `DROP TABLE t${i}`), alice);
      s = reduce(s, events.masked(person('alice')), alice);
      s = reduce(s, events.session(person('alice')), alice);
    }
    expect(s.blocked).toHaveLength(MAX_RECENT);
    expect(s.masked).toHaveLength(MAX_RECENT);
    expect(s.sessions).toHaveLength(MAX_RECENT);
    expect(s.blocked[0]?.sql).toBe(`DROP TABLE t${MAX_RECENT + 4}`);
  });

  it('does not mutate its input', () => {
    const s = Object.freeze(emptyState(alice)) as PanelState;
    expect(() => reduce(s, events.requested(approval()), alice)).not.toThrow();
    expect(s.waiting).toEqual([]);
  });

  it('refiles requests and drops others’ feeds when the account changes', () => {
    const mine = approval({ id: 'apr_mine' });
    const bobs = approval({ id: 'apr_bobs', requester: person('bob', ['dba']) });
    let s = reduce(emptyState(alice), events.requested(mine), alice);
    s = reduce(s, events.blocked(person('alice')), alice);
    s = { ...s, inbox: [bobs] };
    const asBob = withAccount(s, bob);
    expect(asBob.account).toEqual(bob);
    expect(asBob.waiting.map((r) => r.id)).toEqual(['apr_bobs']);
    expect(asBob.inbox.map((r) => r.id)).toEqual(['apr_mine']);
    expect(asBob.blocked).toEqual([]);
    expect(withAccount(s, undefined)).toEqual(emptyState());
  });
});

describe('guards', () => {
  it('accepts every well-formed webview message', () => {
    expect(isWebviewMessage(message(ReadyCommand, {}))).toBe(true);
    expect(isWebviewMessage({ method: 'command/openApproval', params: { id: 'apr_AbC-12_x' } })).toBe(true);
    expect(isWebviewMessage(message(DecideCommand, { id: 'apr_1', verdict: 'deny', comment: '' }))).toBe(true);
  });

  it.each([
    ['null', null],
    ['a string', 'ready'],
    ['no params', { method: 'ready' }],
    ['an unknown method', { method: 'command/exec', params: {} }],
    ['a missing id', { method: 'command/openApproval', params: {} }],
    ['an id that is a URL', { method: 'command/openApproval', params: { id: 'https://evil.example/' } }],
    ['a bad verdict', { method: 'command/decide', params: { id: 'apr_1', verdict: 'yes', comment: '' } }],
    ['a comment that is not a string', { method: 'command/decide', params: { id: 'apr_1', verdict: 'approve', comment: 1 } }],
    ['a huge comment', { method: 'command/decide', params: { id: 'apr_1', verdict: 'approve', comment: 'x'.repeat(5000) } }],
    ['params as an array', { method: 'ready', params: [] }],
  ])('rejects a webview message with %s', (_name, msg) => {
    expect(isWebviewMessage(msg)).toBe(false);
  });

  it('accepts well-formed host messages', () => {
    let s = reduce(emptyState(alice), events.requested(approval()), alice);
    s = reduce(s, events.blocked(person('alice')), alice);
    s = reduce(s, events.masked(person('alice')), alice);
    s = reduce(s, events.session(person('alice'), 'ended'), alice);
    expect(isHostMessage(message(StateNotification, { state: s }))).toBe(true);
    expect(isHostMessage(message(StateNotification, { state: emptyState() }))).toBe(true);
    for (const e of [events.requested(approval()), events.blocked(person('x')), events.masked(person('x')), events.session(person('x'))]) {
      expect(isHostMessage(message(EventNotification, { event: e }))).toBe(true);
    }
    expect(isHostMessage({ method: 'account', params: { account: null } })).toBe(true);
    expect(isHostMessage({ method: 'account', params: { account: alice } })).toBe(true);
    expect(isHostMessage({ method: 'command/decide/completion', params: { id: 'apr_1', ok: false, message: 'no' } })).toBe(true);
  });

  it.each([
    ['a state without lists', { method: 'state/full', params: { state: { waiting: [] } } }],
    ['a request with non-string SQL', { method: 'state/full', params: { state: { ...emptyState(), waiting: [{ ...approval(), statement: { sql: 1 } }] } } }],
    ['a request in an unknown state', { method: 'event', params: { event: events.requested({ ...approval(), state: 'weird' as never }) } }],
    ['an unknown event type', { method: 'event', params: { event: { type: 'approval.exploded', at: '' } } }],
    ['a masked event with a count that is not a number', { method: 'event', params: { event: { type: 'result.masked', at: '', masked: { connection: 'c', requester: person('a'), columns: [], rules: [], values: '3' } } } }],
    ['an account without groups', { method: 'account', params: { account: { subject: 'a' } } }],
    ['a completion without ok', { method: 'command/decide/completion', params: { id: 'apr_1' } }],
    ['a webview message', { method: 'ready', params: {} }],
  ])('rejects a host message with %s', (_name, msg) => {
    expect(isHostMessage(msg)).toBe(false);
  });
});
