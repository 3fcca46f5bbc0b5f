/**
 * Masks what the database sends a masked identity. The session tells it, in order, what each
 * forwarded message will produce (a simple query's statements, a Describe, an Execute, each
 * with the unit — the Sync or Query — it belongs to); the relay hands it every backend message.
 *
 * - RowDescription starts a result (or is remembered for the Execute that follows a Describe);
 *   DataRows and COPY rows of a result with masked columns are rewritten (RowMasker);
 * - errors and notices lose their DETAIL/WHERE fields and have quoted values replaced, since a
 *   constraint violation's DETAIL prints the whole failing row;
 * - NOTIFY payloads go through the content detectors;
 * - after a result with masked values, a NOTICE names the masked columns and the rules.
 * @see https://www.postgresql.org/docs/current/protocol-flow.html
 */
import { BackendCode, backendMessages as bm, readErrorFields, type TextDecoding } from '../protocol/postgres/index.js';
import { readRowDescription, type FieldDescription } from '../protocol/postgres/row-description.js';
import type { StatementOutput } from '../masking/lineage/types.js';
import { RowMasker } from '../masking/row-masker.js';
import type { SessionMasking } from '../masking/session-masking.js';

/**
 * SQLSTATE classes whose messages speak of the statement, the session or the server rather than
 * of data values: 08 connection, 0A feature not supported, 25 transaction state, 26/34 invalid
 * statement or cursor name, 28 authorization, 3D/3F catalog or schema, 40 rollback, 42 syntax or
 * access, 53 resources, 55 object state, 57 operator intervention, 58 system.
 * @see https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
const MESSAGE_SAFE_CLASSES = new Set(['08', '0A', '25', '26', '28', '34', '3D', '3F', '40', '42', '53', '55', '57', '58']);

type Expectation =
  | { readonly kind: 'query'; readonly unit: number; readonly outputs: readonly StatementOutput[]; index: number; done: boolean }
  | { readonly kind: 'describe'; readonly unit: number }
  | { readonly kind: 'execute'; readonly unit: number; readonly output: StatementOutput | undefined };

export interface MaskedResult {
  readonly columns: readonly string[];
  readonly rules: readonly string[];
  readonly values: number;
}

export class ResultMasking {
  private readonly queue: Expectation[] = [];
  private masker: RowMasker | undefined;
  private maskerFields: readonly FieldDescription[] = [];
  /** The last RowDescription answered to a Describe, for the Execute after it. */
  private described: readonly FieldDescription[] | undefined;
  /** A COPY in CSV or binary format with nothing masked in it runs through unparsed. */
  private copyPassThrough = false;

  constructor(
    readonly masking: SessionMasking,
    private readonly decoding: () => TextDecoding,
    private readonly onMasked: (r: MaskedResult) => void,
  ) {}

  query(unit: number, outputs: readonly StatementOutput[]): void {
    this.queue.push({ kind: 'query', unit, outputs, index: 0, done: false });
  }

  describe(unit: number): void {
    this.queue.push({ kind: 'describe', unit });
  }

  execute(unit: number, output: StatementOutput | undefined): void {
    this.queue.push({ kind: 'execute', unit, output });
  }

  /** ReadyForQuery for `unit`: what was expected of it and did not come (skipped after an error) is dropped. */
  settle(unit: number): void {
    while (this.queue.length && this.queue[0]!.unit <= unit) this.queue.shift();
    this.endResult();
  }

  /** The frame to send the client instead of `frame` (the same Buffer when unchanged), or a list of frames. */
  message(code: number, frame: Buffer): Buffer | Buffer[] {
    switch (code) {
      case BackendCode.RowDescription:
        return this.rowDescription(frame);
      case BackendCode.NoData: {
        if (this.queue[0]?.kind === 'describe') this.queue.shift();
        return frame;
      }
      case BackendCode.DataRow:
        return this.row(frame, (m, f) => m.maskDataRow(f));
      case BackendCode.CopyOutResponse:
        this.startCopy();
        return frame;
      case BackendCode.CopyData:
        return this.row(frame, (m, f) => {
          const payload = f.subarray(5);
          const masked = m.maskCopyText(payload);
          return masked === payload ? f : bm.copyData(masked);
        });
      case BackendCode.CommandComplete:
      case BackendCode.EmptyQueryResponse:
      case BackendCode.PortalSuspended:
        return this.complete(frame, false);
      case BackendCode.ErrorResponse:
        return this.complete(this.sanitize(frame), true);
      case BackendCode.NoticeResponse:
        return this.sanitize(frame);
      case BackendCode.NotificationResponse:
        return this.notification(frame);
      default:
        return frame;
    }
  }

  private rowDescription(frame: Buffer): Buffer {
    const fields = readRowDescription(frame, this.decoding());
    const head = this.queue[0];
    if (head?.kind === 'describe') {
      this.queue.shift();
      this.described = fields;
      return frame;
    }
    const output = head?.kind === 'query' ? head.outputs[head.index] : head?.kind === 'execute' ? head.output : undefined;
    this.begin(fields, output);
    return frame;
  }

  private begin(fields: readonly FieldDescription[], output: StatementOutput | undefined): void {
    const m = this.masking;
    this.maskerFields = fields;
    this.masker = new RowMasker({ fields, actions: m.actions(output, fields), ...(m.rules.salt ? { salt: m.rules.salt } : {}), ...(m.scan ? { scan: m.scan } : {}) });
  }

  /** COPY TO STDOUT: the columns are the statement's output, in order, text format. */
  private startCopy(): void {
    const head = this.queue[0];
    const output = head?.kind === 'query' ? head.outputs[head.index] : head?.kind === 'execute' ? head.output : undefined;
    if (output?.kind === 'rows' && output.copyFormat !== undefined && output.copyFormat !== 'text') {
      // CSV or binary: lineage has shown nothing masked is in it (it refuses them otherwise).
      this.masker = undefined;
      this.copyPassThrough = true;
      return;
    }
    const width = output?.kind === 'rows' ? output.columns.length : 0;
    const fields: FieldDescription[] = Array.from({ length: width }, (_, i) => ({
      name: output?.kind === 'rows' ? output.columns[i]!.name : `column${i + 1}`,
      tableOid: 0,
      columnNumber: 0,
      typeOid: 25, // COPY text carries every value as text
      typeSize: -1,
      typeModifier: -1,
      format: 0,
    }));
    this.begin(fields, output);
  }

  private row(frame: Buffer, mask: (m: RowMasker, f: Buffer) => Buffer): Buffer {
    if (this.copyPassThrough && frame[0] === BackendCode.CopyData) return frame;
    if (!this.masker) {
      // An Execute without a Describe in front of it: nothing says what the columns are, so
      // the lineage alone decides (fields of unknown type become NULL when masked).
      const head = this.queue[0];
      if (head?.kind !== 'execute') return frame;
      const width = frame[0] === BackendCode.DataRow ? frame.readInt16BE(5) : 0;
      const fields = this.described && this.described.length === width ? this.described : unknownFields(width);
      this.begin(fields, head.output);
    }
    return this.masker!.active ? mask(this.masker!, frame) : frame;
  }

  private complete(frame: Buffer, error: boolean): Buffer | Buffer[] {
    const notice = this.endResult();
    const head = this.queue[0];
    if (head?.kind === 'query') {
      head.index++;
      if (error) this.queue.shift();
    } else if (head?.kind === 'execute' || (error && head)) {
      this.queue.shift();
    }
    return notice ? [frame, notice] : frame;
  }

  /** Ends the current result; a NOTICE naming what was masked, if anything was. */
  private endResult(): Buffer | undefined {
    this.copyPassThrough = false;
    const m = this.masker;
    this.masker = undefined;
    if (!m?.active) return undefined;
    const columns = this.maskerFields.filter((_, i) => (m.counts[i] ?? 0) > 0).map((f) => f.name);
    if (columns.length === 0) return undefined;
    const values = m.counts.reduce((a, b) => a + b, 0);
    const rules = [...this.masking.rules.rules];
    this.onMasked({ columns, rules, values });
    return bm.noticeResponse({
      severity: 'NOTICE',
      code: '01000',
      message: `Airlock masked ${values} value(s) in column(s) ${columns.join(', ')}`,
      detail: `Masking rule(s): ${rules.join(', ')}.`,
      hint: 'Masked values are replaced, hashed or NULL; filters and counts over them still work.',
    });
  }

  /** Errors and notices: message and hint with quoted values replaced; detail and context withheld. */
  private sanitize(frame: Buffer): Buffer {
    const f = readErrorFields(frame, this.decoding());
    const clean = (s: string | undefined): string | undefined => {
      if (s === undefined) return undefined;
      const quoted = s.replace(/"(?:[^"]|"")*"|'(?:[^']|'')*'|\([^()]*\)=\([^()]*\)/g, '[masked]');
      return this.masking.scan ? this.masking.scan(quoted).text : quoted;
    };
    const severity = (f.get('V') ?? f.get('S') ?? 'ERROR') as 'ERROR';
    const code = f.get('C') ?? 'XX000';
    // Errors about data (invalid values, constraints, limits...) quote the offending value in
    // any shape (`date out of range: 321549876-01-01`): only classes about the statement, the
    // session or the server keep their message (quoted parts replaced below).
    if (!MESSAGE_SAFE_CLASSES.has(code.slice(0, 2))) {
      const withheld = { severity, code, message: `the database reported an error (SQLSTATE ${code}); its message is withheld by Airlock because it can contain masked values` };
      return frame[0] === BackendCode.NoticeResponse ? bm.noticeResponse(withheld) : bm.errorResponse(withheld);
    }
    const detail = f.has('D') || f.has('W') ? 'Details withheld by Airlock: they can contain masked values.' : undefined;
    const fields = {
      severity,
      code,
      message: clean(f.get('M')) ?? '',
      ...(detail ? { detail } : {}),
      ...(f.has('H') ? { hint: clean(f.get('H'))! } : {}),
    };
    return frame[0] === BackendCode.NoticeResponse ? bm.noticeResponse(fields) : bm.errorResponse(fields);
  }

  /** NOTIFY payloads: content detectors (the channel name stays). */
  private notification(frame: Buffer): Buffer {
    const scan = this.masking.scan;
    if (!scan) return frame;
    // NotificationResponse: Int32 process ID, String channel, String payload.
    const pid = frame.readInt32BE(5);
    const chanEnd = frame.indexOf(0, 9);
    const channel = frame.toString('utf8', 9, chanEnd);
    const payload = frame.toString('utf8', chanEnd + 1, frame.length - 1);
    const masked = scan(payload);
    return masked.text === payload ? frame : bm.notificationResponse(pid, channel, masked.text);
  }
}

function unknownFields(width: number): FieldDescription[] {
  // typeOid 0: no type is known, so a masked value becomes NULL (valid in any type and format).
  return Array.from({ length: width }, (_, i) => ({ name: `column${i + 1}`, tableOid: 0, columnNumber: 0, typeOid: 0, typeSize: -1, typeModifier: -1, format: 0 }));
}
