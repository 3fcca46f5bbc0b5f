/**
 * Contract: a broker killed with SIGKILL under load loses no statement the database executed —
 * each was recorded before it was forwarded — and leaves a journal whose chain verifies (a torn
 * tail would be reported exactly, and accounted for at the next start).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { adminClient } from '../support/admin-client.js';
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js';
import { runProcess } from '../support/run-process.js';

let admin: pg.Client;
let broker: BrokerProcess | undefined;

beforeAll(async () => {
  execFileSync('node', ['scripts/build.mjs'], { stdio: 'ignore' });
  admin = await adminClient();
  await admin.query('DROP TABLE IF EXISTS crash_t; CREATE TABLE crash_t (tag text PRIMARY KEY)');
});
afterAll(async () => {
  await broker?.stop('SIGKILL');
  await admin.end();
});

const journalOf = (dir: string): string => join(dir, '.airlock', 'recordings', 'journal.jsonl');

describe('crash safety', () => {
  it('records every executed statement before a SIGKILL, and the chain verifies after it', async () => {
    broker = await startBrokerProcess({ extraYaml: 'recording:\n  recordParameters: true\n' });
    const SESSIONS = 8;
    const clients = await Promise.all(Array.from({ length: SESSIONS }, (_, i) => broker!.client(i % 2 ? 'alice' : 'bob', i % 2 ? ['developers'] : ['dba'])));
    let stop = false;
    let sent = 0;
    // Half the sessions use the simple protocol (the tag is in the text), half the extended one
    // (the tag is a recorded bind parameter).
    const load = clients.map(async (c, s) => {
      for (let i = 0; !stop; i++) {
        const tag = `s${s}-${i}`;
        sent++;
        try {
          if (s % 2) await c.query('INSERT INTO crash_t (tag) VALUES ($1)', [tag]);
          else await c.query(`INSERT INTO crash_t (tag) VALUES ('${tag}')`);
        } catch {
          return; // the broker is gone
        }
      }
    });
    await new Promise((r) => setTimeout(r, 1500));
    await broker.stop('SIGKILL');
    stop = true;
    await Promise.all(load);

    const executed = (await admin.query<{ tag: string }>('SELECT tag FROM crash_t')).rows.map((r) => r.tag);
    expect(executed.length).toBeGreaterThan(100);
    expect(sent).toBeGreaterThanOrEqual(executed.length);

    const lines = readFileSync(journalOf(broker.dir), 'utf8').split('\n').filter(Boolean);
    const recorded = new Set<string>();
    for (const line of lines) {
      let r: { type?: string; text?: string; parameters?: unknown };
      try {
        r = JSON.parse(line) as typeof r;
      } catch {
        continue; // a torn tail is the verifier's business below
      }
      if (r.type !== 'statement') continue;
      const literal = /VALUES \('([^']+)'\)/.exec(r.text ?? '')?.[1];
      if (literal) recorded.add(literal);
      if (Array.isArray(r.parameters) && typeof r.parameters[0] === 'string') recorded.add(r.parameters[0]);
    }
    const missing = executed.filter((t) => !recorded.has(t));
    expect(missing).toEqual([]);

    const verify = await runProcess('node', ['bin/airlock.js', 'audit', 'verify', '--dir', join(broker.dir, '.airlock', 'recordings')]);
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/chain intact; head \d+ [0-9a-f]{64}/);

    // The next start continues the chain (and accounts for a torn tail, had there been one).
    const again = await startBrokerProcess({ dir: broker.dir, extraYaml: 'recording:\n  recordParameters: true\n' });
    try {
      const c = await again.client('bob', ['dba']);
      await c.query("INSERT INTO crash_t (tag) VALUES ('after-restart')");
    } finally {
      await again.stop();
    }
    const after = await runProcess('node', ['bin/airlock.js', 'audit', 'verify', '--dir', join(broker.dir, '.airlock', 'recordings')]);
    expect(after.status, after.stderr).toBe(0);
    expect(Number(/(\d+) records/.exec(after.stdout)?.[1])).toBeGreaterThan(lines.length);
  }, 60_000);
});
