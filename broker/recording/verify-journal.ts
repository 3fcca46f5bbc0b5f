/**
 * Checks the journal: every line a record, sequence numbers consecutive, every record's hash
 * matching its bytes and its predecessor (hash-chain.ts). Names the first record that fails.
 *
 * A torn line — a crash mid-write — is accepted only where the broker accounted for it: the
 * `journal.recovered` record it wrote at its next start names the torn bytes' offset and length.
 * A torn line at the very end (the broker has not started since) is reported, not failed.
 */
import { existsSync } from 'node:fs';
import { GENESIS, linkHash, splitLine } from './hash-chain.js';
import { journalLines } from './journal-lines.js';

export interface VerifyResult {
  readonly ok: boolean;
  readonly records: number;
  /** The newest record's sequence number and hash: anchor it elsewhere to detect a cut-off tail. */
  readonly head?: { readonly seq: number; readonly hash: string };
  /** The first record that fails, if any. */
  readonly failure?: { readonly line: number; readonly seq?: number; readonly reason: string };
  readonly text: string;
}

interface Torn {
  readonly line: number;
  readonly offset: number;
  readonly bytes: number;
}

export async function verifyJournal(path: string): Promise<VerifyResult> {
  if (!existsSync(path)) return { ok: false, records: 0, text: `no journal at ${path}` };
  return verifyLines(journalLines(path), `journal ${path}`);
}

/** The same check over lines from anywhere (a file, a database copy). */
export async function verifyLines(lines: AsyncIterable<string> | Iterable<string>, label: string): Promise<VerifyResult> {
  let previous = GENESIS;
  let expected = 1;
  let records = 0;
  let lineNo = 0;
  let offset = 0;
  let lastSeq = 0;
  const torn: Torn[] = [];
  const accounted: Torn[] = [];
  const fail = (line: number, reason: string, seq?: number): VerifyResult => ({
    ok: false,
    records,
    failure: { line, reason, ...(seq !== undefined ? { seq } : {}) },
    text: `${label}: FAILED at line ${line}${seq !== undefined ? ` (record ${seq})` : ''} — ${reason}; ${records} record(s) before it verified`,
  });

  for await (const line of lines) {
    lineNo++;
    const at = offset;
    offset += Buffer.byteLength(line) + 1;
    if (line === '') continue;
    let rec: { seq?: unknown; type?: unknown; tornOffset?: unknown; tornBytes?: unknown };
    try {
      rec = JSON.parse(line) as typeof rec;
    } catch {
      torn.push({ line: lineNo, offset: at, bytes: Buffer.byteLength(line) });
      continue;
    }
    if (rec.seq !== expected) {
      const why = typeof rec.seq === 'number' && rec.seq > expected ? 'a record before it was removed or moved' : 'records are out of order or repeated';
      return fail(lineNo, `sequence number ${String(rec.seq)} where ${expected} was expected: ${why}`, typeof rec.seq === 'number' ? rec.seq : undefined);
    }
    const sealed = splitLine(line);
    if (!sealed) return fail(lineNo, 'the record carries no hash', expected);
    if (linkHash(previous, sealed.body) !== sealed.hash) {
      return fail(lineNo, 'the hash does not match: this record was edited, or one before it was changed, removed or moved', expected);
    }
    if (rec.type === 'journal.recovered' && typeof rec.tornOffset === 'number' && typeof rec.tornBytes === 'number') {
      const t = torn.find((x) => x.offset === rec.tornOffset && x.bytes === rec.tornBytes);
      if (t) accounted.push(t);
    }
    previous = sealed.hash;
    lastSeq = expected;
    expected++;
    records++;
  }

  const unaccounted = torn.filter((t) => !accounted.includes(t));
  for (const t of unaccounted) {
    // Only the file's last line may be torn without an account: the broker has not restarted since.
    if (t.line !== lineNo) return fail(t.line, `not a record (${t.bytes} bytes at offset ${t.offset}), and no journal.recovered record accounts for it`);
  }
  const notes = [
    ...accounted.map((t) => `torn record from a crash at line ${t.line} (${t.bytes} bytes at offset ${t.offset}), accounted for`),
    ...unaccounted.map((t) => `torn tail at line ${t.line} (${t.bytes} bytes at offset ${t.offset}): a crash mid-write, not yet fenced off`),
  ];
  const head = records > 0 ? { seq: lastSeq, hash: previous } : undefined;
  return {
    ok: true,
    records,
    ...(head ? { head } : {}),
    text: `${label}: ${records} records, chain intact${head ? `; head ${head.seq} ${head.hash}` : ''}${notes.length ? `\n  ${notes.join('\n  ')}` : ''}`,
  };
}
