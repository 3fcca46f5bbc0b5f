import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENESIS, linkHash, SEAL_PREFIX_BYTES, SEAL_SUFFIX_BYTES, sealInPlace, sealLine, splitLine } from '../../../../broker/recording/hash-chain.js';
import { JOURNAL_FILE, JournalFileStore } from '../../../../broker/recording/journal-file-store.js';
import { verifyJournal } from '../../../../broker/recording/verify-journal.js';

/** A journal of `n` records written by the real store; returns its path and lines. */
async function journal(n: number): Promise<{ path: string; lines: string[] }> {
  const d = mkdtempSync(join(tmpdir(), 'airlock-chain-'));
  const store = new JournalFileStore({ directory: d, fsync: 'write', syncIntervalMs: 1000 });
  for (let i = 1; i <= n; i++) store.append({ type: 'session.end', sessionId: `s${i}`, reason: `r${i} — ünïcödé ${'😀'.repeat(i)}`, statements: i });
  await store.close();
  const path = join(d, JOURNAL_FILE);
  return { path, lines: readFileSync(path, 'utf8').split('\n').filter(Boolean) };
}

const write = (path: string, lines: string[]): void => writeFileSync(path, lines.map((l) => `${l}\n`).join(''));

describe('hash chain', () => {
  it('seals a line so that it splits back into the hashed body and hash', () => {
    const { line, hash } = sealLine(GENESIS, '{"seq":1,"x":"}\\",\\"hash\\":\\""');
    expect(JSON.parse(line)).toMatchObject({ seq: 1, hash });
    expect(splitLine(line)).toEqual({ body: '{"seq":1,"x":"}\\",\\"hash\\":\\""', hash });
    expect(linkHash(GENESIS, splitLine(line)!.body)).toBe(hash);
    expect(splitLine('{"seq":1}')).toBeUndefined();
  });

  it('seals bytes in place exactly as sealLine seals the string, multi-byte characters included', () => {
    const bodies = ['{"seq":1,"text":"naïve — 日本語 😀"', '{"seq":2,"x":""', `{"seq":3,"long":"${'é'.repeat(3000)}"`];
    const buf = Buffer.alloc(64 * 1024, 0xff);
    const previous = Buffer.from(GENESIS, 'latin1');
    let expected = GENESIS;
    let at = 0;
    let text = '';
    for (const body of bodies) {
      const bodyEnd = at + SEAL_PREFIX_BYTES + buf.write(body, at + SEAL_PREFIX_BYTES, 'utf8');
      const end = sealInPlace(buf, at, previous, bodyEnd);
      const sealed = sealLine(expected, body);
      expect(buf.toString('utf8', at, end)).toBe(`${sealed.line}\n`);
      expect(end - at).toBeLessThanOrEqual(Buffer.byteLength(body) + SEAL_SUFFIX_BYTES);
      expect(previous.toString('latin1')).toBe(sealed.hash);
      expected = sealed.hash;
      text += `${sealed.line}\n`;
      at = end;
    }
    // Consecutive records sit back to back, nothing of the scratch room left between them.
    expect(buf.toString('utf8', 0, at)).toBe(text);
  });

  it('links every record to the one before it', async () => {
    const { path, lines } = await journal(5);
    let previous = GENESIS;
    for (const l of lines) {
      const s = splitLine(l)!;
      expect(linkHash(previous, s.body)).toBe(s.hash);
      previous = s.hash;
    }
    const v = await verifyJournal(path);
    expect(v.ok, v.text).toBe(true);
    expect(v.records).toBe(5);
    expect(v.head).toEqual({ seq: 5, hash: previous });
    expect(v.text).toContain(`head 5 ${previous}`);
  });

  it('names an edited record, even when the edit keeps the JSON valid', async () => {
    const { path, lines } = await journal(6);
    lines[3] = lines[3]!.replace('"reason":"r4 ', '"reason":"rX ');
    write(path, lines);
    const v = await verifyJournal(path);
    expect(v.ok).toBe(false);
    expect(v.failure).toMatchObject({ line: 4, seq: 4 });
    expect(v.text).toMatch(/line 4 \(record 4\) — the hash does not match/);
  });

  it('names the record after a deleted one, and a deleted first record', async () => {
    const { path, lines } = await journal(6);
    write(path, lines.filter((_, i) => i !== 2));
    const v = await verifyJournal(path);
    expect(v.failure).toMatchObject({ line: 3, seq: 4 });
    expect(v.text).toContain('a record before it was removed or moved');
    write(path, lines.slice(1));
    expect((await verifyJournal(path)).failure).toMatchObject({ line: 1, seq: 2 });
  });

  it('detects a deletion that renumbers the records after it', async () => {
    const { path, lines } = await journal(5);
    // Remove record 2 and shift the later sequence numbers down: the sequence looks fine, the hashes do not.
    const forged = [lines[0]!, ...lines.slice(2).map((l) => l.replace(/^\{"seq":(\d+)/, (_, n: string) => `{"seq":${Number(n) - 1}`))];
    write(path, forged);
    const v = await verifyJournal(path);
    expect(v.failure).toMatchObject({ line: 2, seq: 2 });
    expect(v.text).toContain('hash does not match');
  });

  it('names the first of two swapped records', async () => {
    const { path, lines } = await journal(5);
    [lines[1], lines[2]] = [lines[2]!, lines[1]!];
    write(path, lines);
    const v = await verifyJournal(path);
    expect(v.failure).toMatchObject({ line: 2, seq: 3 });
    expect(v.text).toContain('removed or moved');
  });

  it('refuses a record without a hash and garbage in the middle', async () => {
    const { path, lines } = await journal(3);
    write(path, [lines[0]!, '{"seq":2,"at":"x","type":"session.end","sessionId":"s"}', lines[2]!]);
    expect((await verifyJournal(path)).failure).toMatchObject({ line: 2, reason: 'the record carries no hash' });
    write(path, [lines[0]!, '{"seq":2,"type":"sess', lines[1]!, lines[2]!]);
    const v = await verifyJournal(path);
    expect(v.ok).toBe(false);
    expect(v.failure?.line).toBe(2);
    expect(v.text).toMatch(/not a record \(21 bytes at offset \d+\), and no journal.recovered record accounts for it/);
  });

  it('reports an unfenced torn tail exactly without failing', async () => {
    const { path } = await journal(3);
    const size = readFileSync(path).length;
    appendFileSync(path, '{"seq":4,"at":"2026');
    const v = await verifyJournal(path);
    expect(v.ok, v.text).toBe(true);
    expect(v.text).toContain(`torn tail at line 4 (19 bytes at offset ${size})`);
  });

  it('continues the chain across a restart', async () => {
    const { path } = await journal(2);
    const again = new JournalFileStore({ directory: join(path, '..'), fsync: 'write', syncIntervalMs: 1000 });
    again.append({ type: 'session.end', sessionId: 'after', reason: 'x', statements: 0 });
    await again.close();
    const v = await verifyJournal(path);
    expect(v.ok, v.text).toBe(true);
    expect(v.records).toBe(3);
  });
});
