/**
 * Append-only JSON-lines journal. Records are queued by `append` and handed to the kernel with
 * one write(2) per `flush` — the proxy flushes before it releases the messages it recorded, so a
 * record survives a crash or SIGKILL of the broker before its statement reaches the database.
 * With `fsync: always` each flush is also fdatasync'ed (survives power loss, ~0.2 ms a flush on a
 * virtual disk); otherwise the file is synced every `syncIntervalMs`. Records nobody flushes
 * explicitly (statement outcomes) go out with the next flush or within 20 ms.
 *
 * Every line is sealed into a hash chain (hash-chain.ts), so an edit, deletion or reordering is
 * detected by `airlock audit verify`.
 *
 * On open, a torn last line (a crash mid-write) is reported and fenced off with a newline so
 * later records stay readable; the torn bytes are left in place as evidence, and a
 * `journal.recovered` record — itself in the chain — says exactly where they are.
 */
import { closeSync, existsSync, fdatasync, fdatasyncSync, mkdirSync, openSync, readSync, fstatSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AirlockError } from '../errors/airlock-error.js';
import { GENESIS, SEAL_PREFIX_BYTES, SEAL_SUFFIX_BYTES, sealInPlace, splitLine } from './hash-chain.js';
import { JournalIndex } from './journal-index.js';
import { journalRecords } from './journal-lines.js';
import type { AuditRecord, NewRecord } from './records.js';
import type { IndexedSession, RecordStore } from './record-store.js';

export interface JournalOptions {
  readonly directory: string;
  readonly fsync: 'always' | 'write';
  readonly syncIntervalMs: number;
  readonly onWarning?: (message: string) => void;
  /** Told of every batch of lines once it is written (the shared store copies them). */
  readonly onWritten?: (lines: string) => void;
}

export const JOURNAL_FILE = 'journal.jsonl';
const LAZY_FLUSH_MS = 20;
/** The write buffer's starting size; it grows for a turn with more (or larger) records. */
const INITIAL_BUFFER_BYTES = 64 * 1024;
/** `{"seq":` + up to 16 digits + `,"at":"` + 24 characters + `"` is 55 bytes at most. */
const HEAD_MAX_BYTES = 64;

export class JournalFileStore implements RecordStore {
  readonly path: string;
  private readonly fd: number;
  private seq: number;
  /** Hash of the last record written or queued, as its 64 hex digits: the next record's link. */
  private readonly head = Buffer.alloc(64);
  private dirty = false;
  private readonly timer: NodeJS.Timeout | undefined;
  /**
   * Records queued since the last flush, already sealed, as the bytes the file gets: each is
   * encoded once, straight into this buffer, and hashed there (hash-chain.ts `sealInPlace`).
   */
  private buf = Buffer.allocUnsafe(INITIAL_BUFFER_BYTES);
  private used = 0;
  private index: JournalIndex | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly scheduledFlush = (): void => {
    this.flushTimer = undefined;
    try {
      this.flush();
    } catch (e) {
      this.opts.onWarning?.(`journal write failed: ${(e as Error).message}`);
    }
  };

  constructor(private readonly opts: JournalOptions) {
    mkdirSync(opts.directory, { recursive: true, mode: 0o700 });
    this.path = join(opts.directory, JOURNAL_FILE);
    const existed = existsSync(this.path);
    this.fd = openSync(this.path, 'a+', 0o600);
    const recovered = existed ? this.recover() : { seq: 0, hash: GENESIS };
    this.seq = recovered.seq;
    this.head.write(recovered.hash, 'latin1');
    if (recovered.torn) {
      this.append({ type: 'journal.recovered', sessionId: '-', tornOffset: recovered.torn.offset, tornBytes: recovered.torn.bytes });
      this.flush();
    }
    if (opts.fsync === 'write') {
      this.timer = setInterval(() => this.syncInBackground(), opts.syncIntervalMs);
      this.timer.unref();
    }
  }

  append(record: NewRecord): number {
    return this.appendJson(JSON.stringify(record));
  }

  appendJson(json: string): number {
    const seq = ++this.seq;
    // `seq` and `at` lead each line, the record's own members follow, the chain's hash ends it.
    // A UTF-16 code unit takes at most 3 bytes in UTF-8: room for the worst case.
    this.reserve(SEAL_PREFIX_BYTES + HEAD_MAX_BYTES + json.length * 3 + SEAL_SUFFIX_BYTES);
    const buf = this.buf;
    const at = this.used;
    let end = at + SEAL_PREFIX_BYTES;
    end += buf.write(`{"seq":${seq},"at":"${isoNow()}"`, end, 'latin1');
    // The record's `{` becomes the `,` after the head; its `}` is left out of the hashed body.
    const opening = end;
    end += buf.write(json, end, 'utf8');
    buf[opening] = 0x2c;
    this.used = sealInPlace(buf, at, this.head, end - 1);
    // Records nobody flushes right away (statement outcomes, session ends) ride along with the
    // next statement's flush, or go out after LAZY_FLUSH_MS at the latest.
    this.flushTimer ??= setTimeout(this.scheduledFlush, LAZY_FLUSH_MS);
    return seq;
  }

  flush(): void {
    const length = this.used;
    if (length === 0) return;
    this.used = 0;
    try {
      // writeSync may write less than asked (a full disk, a signal): what is left goes after it.
      for (let done = 0; done < length; ) done += writeSync(this.fd, this.buf, done, length - done);
      if (this.opts.fsync === 'always') fdatasyncSync(this.fd);
      else this.dirty = true;
    } catch (e) {
      throw new AirlockError('BRK_ERR_RECORDING_FAILED', (e as Error).message, { cause: e });
    }
    this.opts.onWritten?.(this.buf.toString('utf8', 0, length));
  }

  /** Makes room for `bytes` more after what is queued. */
  private reserve(bytes: number): void {
    if (this.used + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.used + bytes));
    this.buf.copy(grown, 0, 0, this.used);
    this.buf = grown;
  }

  async *readAll(): AsyncIterable<AuditRecord> {
    this.flush();
    yield* journalRecords(this.path);
  }

  /** One session's records through the index (journal-index.ts): reads its byte range, not the whole file. */
  async *readSession(sessionId: string): AsyncIterable<AuditRecord> {
    this.flush();
    const range = await this.indexed().rangeOf(sessionId, fstatSync(this.fd).size);
    if (!range) return;
    // The range also holds other sessions' records (sessions interleave).
    for await (const r of journalRecords(this.path, range)) if (r.sessionId === sessionId) yield r;
  }

  /** Every session's summary, from the index (journal-index.ts): built once, then kept up with the file. */
  async sessionSummaries(): Promise<Iterable<IndexedSession>> {
    this.flush();
    return this.indexed().sessionSummaries(fstatSync(this.fd).size);
  }

  /** The index, built by the first read that needs it. */
  private indexed(): JournalIndex {
    return (this.index ??= new JournalIndex(this.path));
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flush();
    fdatasyncSync(this.fd);
    closeSync(this.fd);
  }

  private syncInBackground(): void {
    if (!this.dirty) return;
    this.dirty = false;
    fdatasync(this.fd, (e) => {
      if (e) this.opts.onWarning?.(`journal sync failed: ${e.message}`);
    });
  }

  /** The last record's sequence number and hash; fences off a torn tail. */
  private recover(): { seq: number; hash: string; torn?: { offset: number; bytes: number } } {
    const size = fstatSync(this.fd).size;
    if (size === 0) return { seq: 0, hash: GENESIS };
    let torn: { offset: number; bytes: number } | undefined;
    const tailSize = Math.min(size, 1 << 20);
    const tail = Buffer.alloc(tailSize);
    readSync(this.fd, tail, 0, tailSize, size - tailSize);
    let text = tail.toString('utf8');
    if (!text.endsWith('\n')) {
      const tornText = text.slice(text.lastIndexOf('\n') + 1);
      const bytes = Buffer.byteLength(tornText);
      torn = { offset: size - bytes, bytes };
      this.opts.onWarning?.(`journal ${this.path} ends with a torn record (${bytes} bytes at offset ${torn.offset}); keeping it and starting a new line`);
      writeSync(this.fd, '\n');
      text = text.slice(0, text.length - tornText.length);
    }
    const lines = text.split('\n').filter(Boolean);
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i]!;
      try {
        const rec = JSON.parse(line) as AuditRecord;
        const sealed = splitLine(line);
        if (typeof rec.seq !== 'number') continue;
        // A journal written before the chain existed continues with a fresh chain from here.
        return { seq: rec.seq, hash: sealed?.hash ?? GENESIS, ...(torn ? { torn } : {}) };
      } catch {
        // keep looking backwards
      }
    }
    return { seq: 0, hash: GENESIS, ...(torn ? { torn } : {}) };
  }
}

let lastSecond = -1;
let secondPrefix = '';

/**
 * The current time in ISO-8601 with milliseconds (`2026-11-22T06:34:52.123Z`), formatting the
 * date part once per second: this runs for every record.
 */
function isoNow(): string {
  const ms = Date.now();
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    secondPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  const frac = ms - second * 1000;
  return `${secondPrefix}${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}Z`;
}
