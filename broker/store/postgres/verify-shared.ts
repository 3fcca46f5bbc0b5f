/** `airlock audit verify` and `export` on a shared store: each broker's chain, from the copy in PostgreSQL. */
import pg from 'pg';
import type { StoreConfig } from '../../config/types.js';
import { verifyLines, type VerifyResult } from '../../recording/verify-journal.js';
import { quoteIdent } from './migrations.js';
import { readSharedRecords, sharedChainLines } from './pg-records.js';

export async function verifySharedStore(cfg: StoreConfig): Promise<VerifyResult[]> {
  const pool = new pg.Pool({ connectionString: cfg.url?.reveal(), max: 1 });
  try {
    const table = `${quoteIdent(cfg.schema)}.records`;
    const { rows } = await pool.query<{ broker: string }>(`SELECT DISTINCT broker FROM ${table} ORDER BY broker`);
    const results: VerifyResult[] = [];
    for (const { broker } of rows) results.push(await verifyLines(sharedChainLines(pool, table, broker), `store ${cfg.schema}, broker ${broker}`));
    if (results.length === 0) results.push({ ok: true, records: 0, text: `store ${cfg.schema}: no records yet` });
    return results;
  } finally {
    await pool.end();
  }
}

/** Every broker's records, oldest first, for `audit export`. */
export async function openSharedRecords(cfg: StoreConfig): Promise<{ records: AsyncIterable<object>; close(): Promise<void> }> {
  const pool = new pg.Pool({ connectionString: cfg.url?.reveal(), max: 1 });
  return { records: readSharedRecords(pool, `${quoteIdent(cfg.schema)}.records`), close: () => pool.end() };
}
