/**
 * Micro-benchmark of RowMasker: rows per second for a 10-column row with 0, 1 and 3 masked
 * columns, in text and binary format, plus COPY text lines. Run: `npx tsx broker/masking/bench-row-masker.ts`
 * (optionally a duration per case in ms as the first argument; default 1000).
 * "0 masked" is an inactive masker: the proxy skips such rows without calling it at all.
 */
import { BackendCode } from '../protocol/postgres/codes.js';
import { MessageWriter } from '../protocol/postgres/message-writer.js';
import type { FieldDescription } from '../protocol/postgres/row-description.js';
import { RowMasker, type ColumnAction } from './row-masker.js';

type Format = 0 | 1;

/** The 10 columns: [name, type OID, text value, binary value]. */
const COLUMNS: readonly [string, number, string, Buffer][] = [
  ['id', 23, '1234567', int32(1234567)],
  ['name', 25, 'Zoë Ångström', Buffer.from('Zoë Ångström')],
  ['ssn', 25, '123-45-6789', Buffer.from('123-45-6789')],
  ['email', 1043, 'zoe.angstrom@example.com', Buffer.from('zoe.angstrom@example.com')],
  ['born', 1082, '1985-04-12', int32(-5375)],
  ['balance', 1700, '10234.56', Buffer.from([0, 2, 0, 1, 0, 0, 0, 2, 0x27, 0xfe, 0x15, 0xe0])],
  ['card', 25, '4111 1111 1111 1111', Buffer.from('4111 1111 1111 1111')],
  ['active', 16, 't', Buffer.from([1])],
  ['visits', 20, '98765', Buffer.from([0, 0, 0, 0, 0, 1, 0x81, 0xcd])],
  ['notes', 25, 'called on Tuesday about the renewal', Buffer.from('called on Tuesday about the renewal')],
];

function int32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
}

function dataRow(format: Format): Buffer {
  const w = new MessageWriter(BackendCode.DataRow, 256).int16(COLUMNS.length);
  for (const [, , text, bin] of COLUMNS) {
    const v = format === 0 ? Buffer.from(text, 'utf8') : bin;
    w.int32(v.length).bytes(v);
  }
  // Copy out of the writer's scratch buffer so every case starts from its own bytes.
  return Buffer.from(w.finish());
}

function copyLine(): Buffer {
  return Buffer.from(COLUMNS.map(([, , text]) => text).join('\t') + '\n', 'utf8');
}

function plan(format: Format, masked: number): { fields: FieldDescription[]; actions: ColumnAction[] } {
  const fields = COLUMNS.map(([name, typeOid], i): FieldDescription => ({ name, tableOid: 16384, columnNumber: i + 1, typeOid, typeSize: -1, typeModifier: -1, format }));
  const actions: ColumnAction[] = COLUMNS.map((): ColumnAction => ({ kind: 'clear' }));
  const masks: [number, ColumnAction][] = [
    [2, { kind: 'mask', mask: { strategy: 'partial' } }],
    [3, { kind: 'mask', mask: { strategy: 'hash' } }],
    [6, { kind: 'mask', mask: { strategy: 'redact' } }],
  ];
  for (const [i, a] of masks.slice(0, masked)) actions[i] = a;
  return { fields, actions };
}

function rate(run: () => unknown, ms: number): number {
  for (let i = 0; i < 20_000; i++) run(); // warm-up: let V8 optimise
  let n = 0;
  const start = process.hrtime.bigint();
  const stop = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < stop) {
    for (let i = 0; i < 1000; i++) run();
    n += 1000;
    now = process.hrtime.bigint();
  }
  return n / (Number(now - start) / 1e9);
}

const ms = Number(process.argv[2] ?? 1000);
const salt = Buffer.from('bench-salt');
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(12);
console.log(`RowMasker, 10-column row, ${ms} ms per case (rows/second); 1 masked = partial(ssn), 3 = + hash(email), redact(card)`);
for (const format of [0, 1] as const) {
  const row = dataRow(format);
  for (const masked of [0, 1, 3]) {
    const m = new RowMasker({ ...plan(format, masked), salt });
    console.log(`  DataRow ${format === 0 ? 'text  ' : 'binary'}  ${masked} masked  ${fmt(rate(() => m.maskDataRow(row), ms))}${m.active ? '' : '  (inactive: callers skip)'}`);
  }
}
const line = copyLine();
for (const masked of [1, 3]) {
  const m = new RowMasker({ ...plan(0, masked), salt });
  console.log(`  COPY text       ${masked} masked  ${fmt(rate(() => m.maskCopyText(line), ms))}`);
}
