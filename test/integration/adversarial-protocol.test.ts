/**
 * Adversarial tests against the running broker: extended-protocol tricks, SQL-level vs
 * protocol-level prepared statements, pipelined changes of the session's reading rules, and
 * role-lock escapes. Each test asserts the SAFE outcome, checked on the database directly.
 * Comments marked FIXED describe a problem this review found and the fix that closed it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startTestBroker, type TestBroker } from '../support/broker-harness.js';
import { adminClient } from '../support/admin-client.js';
import { bytes, cstr, frame, int16, int32 } from '../support/pg-bytes.js';
import { bind, close, describe_, errors, execute, parse, query, Raw, sync } from '../support/raw-protocol.js';

let b: TestBroker;
let admin: pg.Client;

beforeAll(async () => {
  b = await startTestBroker();
  admin = await adminClient();
});
afterAll(async () => {
  await admin.end();
  await b[Symbol.asyncDispose]();
});

/** A fresh victim table with 5 rows, writable by everyone (so only the broker stands between). */
async function victim(name: string): Promise<void> {
  await admin.query(`DROP TABLE IF EXISTS ${name}; CREATE TABLE ${name} (id int); INSERT INTO ${name} SELECT generate_series(1, 5); GRANT ALL ON ${name} TO PUBLIC`);
}
async function rows(name: string): Promise<number> {
  return (await admin.query(`SELECT count(*)::int AS n FROM ${name}`)).rows[0].n;
}
async function tableExists(name: string): Promise<boolean> {
  return (await admin.query('SELECT to_regclass($1) IS NOT NULL AS e', [name])).rows[0].e;
}
async function brokerStillServes(): Promise<void> {
  const c = await b.client('bob', ['dba']);
  expect((await c.query('SELECT 41 + 1 AS x')).rows[0].x).toBe(42);
}

function statementTexts(): string[] {
  return b.store.records.filter((r) => r.type === 'statement').map((r) => (r as { text?: string }).text ?? '');
}

// ---- SQL-level PREPARE vs protocol-level prepared statements -----------------------------------

describe('prepared statement namespaces', () => {
  // SQL `PREPARE x AS ...` and protocol Parse share one namespace on the server. With HEAD
  // (7688265) a PREPARE is judged by what it prepares and a protocol Bind of a SQL-prepared
  // name is judged by its definition; these assert the safe outcome either way.
  it('a SQL-level PREPARE of a blocked statement cannot be run through protocol Bind/Execute', async () => {
    await victim('adv_ns1');
    const r = await Raw.open(b, 'alice', ['developers']);
    await r.send(query('PREPARE ns1 AS DELETE FROM adv_ns1'));
    await r.send(bytes(bind('', 'ns1'), execute(''), sync()));
    // a name the broker never saw prepared at all (created out of its sight, here: none)
    const m = await r.send(bytes(bind('', 'never_prepared_here'), execute(''), sync()));
    expect(errors(m).length).toBe(1);
    r.end();
    expect(await rows('adv_ns1')).toBe(5);
  });

  it('a protocol statement redefined by DEALLOCATE + PREPARE cannot become a blocked statement', async () => {
    await victim('adv_ns2');
    const r = await Raw.open(b, 'alice', ['developers']);
    let m = await r.send(bytes(parse('ns2', 'SELECT 1'), sync()));
    expect(errors(m)).toEqual([]);
    m = await r.send(query('DEALLOCATE ns2'));
    expect(errors(m)).toEqual([]);
    await r.send(query('PREPARE ns2 AS DELETE FROM adv_ns2'));
    await r.send(bytes(bind('', 'ns2'), execute(''), sync()));
    r.end();
    expect(await rows('adv_ns2')).toBe(5);
  });

  // FIXED (audit integrity; extended-query-state.ts forgetDeallocated): same namespace, allowed texts. After DEALLOCATE ns3 (SQL) and
  // PREPARE ns3 AS <another allowed statement>, a protocol Bind/Execute of ns3 runs the new
  // definition but the broker records (and judged) the original Parse text, because
  // extended-messages.ts bind looks in its own `statements` map first and the SQL-level
  // DEALLOCATE/PREPARE never touch that map (StatementGate.track only updates the gate's own
  // map). A DELETE is journalled as "SELECT 1".
  it('a protocol statement redefined by DEALLOCATE + PREPARE is recorded as what runs', async () => {
    await victim('adv_ns3');
    const r = await Raw.open(b, 'alice', ['developers']);
    await r.send(bytes(parse('ns3', 'SELECT 1 /* ns3 innocent */'), sync()));
    await r.send(query('DEALLOCATE ns3'));
    let m = await r.send(query('PREPARE ns3 AS DELETE FROM adv_ns3 WHERE id = 3'));
    expect(errors(m)).toEqual([]);
    const before = b.store.records.length;
    m = await r.send(bytes(bind('', 'ns3'), execute(''), sync()));
    r.end();
    expect(await rows('adv_ns3')).toBe(4); // the DELETE ran (it is allowed)
    const recorded = b.store.records.slice(before).filter((x) => x.type === 'statement').map((x) => (x as { text?: string }).text ?? '');
    expect(recorded.some((t) => t.includes('innocent'))).toBe(false); // ...but is journalled as the SELECT
  });

  // StatementGate.track() updates its PREPARE map when a statement is *checked* (allowed), not
  // when the server has run it: a PREPARE that fails on the server (name exists), or a Parse of
  // "PREPARE ..." that is never executed, still rebinds the name in the broker. Since HEAD
  // judges PREPARE by what it prepares, the server-side definition was itself allowed, so this
  // desync no longer lets a blocked statement run; these keep it that way.
  it('a PREPARE that fails on the server does not let EXECUTE run a blocked statement', async () => {
    await victim('adv_prep1');
    const c = await b.client('alice', ['developers']);
    await c.query('PREPARE wipe1 AS DELETE FROM adv_prep1').catch(() => undefined);
    await c.query('PREPARE wipe1 AS SELECT 1').catch(() => undefined);
    await c.query('EXECUTE wipe1').catch(() => undefined);
    expect(await rows('adv_prep1')).toBe(5);
  });

  it('a PREPARE only Parsed, never executed, does not let EXECUTE run a blocked statement', async () => {
    await victim('adv_prep2');
    const r = await Raw.open(b, 'alice', ['developers']);
    await r.send(query('PREPARE wipe2 AS DELETE FROM adv_prep2'));
    await r.send(bytes(parse('', 'PREPARE wipe2 AS SELECT 1'), sync()));
    await r.send(query('EXECUTE wipe2'));
    r.end();
    expect(await rows('adv_prep2')).toBe(5);
  });

  it('a protocol statement "EXECUTE w" judged at Parse cannot be reused after w is redefined', async () => {
    await victim('adv_prep3');
    const c = await b.client('alice', ['developers']);
    await c.query('PREPARE wipe3 AS SELECT 1');
    await c.query({ name: 'exec-w3', text: 'EXECUTE wipe3' }); // Parse+Bind+Execute, allowed
    await c.query('DEALLOCATE wipe3');
    await c.query('PREPARE wipe3 AS DELETE FROM adv_prep3').catch(() => undefined);
    await expect(c.query('EXECUTE wipe3')).rejects.toBeTruthy();
    await c.query({ name: 'exec-w3', text: 'EXECUTE wipe3' }).catch(() => undefined); // Bind+Execute only
    expect(await rows('adv_prep3')).toBe(5);
  });

  it('EXPLAIN ANALYZE / EXECUTE of a blocked prepared statement in every form runs nothing', async () => {
    await victim('adv_prep4');
    const c = await b.client('alice', ['developers']);
    await c.query('PREPARE wipe4 AS DELETE FROM adv_prep4').catch(() => undefined);
    for (const q of [
      'EXPLAIN ANALYZE EXECUTE wipe4',
      'EXPLAIN (ANALYZE on, COSTS off) EXECUTE wipe4',
      { text: 'EXECUTE wipe4' },
      { text: 'EXECUTE wipe4', values: [] },
      { name: 'ew4', text: 'EXECUTE wipe4' },
      'PREPARE wipe4b AS EXECUTE wipe4',
      'CREATE TEMP TABLE x4 AS EXECUTE wipe4',
    ]) {
      await expect(c.query(q as string), JSON.stringify(q)).rejects.toBeTruthy();
    }
    expect(await rows('adv_prep4')).toBe(5);
  });

  it('PREPARE of a blocked statement hidden in EXPLAIN / CTE / COPY is refused', async () => {
    await victim('adv_prep5');
    const c = await b.client('alice', ['developers']);
    for (const sql of [
      'PREPARE p5a AS WITH d AS (DELETE FROM adv_prep5 RETURNING 1) SELECT 1',
      'PREPARE p5b AS UPDATE adv_prep5 SET id = 0',
      'PREPARE p5c (int) AS DELETE FROM adv_prep5 WHERE $1 = 1',
    ]) {
      await c.query(sql).catch(() => undefined);
    }
    for (const n of ['p5a', 'p5b', 'p5c']) await c.query(`EXECUTE ${n}${n === 'p5c' ? '(1)' : ''}`).catch(() => undefined);
    expect(await rows('adv_prep5')).toBe(5);
    expect((await admin.query('SELECT count(*)::int AS n FROM adv_prep5 WHERE id = 0')).rows[0].n).toBe(0);
  });

  // Cursors (SQL DECLARE) and protocol portals share one namespace too: a protocol Execute of a
  // cursor name is forwarded unrecorded (extended-messages.ts execute: `if (!bound) forward`).
  // The cursor's query was judged at DECLARE (SELECT only), so this is an audit gap, not a
  // bypass: the rows are fetched without a statement record.
  it('a protocol Execute of a SQL cursor is recorded', async () => {
    const r = await Raw.open(b, 'alice', ['developers']);
    await r.send(query('BEGIN; DECLARE cur_adv CURSOR FOR SELECT id FROM items ORDER BY id'));
    const before = b.store.records.length;
    const m = await r.send(bytes(execute('cur_adv', 5), sync()));
    expect(m.filter((x) => x.code === 'D').length).toBe(5);
    await new Promise((res) => setTimeout(res, 50));
    const recorded = b.store.records.slice(before).filter((x) => x.type === 'statement');
    r.end();
    expect(recorded.length).toBeGreaterThan(0);
  });
});

// ---- extended protocol batches -----------------------------------------------------------------

describe('extended protocol batches', () => {
  it('Bind/Execute after a refused Parse in the same batch run nothing', async () => {
    await victim('adv_ext1');
    const r = await Raw.open(b, 'alice', ['developers']);
    // a harmless named statement prepared before the refused Parse, used after it (same batch)
    const m = await r.send(bytes(
      parse('ok1', 'SELECT 1'),
      parse('', 'DELETE FROM adv_ext1'),
      bind('', ''), execute(''),
      bind('p', 'ok1'), execute('p'),
      parse('ok1b', 'DELETE FROM adv_ext1'), bind('', 'ok1b'), execute(''),
      sync(),
    ));
    expect(errors(m).map((e) => e.code)).toEqual(['42501']);
    // after the Sync the session works and nothing was deleted
    const m2 = await r.send(bytes(parse('', 'SELECT count(*) FROM adv_ext1'), bind('', ''), execute(''), sync()));
    expect(errors(m2)).toEqual([]);
    r.end();
    expect(await rows('adv_ext1')).toBe(5);
  });

  it('re-Parsing the unnamed statement with a refused text leaves nothing runnable', async () => {
    await victim('adv_ext2');
    const r = await Raw.open(b, 'alice', ['developers']);
    await r.send(bytes(parse('', 'SELECT 1'), sync()));
    const m = await r.send(bytes(parse('', 'DELETE FROM adv_ext2'), sync(), bind('', ''), execute(''), sync()), 2);
    expect(errors(m)[0]!.code).toBe('42501');
    r.end();
    expect(await rows('adv_ext2')).toBe(5);
  });

  it('a refused Parse then Bind/Execute of the unnamed statement without Sync, then Flush', async () => {
    await victim('adv_ext3');
    const r = await Raw.open(b, 'alice', ['developers']);
    r.s.write(bytes(parse('', 'DELETE FROM adv_ext3'), bind('', ''), execute(''), frame('H')));
    await r.until(() => r.msgs.some((x) => x.code === 'E'), 3000);
    await r.send(sync());
    expect(errors(r.msgs).map((e) => e.code)).toEqual(['42501']);
    r.end();
    expect(await rows('adv_ext3')).toBe(5);
  });

  it('pipelines several Syncs with refused statements among allowed ones', async () => {
    await victim('adv_ext4');
    const r = await Raw.open(b, 'alice', ['developers']);
    const m = await r.send(bytes(
      parse('', 'SELECT 1'), bind('', ''), execute(''), sync(),
      parse('', 'DELETE FROM adv_ext4'), bind('', ''), execute(''), sync(),
      parse('', 'DELETE FROM adv_ext4 WHERE id = 1'), bind('', ''), execute(''), sync(),
      query('DELETE FROM adv_ext4'),
      parse('', 'UPDATE adv_ext4 SET id = 0'), describe_('S', ''), bind('', ''), describe_('P', ''), execute('', 1), sync(),
      parse('', 'SELECT 2'), bind('', ''), execute(''), sync(),
    ), 6);
    expect(errors(m).map((e) => e.code)).toEqual(['42501', '42501', '42501']);
    r.end();
    expect(await rows('adv_ext4')).toBe(4);
    expect((await admin.query('SELECT count(*)::int AS n FROM adv_ext4 WHERE id = 0')).rows[0].n).toBe(0);
  });

  it('Execute with maxRows and PortalSuspended works, and a refused statement in between resyncs', async () => {
    const r = await Raw.open(b, 'alice', ['developers']);
    const m = await r.send(bytes(
      query('BEGIN'),
      parse('', 'SELECT g FROM generate_series(1, 10) g'), bind('cur', ''), execute('cur', 3), execute('cur', 3), sync(),
      parse('', 'DELETE FROM items'), bind('', ''), execute(''), sync(),
      query('ROLLBACK'),
    ), 4);
    expect(m.filter((x) => x.code === 's').length).toBe(2);
    expect(m.filter((x) => x.code === 'D').length).toBe(6);
    expect(errors(m).map((e) => e.code)).toEqual(['42501']);
    r.end();
    expect((await admin.query('SELECT count(*)::int AS n FROM items')).rows[0].n).toBe(100);
  });

  // FIXED (extended-messages.ts parse keeps an existing name's text): the broker recorded a named statement's text when it *forwarded* the
  // Parse (extended-messages.ts parse: `this.statements.set(parsed.name, ...)`), not when the
  // server accepts it. A second Parse under an existing name fails on the server ("prepared
  // statement already exists") but overwrites the broker's map, so a later Execute of the
  // first (DELETE) is recorded with the second text (SELECT).
  it('a failed re-Parse of an existing name does not change what Execute is recorded as', async () => {
    await victim('adv_ext5');
    const r = await Raw.open(b, 'alice', ['developers']);
    await r.send(bytes(parse('dup', 'DELETE FROM adv_ext5 WHERE id = 1'), sync()));
    const m = await r.send(bytes(parse('dup', 'SELECT 1 /* innocent */'), sync()));
    expect(errors(m).map((e) => e.code)).toEqual(['42P05']);
    await r.send(bytes(bind('', 'dup'), execute(''), sync()));
    r.end();
    expect(await rows('adv_ext5')).toBe(4); // the DELETE did run (it is allowed)
    const texts = statementTexts();
    expect(texts.some((t) => t.includes('innocent'))).toBe(false); // ...but it was recorded as the SELECT
  });

  // Close is applied to the broker's map as it is forwarded, even when the server is skipping
  // messages until Sync after an error of its own, so the server keeps a statement the broker
  // forgot. Before HEAD 7688265 the next Bind/Execute of it ran unrecorded; now the Bind of a
  // name the broker does not know is refused (airlock:unknown-prepared). Safe outcome: it
  // either does not run, or it is recorded.
  it('a Close skipped by the server after an error does not let the statement run unrecorded', async () => {
    await victim('adv_ext6');
    const r = await Raw.open(b, 'alice', ['developers']);
    await r.send(bytes(parse('cl', 'DELETE FROM adv_ext6 WHERE id = 2'), sync()));
    // an error of the server's own (division by zero at Execute): the server now skips to Sync
    const m = await r.send(bytes(parse('', 'SELECT 1/0'), bind('', ''), execute(''), close('S', 'cl'), sync()));
    expect(errors(m).map((e) => e.code)).toEqual(['22012']);
    const before = b.store.records.length;
    await r.send(bytes(bind('', 'cl'), execute(''), sync()));
    r.end();
    await new Promise((res) => setTimeout(res, 100));
    const after = b.store.records.slice(before).filter((x) => x.type === 'statement');
    const ran = (await rows('adv_ext6')) === 4;
    expect(!ran || after.length > 0).toBe(true);
  });

  it('Describe/Close interleavings around a refused Parse keep the session in step', async () => {
    const r = await Raw.open(b, 'alice', ['developers']);
    const m = await r.send(bytes(
      parse('d1', 'SELECT 1 AS a'), describe_('S', 'd1'), close('S', 'd1'),
      parse('d1', 'DELETE FROM items'), describe_('S', 'd1'), close('S', 'd1'), sync(),
      parse('d1', 'SELECT 2 AS b'), describe_('S', 'd1'), bind('', 'd1'), execute(''), close('S', 'd1'), sync(),
    ), 2);
    expect(errors(m).map((e) => e.code)).toEqual(['42501']);
    expect(m.filter((x) => x.code === 'D').length).toBe(1);
    r.end();
    await brokerStillServes();
  });

  it('a very long statement name and many parameters give clean errors', async () => {
    const r = await Raw.open(b, 'alice', ['developers']);
    const long = 'n'.repeat(10_000);
    let m = await r.send(bytes(parse(long, 'SELECT 1'), bind('', long), execute(''), sync()));
    expect(m.some((x) => x.code === 'Z')).toBe(true);
    const n = 65535;
    const sql = `SELECT ${Array.from({ length: 50 }, (_, i) => `$${i + 1}::int`).join(' + ')}`;
    m = await r.send(bytes(parse('', sql), bind('', '', Array.from({ length: n }, () => '1')), execute(''), sync()));
    expect(errors(m).length).toBeGreaterThan(0); // bind message supplies 65535 parameters, but statement requires 50
    m = await r.send(bytes(parse('', sql), bind('', '', Array.from({ length: 50 }, () => '1')), execute(''), sync()));
    expect(errors(m)).toEqual([]);
    r.end();
    await brokerStillServes();
  });

  it('NUL bytes and invalid UTF-8 in Parse/Bind are refused cleanly, session usable', async () => {
    await victim('adv_ext7');
    const r = await Raw.open(b, 'alice', ['developers']);
    // A NUL inside the Parse text ends the C string: the server would read "SELECT 1" and the
    // rest is a following field. Make sure it is not read as anything else.
    const nul = frame('P', cstr(''), bytes('SELECT 1', [0], 'DELETE FROM adv_ext7', [0]), int16(0));
    let m = await r.send(bytes(nul, sync()));
    expect(m.some((x) => x.code === 'Z') || r.closed).toBe(true);
    if (!r.closed) {
      const bad = frame('P', cstr(''), bytes("SELECT '", [0xc3, 0x28], "'", [0]), int16(0));
      m = await r.send(bytes(bad, bind('', ''), execute(''), sync()));
      expect(errors(m).map((e) => e.code)).toContain('22021');
      const badBind = bytes(parse('', 'SELECT $1::text'), frame('B', cstr(''), cstr(''), int16(0), int16(1), int32(2), [0xc3, 0x28], int16(0)), execute(''), sync());
      m = await r.send(badBind);
      expect(errors(m).length).toBe(1); // the server's own 22021
      m = await r.send(query('SELECT 5'));
      expect(errors(m)).toEqual([]);
      // invalid UTF-8 in a statement *name*
      m = await r.send(bytes(frame('P', [0xff, 0xfe, 0], cstr('SELECT 1'), int16(0)), sync()));
      expect(m.some((x) => x.code === 'Z') || r.closed).toBe(true);
    }
    r.end();
    expect(await rows('adv_ext7')).toBe(5);
    await brokerStillServes();
  });
});

// ---- simple protocol -------------------------------------------------------------------------

describe('simple protocol', () => {
  it('multi-statement strings with transaction control are refused as a whole', async () => {
    await victim('adv_smp1');
    const c = await b.client('alice', ['agents']);
    for (const sql of [
      'COMMIT; DROP TABLE adv_smp1',
      'BEGIN; COMMIT; DROP TABLE adv_smp1',
      'SELECT 1; COMMIT; DELETE FROM adv_smp1; BEGIN',
      'ROLLBACK; TRUNCATE adv_smp1',
      'START TRANSACTION; SELECT 1; END; DROP TABLE adv_smp1;',
    ]) {
      await expect(c.query(sql), sql).rejects.toMatchObject({ code: '42501' });
    }
    expect(await rows('adv_smp1')).toBe(5);
  });

  it('EXPLAIN ANALYZE of blocked statements is refused in all spellings', async () => {
    await victim('adv_smp2');
    const c = await b.client('alice', ['agents']);
    for (const sql of [
      'EXPLAIN ANALYZE DELETE FROM adv_smp2',
      'EXPLAIN (ANALYZE) DELETE FROM adv_smp2',
      'EXPLAIN (ANALYZE TRUE) DELETE FROM adv_smp2',
      "EXPLAIN (ANALYZE 'yes') UPDATE adv_smp2 SET id = 0",
      'EXPLAIN (ANALYZE 1) DELETE FROM adv_smp2',
      'EXPLAIN (ANALYZE false, ANALYZE) DELETE FROM adv_smp2',
      'EXPLAIN ANALYZE CREATE TABLE adv_smp2_ctas AS SELECT 1',
      'EXPLAIN ANALYZE WITH d AS (DELETE FROM adv_smp2 RETURNING 1) SELECT 1',
    ]) {
      await expect(c.query(sql), sql).rejects.toMatchObject({ code: '42501' });
    }
    expect(await rows('adv_smp2')).toBe(5);
    expect(await tableExists('adv_smp2_ctas')).toBe(false);
  });

  // Was a bypass at HEAD 7688265 (a DELETE without WHERE in a WITH clause or in COPY (...) TO
  // has kind select/copy, and `kinds: [delete]` looked only at the outer kind); closed by the
  // `operations` change in the working tree (rule-definition.ts kindsMatch). Regression tests.
  it('an unbounded DELETE inside a WITH clause is refused like a plain one', async () => {
    await victim('adv_cte1');
    const c = await b.client('alice', ['developers']);
    await c.query('WITH d AS (DELETE FROM adv_cte1 RETURNING 1) SELECT count(*) FROM d').catch(() => undefined);
    expect(await rows('adv_cte1')).toBe(5);
  });

  it('an unbounded DELETE inside COPY (...) TO STDOUT is refused like a plain one', async () => {
    await victim('adv_cte2');
    const c = await b.client('alice', ['developers']);
    await c.query('COPY (DELETE FROM adv_cte2 RETURNING id) TO STDOUT').catch(() => undefined);
    expect(await rows('adv_cte2')).toBe(5);
    await c.query("MERGE INTO adv_cte2 t USING (SELECT 1 AS id) s ON t.id = s.id WHEN MATCHED THEN DELETE").catch(() => undefined);
    // A DELETE hidden in a WITH clause is held for approval like a plain one (and never runs unapproved).
    const a = await b.client('alice', ['developers']);
    await admin.query("INSERT INTO audit_me (note) VALUES ('adv-cte-approval')");
    const notice = new Promise<string>((resolve) => a.on('notice', (n) => resolve(String(n.message))));
    const held = a.query("WITH d AS (DELETE FROM audit_me WHERE note = 'adv-cte-approval' RETURNING 1) SELECT count(*) FROM d").catch(() => undefined);
    expect(await notice).toContain('review-audit-deletes');
    expect((await admin.query("SELECT count(*)::int AS n FROM audit_me WHERE note = 'adv-cte-approval'")).rows[0].n).toBe(1);
    await a.end();
    await held;
    expect((await admin.query("SELECT count(*)::int AS n FROM audit_me WHERE note = 'adv-cte-approval'")).rows[0].n).toBe(1);
  });

  it('COPY FROM PROGRAM / server files are refused in every spelling', async () => {
    const c = await b.client('bob', ['dba']);
    for (const sql of [
      "COPY items FROM PROGRAM 'touch /tmp/airlock_adv_pwned'",
      "copy items from program 'touch /tmp/airlock_adv_pwned' with (format csv)",
      "COPY (SELECT 1) TO PROGRAM 'touch /tmp/airlock_adv_pwned'",
      "COPY items TO '/tmp/airlock_adv_file'",
      "COPY items FROM '/etc/hostname'",
      "EXPLAIN ANALYZE SELECT 1; COPY items FROM PROGRAM 'touch /tmp/airlock_adv_pwned'",
      "PREPARE cp AS SELECT 1; COPY items TO PROGRAM $$touch /tmp/airlock_adv_pwned$$",
    ]) {
      await expect(c.query(sql), sql).rejects.toMatchObject({ code: '42501' });
    }
  });

  it('comment, string and dollar-quote games are read as the server reads them', async () => {
    await victim('adv_lex1');
    const c = await b.client('alice', ['agents']);
    for (const sql of [
      'SELECT 1 /* nested /* comment */ ; DROP TABLE adv_lex1; */ ; DROP TABLE adv_lex1',
      "SELECT $a$ $b$ $a$; DROP TABLE adv_lex1; -- $b$",
      "SELECT E'\\''; DROP TABLE adv_lex1; --'",
      "SELECT U&'\\0027'; DROP TABLE adv_lex1",
      'SELECT 1 --\r DROP TABLE adv_lex1',
      "SELECT 'a' 'b'; DROP TABLE adv_lex1",
      'SELECT $$a$$$$b$$; DROP TABLE adv_lex1',
      'SELECT 1;\u00a0DROP TABLE adv_lex1',
      'SELECT "x"";DROP TABLE adv_lex1;--" FROM items',
    ]) {
      await c.query(sql).catch(() => undefined);
    }
    expect(await tableExists('adv_lex1')).toBe(true);
    await brokerStillServes();
  });
});

// ---- reading rules changed by a pipelined statement ----------------------------------------------

describe('session reading rules', () => {
  it('with standard_conforming_strings off, backslashes are refused', async () => {
    await victim('adv_scs0');
    const c = await b.client('alice', ['developers']);
    await c.query('SET standard_conforming_strings = off');
    await expect(c.query("SELECT 'a\\', ' x; DELETE FROM adv_scs0; --'")).rejects.toMatchObject({ code: '42501' });
    expect(await rows('adv_scs0')).toBe(5);
  });

  // FIXED (messages behind a reading-rule change now wait for its ReadyForQuery; in one extended
  // batch they are refused): the broker learns that standard_conforming_strings changed only from the database's
  // ParameterStatus (proxy-session.ts parameterChanged ← upstream-relay.ts), but it judges
  // every client message the moment it arrives (onQuery/onParse). A Query pipelined right
  // behind `SET standard_conforming_strings = off` is analysed with the old rules: the broker
  // sees one SELECT of two string literals, the server (scs off: \' escapes the quote) sees
  // SELECT ...; DELETE FROM adv_scs1 (unbounded) and runs it.
  it('a statement pipelined behind SET standard_conforming_strings = off is read as the server reads it', async () => {
    await victim('adv_scs1');
    const r = await Raw.open(b, 'alice', ['developers']);
    const m = await r.send(bytes(
      query('SET standard_conforming_strings = off'),
      query("SELECT 'a\\', ' x; DELETE FROM adv_scs1; --'"),
    ), 2);
    r.end();
    void m;
    expect(await rows('adv_scs1')).toBe(5);
  });

  // Same race in one extended-protocol batch (one Sync, no pipelining needed), with a single
  // statement: scs on (broker): `'a\\'` is a string and `-- ...` a comment, so it is SELECT of a
  // constant; scs off (server): `'a\\' -- '` is one string and pg_read_file(...) is called.
  // no-file-access must refuse it; the server runs it.
  it('a Parse after an Execute of SET standard_conforming_strings = off in the same batch', async () => {
    const r = await Raw.open(b, 'alice', ['developers']);
    const m = await r.send(bytes(
      parse('', 'SET standard_conforming_strings = off'), bind('', ''), execute(''),
      parse('', "SELECT 'a\\' -- ', pg_read_file('/etc/hostname') AS leaked --\n"), bind('', ''), execute(''),
      sync(),
    ));
    r.end();
    expect(m.some((x) => x.code === 'D')).toBe(false); // no row: pg_read_file did not run
    expect(errors(m).map((e) => e.code)).toEqual(['42501']);
  });

  it('SET client_encoding to an unsafe encoding is refused in every spelling', async () => {
    const c = await b.client('alice', ['developers']);
    for (const sql of [
      "SET client_encoding = 'SJIS'",
      "SET client_encoding TO 'sjis'",
      "SET NAMES 'GBK'",
      "SET SESSION client_encoding = 'big5'",
      "SET LOCAL client_encoding = 'Shift_JIS'",
      "SELECT set_config('client_encoding', 'SJIS', false)",
      "ALTER ROLE CURRENT_USER SET client_encoding = 'SJIS'",
    ]) {
      const e = await c.query(sql).then(() => undefined, (x: pg.DatabaseError) => x);
      if (sql.startsWith('ALTER')) continue; // not a session change
      expect(e?.code, sql).toBe('42501');
    }
    await admin.query('ALTER ROLE CURRENT_USER RESET client_encoding').catch(() => undefined);
    expect((await c.query('SHOW client_encoding')).rows[0].client_encoding).toBe('UTF8');
  });

  // FIXED (same mechanism; DO blocks and unproven functions count as reading-rule changes):
  // client_encoding can be switched to SJIS without a SET the broker sees (a DO block, or
  // set_config run inside query_to_xml: both hide the call in a string literal). The broker
  // notices only at the next ParameterStatus, where decodingFor('SJIS') throws and the session
  // is closed — but a statement pipelined behind the switch has already been judged as UTF-8.
  // Bytes C2 81 5C are valid UTF-8 (U+0081, '\'), while in SJIS C2 is a katakana and 81 5C a
  // double-byte character that swallows the backslash. Inside E'...' the broker sees an
  // escaped quote; the server sees the end of the literal and runs the DELETE.
  it('a statement pipelined behind a hidden switch to SJIS is not judged as UTF-8', async () => {
    await victim('adv_sjis');
    const r = await Raw.open(b, 'alice', ['developers']);
    const evil = bytes('SELECT E\'', [0xc2, 0x81, 0x5c], "'; DELETE FROM adv_sjis; --'");
    const q = frame('Q', evil, [0]);
    r.s.write(bytes(query("DO $$BEGIN PERFORM set_config('client_encoding', 'SJIS', false); END$$"), q));
    await r.until(() => r.closed, 5000).catch(() => undefined);
    r.end();
    await new Promise((res) => setTimeout(res, 200));
    expect(await rows('adv_sjis')).toBe(5);
    await brokerStillServes();
  });
});

// ---- role lock -----------------------------------------------------------------------------------

describe('role-mapped session (readonly → airlock_ro)', () => {
  async function ro(): Promise<pg.Client> {
    const c = await b.client('carol', ['readonly']);
    expect((await c.query('SELECT current_user AS u')).rows[0].u).toBe('airlock_ro');
    return c;
  }

  it('every direct spelling of a role change is refused', async () => {
    const c = await ro();
    const attempts = [
      'SET ROLE postgres',
      'SET role = postgres',
      "SET \"role\" TO 'postgres'",
      'SET LOCAL ROLE postgres',
      'SET SESSION ROLE postgres',
      'RESET ROLE',
      'SET ROLE NONE',
      'SET role TO DEFAULT',
      'SET SESSION AUTHORIZATION postgres',
      'SET SESSION AUTHORIZATION DEFAULT',
      'RESET SESSION AUTHORIZATION',
      'RESET ALL',
      'DISCARD ALL',
      "SELECT set_config('role', 'postgres', false)",
      "SELECT pg_catalog.set_config('role', 'postgres', false)",
      "SELECT \"set_config\"('role', 'postgres', false)",
      "SELECT set_config(lower('ROLE'), 'postgres', false)",
      "SELECT * FROM set_config('role', 'postgres', false)",
      "WITH x AS (SELECT set_config('role', 'postgres', false)) SELECT * FROM x",
      "SELECT (SELECT set_config('role', 'postgres', false))",
      "EXPLAIN ANALYZE SELECT set_config('role', 'postgres', false)",
      "DECLARE c CURSOR WITH HOLD FOR SELECT set_config('role', 'postgres', false)",
      "COPY (SELECT set_config('role', 'postgres', false)) TO STDOUT",
      "PREPARE sr AS SELECT set_config('role', 'postgres', false)",
      "SELECT set_config('session_authorization', 'postgres', false)",
    ];
    for (const sql of attempts) {
      const e = await c.query(sql).then(() => undefined, (x: pg.DatabaseError) => x);
      expect(e?.code, sql).toBe('42501');
    }
    // the same through the extended protocol, and EXECUTE of a prepared one
    await expect(c.query({ text: "SELECT set_config('role', $1, false)", values: ['postgres'] })).rejects.toMatchObject({ code: '42501' });
    await expect(c.query({ text: 'SELECT set_config($1, $2, false)', values: ['role', 'postgres'] })).rejects.toMatchObject({ code: '42501' });
    await expect(c.query('EXECUTE sr')).rejects.toMatchObject({ code: '42501' });
    expect((await c.query('SELECT current_user AS u')).rows[0].u).toBe('airlock_ro');
  });

  // FIXED (role-mapped sessions refuse DO, CALL, dynamic SQL and non-builtin functions): the role lock was purely textual (built-in-rules.ts checkBuiltIns: SET role /
  // set_config by name), but the upstream session's *session user* is the broker's own
  // (superuser) login, so any way of running SQL the analyser cannot see changes the role
  // back. query_to_xml() runs a query given as a string literal (not in the read-only
  // allow-list, but no rule refuses unknown functions), and set_config inside it is invisible.
  it('set_config hidden in query_to_xml() does not escape the role', async () => {
    const c = await ro();
    await c.query("SELECT query_to_xml('SELECT set_config(''role'', ''postgres'', false)', true, false, '')").catch(() => undefined);
    expect((await c.query('SELECT current_user AS u')).rows[0].u).toBe('airlock_ro');
  });

  // FIXED (same fix): a DO block runs PL/pgSQL the analyser does not look into.
  it('SET ROLE inside a DO block does not escape the role', async () => {
    const c = await ro();
    await c.query("DO $$BEGIN EXECUTE 'SET ROLE postgres'; END$$").catch(() => undefined);
    expect((await c.query('SELECT current_user AS u')).rows[0].u).toBe('airlock_ro');
  });

  // FIXED (same fix): a temporary function (TEMP is granted to PUBLIC by default) with a
  // SET clause or a body calling set_config.
  it('a temporary function calling set_config does not escape the role', async () => {
    const c = await ro();
    await c.query("CREATE FUNCTION pg_temp.esc() RETURNS text LANGUAGE sql AS $$SELECT set_config('role', 'postgres', false)$$").catch(() => undefined);
    await c.query('SELECT pg_temp.esc()').catch(() => undefined);
    expect((await c.query('SELECT current_user AS u')).rows[0].u).toBe('airlock_ro');
  });
});

// ---- DDL by agents -------------------------------------------------------------------------------

describe('agents and DDL', () => {
  it('CREATE RULE / CREATE FUNCTION / CREATE TRIGGER are refused for agents', async () => {
    await victim('adv_ddl1');
    const c = await b.client('alice', ['agents']);
    for (const sql of [
      'CREATE RULE r AS ON INSERT TO adv_ddl1 DO INSTEAD DELETE FROM adv_ddl1',
      "CREATE FUNCTION pg_temp.f() RETURNS int LANGUAGE sql AS 'DELETE FROM adv_ddl1 RETURNING 1'",
      "CREATE OR REPLACE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
      'CREATE TEMP TABLE t_adv AS SELECT 1',
      'SELECT 1 INTO TEMP t_adv2',
      'CREATE TEMP VIEW v_adv AS SELECT 1',
      'ALTER TABLE adv_ddl1 ADD COLUMN x int',
      'GRANT ALL ON adv_ddl1 TO PUBLIC',
      'TRUNCATE adv_ddl1',
      'EXPLAIN ANALYZE SELECT 1 INTO TEMP t_adv3',
    ]) {
      await expect(c.query(sql), sql).rejects.toMatchObject({ code: '42501' });
    }
    expect(await rows('adv_ddl1')).toBe(5);
  });

  // FINDING (policy, not parser): DO is kind `do`, not `ddl`, so DEFAULT_RULES'
  // no-ddl-for-agents ("agents do not change the schema") does not match a DO block that
  // runs DDL with EXECUTE. The broker classifies DO as always-writing but no built-in or
  // default rule refuses it; the body is never analysed (analyzer.ts case 'DoStmt').
  it('agents cannot run DDL through a DO block (DEFAULT_RULES)', async () => {
    await victim('adv_ddl2');
    const c = await b.client('alice', ['agents']);
    await c.query("DO $$BEGIN EXECUTE 'DROP TABLE adv_ddl2'; END$$").catch(() => undefined);
    expect(await tableExists('adv_ddl2')).toBe(true);
  });
});
