/**
 * The journal store answers session searches from summaries its index keeps up to date
 * (journal-index.ts), instead of a pass over every record. For any filter the answer must be
 * exactly what the full pass gives on the same records: the same sessions, counters, order and
 * `more`, before and after records are appended to the file.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOURNAL_FILE, JournalFileStore } from '../../../../broker/recording/journal-file-store.js';
import { searchSessions } from '../../../../broker/recording/queries.js';
import { generatedJournal, scanning, searchFilters } from '../../../support/generated-journal.js';

describe('session search from the journal index', () => {
  it('answers every filter exactly as the full pass over the same records does, also after more records', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-summaries-'));
    const records = generatedJournal(7, 60).records;
    writeFileSync(join(dir, JOURNAL_FILE), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const file = new JournalFileStore({ directory: dir, fsync: 'write', syncIntervalMs: 1000 });
    try {
      expect(file.sessionSummaries).toBeTypeOf('function');
      for (const f of searchFilters()) expect(await searchSessions(file, f), JSON.stringify(f)).toEqual(await searchSessions(scanning(file), f));
      // Records written after the index was built: counted by its incremental pass.
      file.append({ type: 'session.start', sessionId: 'new', connection: 'crm', subject: 'bob', issuer: 'https://idp', groups: [], principalKind: 'human', clientAddress: '127.0.0.1', tls: false, via: 'postgres' });
      file.append({ type: 'statement', sessionId: 'new', statementId: 1, protocol: 'simple', text: 'DROP TABLE t', kinds: ['ddl'], action: 'block', rule: 'r', explanation: 'x' });
      for (const f of [...searchFilters(), { outcome: 'blocked' as const, person: 'bob' }]) {
        expect(await searchSessions(file, f), JSON.stringify(f)).toEqual(await searchSessions(scanning(file), f));
      }
      const all = (await searchSessions(file, { limit: 1000 })).sessions;
      expect(all[0]).toMatchObject({ id: 'new', statements: 1, blocked: 1 });
      // Answers are copies: changing one does not change the index.
      all[0]!.statements = 1000;
      expect((await searchSessions(file, { limit: 1 })).sessions[0]?.statements).toBe(1);
    } finally {
      await file.close();
    }
  });
});
