/**
 * Per-session recording: numbers statements, writes each one before it is forwarded, and
 * closes it with its outcome when the database answers.
 */
import type { RecordingConfig } from '../config/types.js';
import type { Decision } from '../policy/decision.js';
import type { ApprovalEventRecord, SessionStartRecord, StatementRecord } from './records.js';
import type { RecordStore } from './record-store.js';
import type { ResultSample, SampleLimits } from './result-sample.js';

export type SessionStartInfo = Omit<SessionStartRecord, 'seq' | 'at' | 'type' | 'sessionId'>;

export class SessionRecorder {
  private statements = 0;
  /** `"sessionId":"…"`, escaped once: records are assembled from such parts on the hot path. */
  private readonly sessionMember: string;
  /** The start of every statement record up to its protocol, and of every statement outcome up to its id. */
  private readonly statementHead: string;
  private readonly endHead: string;

  constructor(
    private readonly store: RecordStore,
    readonly sessionId: string,
    readonly recordParameters: boolean,
    /** How much of each result is kept (`recording.resultRows`, `resultValueChars`). */
    readonly resultLimits: SampleLimits = { rows: 0, chars: 256 },
  ) {
    this.sessionMember = `"sessionId":${JSON.stringify(sessionId)}`;
    this.statementHead = `${this.typeAndSession('statement')},"protocol":"`;
    this.endHead = `{${this.typeAndSession('statement.end')},"statementId":`;
  }

  /** A session's recorder as `recording` in the configuration asks. */
  static forSession(store: RecordStore, sessionId: string, c: Pick<RecordingConfig, 'recordParameters' | 'resultRows' | 'resultValueChars'>): SessionRecorder {
    return new SessionRecorder(store, sessionId, c.recordParameters, { rows: c.resultRows, chars: c.resultValueChars });
  }

  private typeAndSession(type: string): string {
    return `"type":"${type}",${this.sessionMember}`;
  }

  start(info: SessionStartInfo): void {
    this.store.append({ type: 'session.start', sessionId: this.sessionId, ...info });
    this.store.flush();
  }

  /** Writes what was recorded so far; throws BRK_ERR_RECORDING_FAILED if it cannot. */
  flush(): void {
    this.store.flush();
  }

  /**
   * The JSON members of a statement record that do not change between executions of the same
   * prepared statement; callers may keep it and pass it to `statementFromFragment`.
   */
  fragment(protocol: StatementRecord['protocol'], text: string, kinds: readonly string[], decision: Decision): string {
    return `${this.statementHead}${protocol}","text":${JSON.stringify(text)}${decisionMembers(kinds, decision)}`;
  }

  /** Queues the statement and its decision; `flush()` writes it before the statement is released. */
  statement(
    protocol: StatementRecord['protocol'],
    text: string,
    kinds: readonly string[],
    decision: Decision,
    params?: readonly (Buffer | null)[] | number,
  ): number {
    return this.statementFromFragment(this.fragment(protocol, text, kinds, decision), params);
  }

  statementFromFragment(fragment: string, params?: readonly (Buffer | null)[] | number): number {
    const statementId = ++this.statements;
    this.store.appendJson(`{${fragment},"statementId":${statementId}${parametersMember(params, this.recordParameters)}}`);
    return statementId;
  }

  finished(statementId: number, startedAt: number, rows: number | null, error?: { code: string; message: string }, sample?: ResultSample): void {
    const durationMs = Math.round((performance.now() - startedAt) * 1000) / 1000;
    this.store.appendJson(
      `${this.endHead}${statementId},"durationMs":${durationMs},"rows":${rows}${error ? `,"error":${JSON.stringify(error)}` : ''}${sample ? `,"result":${JSON.stringify(sample)}` : ''}}`,
    );
  }

  /** The masking notice the client got after a result: which columns, which rules, how many values. */
  masked(statementId: number | undefined, columns: readonly string[], rules: readonly string[], values: number): void {
    this.store.append({ type: 'result.masked', sessionId: this.sessionId, ...(statementId !== undefined ? { statementId } : {}), columns, rules, values });
  }

  /** An event of the session (approval requested, dry run, ...), written at once. */
  event(type: ApprovalEventRecord['type'], data: Omit<ApprovalEventRecord, 'type' | 'seq' | 'at' | 'sessionId'>): void {
    this.store.append({ ...data, type, sessionId: this.sessionId });
    this.store.flush();
  }

  end(reason: string): void {
    this.store.append({ type: 'session.end', sessionId: this.sessionId, reason, statements: this.statements });
  }
}

/**
 * A decision serialised once: statements of one shape share their analysis, so its kinds and
 * decision are the same objects every time (statement-gate.ts caches them per analysis).
 */
const decisionJson = new WeakMap<Decision, { readonly kinds: readonly string[]; readonly json: string }>();

function decisionMembers(kinds: readonly string[], decision: Decision): string {
  const cached = decisionJson.get(decision);
  if (cached && cached.kinds === kinds) return cached.json;
  const json = `,"kinds":${JSON.stringify(kinds)},"action":"${decision.action}","rule":${JSON.stringify(decision.rule)},"explanation":${JSON.stringify(decision.explanation)}`;
  decisionJson.set(decision, { kinds, json });
  return json;
}

const REDACTED_MEMBER = ',"parameters":"[redacted]"';

/** Parameters in clear only when configured; otherwise just the fact that there were some. */
function parametersMember(params: readonly (Buffer | null)[] | number | undefined, inClear: boolean): string {
  if (params === undefined || params === 0 || (typeof params !== 'number' && params.length === 0)) return '';
  if (!inClear || typeof params === 'number') return REDACTED_MEMBER;
  return `,"parameters":${JSON.stringify(params.map(paramText))}`;
}

function paramText(p: Buffer | null): string | null {
  if (p === null) return null;
  const s = p.toString('utf8');
  return s.length > 1024 ? `${s.slice(0, 1024)}…` : s;
}
