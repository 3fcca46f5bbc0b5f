/**
 * `airlock audit verify` and `export` on a shared store: each broker's chain, from the copy in
 * PostgreSQL — and this broker's own journal against that copy. The copy is a witness the
 * journal's own chain cannot be: a journal whose newest records were cut off still verifies by
 * itself, but not against a copy that holds more of them, and a rewritten chain no longer
 * matches the copy line for line.
 */
import { existsSync } from 'node:fs';
import pg from 'pg';
import type { StoreConfig } from '../../config/types.js';
import { journalLines } from '../../recording/journal-lines.js';
import { verifyLines, type VerifyResult } from '../../recording/verify-journal.js';
import { quoteIdent } from './migrations.js';
import { readSharedRecords, sharedChainLines } from './pg-records.js';

export async function verifySharedStore(cfg: StoreConfig, journalPath?: string): Promise<VerifyResult[]> {
  const pool = new pg.Pool({ connectionString: cfg.url?.reveal(), max: 1 });
  try {
    const table = `${quoteIdent(cfg.schema)}.records`;
    const { rows } = await pool.query<{ broker: string }>(`SELECT DISTINCT broker FROM ${table} ORDER BY broker`);
    const results: VerifyResult[] = [];
    for (const { broker } of rows) results.push(await verifyLines(sharedChainLines(pool, table, broker), `store ${cfg.schema}, broker ${broker}`));
    if (results.length === 0) results.push({ ok: true, records: 0, text: `store ${cfg.schema}: no records yet` });
    if (journalPath !== undefined && existsSync(journalPath)) results.push(await compareJournal(pool, table, cfg.brokerName, journalPath));
    return results;
  } finally {
    await pool.end();
  }
}

/**
 * This broker's journal against the store's copy of it: the journal must reach at least as far
 * as the copy (the copy lags by milliseconds, never leads), and every record both hold must be
 * the same line.
 */
async function compareJournal(pool: pg.Pool, table: string, broker: string, journalPath: string): Promise<VerifyResult> {
  const label = `journal ${journalPath} against the store's copy (broker ${broker})`;
  const { rows } = await pool.query<{ seq: string | null }>(`SELECT max(seq) AS seq FROM ${table} WHERE broker = $1`, [broker]);
  const copied = Number(rows[0]?.seq ?? 0);
  // One pass: the journal's own chain is verified while each line the store also holds is compared.
  const copy = sharedChainLines(pool, table, broker)[Symbol.asyncIterator]();
  let compared = 0;
  let differs: number | undefined;
  async function* comparing(): AsyncIterable<string> {
    for await (const line of journalLines(journalPath)) {
      // Sealed lines start with their sequence number; a torn line does not match and is the chain's business.
      const seq = Number(/^\{"seq":(\d+),/.exec(line)?.[1] ?? 0);
      if (differs === undefined && seq > 0 && seq <= copied) {
        const theirs = await copy.next();
        if (theirs.done || theirs.value !== line) differs = seq;
        else compared++;
      }
      yield line;
    }
  }
  const own = await verifyLines(comparing(), `journal ${journalPath}`);
  if (!own.ok) return own;
  const head = own.head?.seq ?? 0;
  if (copied > head) {
    return { ok: false, records: own.records, failure: { line: head + 1, seq: head + 1, reason: 'cut off' }, text: `${label}: FAILED — the journal ends at record ${head}, but the store holds records up to ${copied}: records ${head + 1}–${copied} were cut off the journal` };
  }
  if (differs !== undefined) {
    return { ok: false, records: own.records, failure: { line: differs, seq: differs, reason: 'differs' }, text: `${label}: FAILED at record ${differs} — the journal and the store's copy differ from here: one of them was rewritten` };
  }
  return { ok: true, records: own.records, ...(own.head ? { head: own.head } : {}), text: `${label}: ${own.records} records, chain intact, the ${compared} copied so far match line for line` };
}

/** Every broker's records, oldest first, for `audit export`. */
export async function openSharedRecords(cfg: StoreConfig): Promise<{ records: AsyncIterable<object>; close(): Promise<void> }> {
  const pool = new pg.Pool({ connectionString: cfg.url?.reveal(), max: 1 });
  return { records: readSharedRecords(pool, `${quoteIdent(cfg.schema)}.records`), close: () => pool.end() };
}
