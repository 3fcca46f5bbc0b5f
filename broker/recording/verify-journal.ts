/**
 * Structural check of the journal: parseable records, strictly consecutive sequence numbers,
 * no torn tail. (The hash chain that makes edits detectable comes with the audit issue.)
 */
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface VerifyResult {
  readonly ok: boolean;
  readonly records: number;
  readonly text: string;
}

export async function verifyJournal(path: string): Promise<VerifyResult> {
  if (!existsSync(path)) return { ok: false, records: 0, text: `no journal at ${path}` };
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let expected = 1;
  let records = 0;
  let lineNo = 0;
  let tornAt: number | undefined;
  let problem: string | undefined;
  for await (const line of lines) {
    lineNo++;
    if (line === '') continue;
    let seq: unknown;
    try {
      seq = (JSON.parse(line) as { seq?: unknown }).seq;
    } catch {
      // A torn line is tolerated only as the evidence of a crash; anything after it must continue the sequence.
      tornAt ??= lineNo;
      continue;
    }
    if (seq !== expected) {
      problem ??= `record at line ${lineNo} has seq ${String(seq)}, expected ${expected}`;
      expected = typeof seq === 'number' ? seq + 1 : expected + 1;
    } else expected++;
    records++;
  }
  if (problem) return { ok: false, records, text: `journal ${path}: FAILED — ${problem}` };
  const torn = tornAt ? ` (torn record from a crash at line ${tornAt}, fenced off)` : '';
  return { ok: true, records, text: `journal ${path}: ${records} records, sequence intact${torn}` };
}
