/**
 * Masking rules compiled for evaluation: which rules apply to a session (connection, groups,
 * exemptions), and whether a column key (`schema.table.column`) is sensitive under them.
 */
import type { ColumnMask, DetectorName, MaskingConfig, MaskingRuleConfig } from './types.js';

export interface SensitiveColumn {
  readonly rule: string;
  readonly mask: ColumnMask;
}

/** Keys the lineage marks `!untraceable:...` (a view Airlock cannot trace) are always masked. */
const UNTRACEABLE: SensitiveColumn = { rule: 'airlock:untraceable-view', mask: { strategy: 'redact' } };

function globPart(p: string): string {
  return p.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^.]*');
}

/** `schema.table.column`, or `table.column` in any schema; compared case-insensitively. */
function columnPattern(pattern: string): RegExp {
  const parts = pattern.toLowerCase().split('.');
  const body = parts.map(globPart).join('\\.');
  return new RegExp(parts.length === 2 ? `^[^.]+\\.${body}$` : `^${body}$`);
}

interface CompiledColumn {
  readonly re: RegExp;
  readonly hit: SensitiveColumn;
}

export class SessionMaskingRules {
  private readonly memo = new Map<string, SensitiveColumn | null>();

  constructor(
    readonly rules: readonly string[],
    private readonly columns: readonly CompiledColumn[],
    readonly detectors: readonly DetectorName[],
    readonly salt: Buffer | undefined,
  ) {}

  sensitive(key: string): SensitiveColumn | undefined {
    let hit = this.memo.get(key);
    if (hit === undefined) {
      hit = key.startsWith('!') ? UNTRACEABLE : this.columns.find((c) => c.re.test(key.toLowerCase()))?.hit ?? null;
      this.memo.set(key, hit);
    }
    return hit ?? undefined;
  }
}

export class MaskingPolicy {
  constructor(private readonly config: MaskingConfig) {}

  get enabled(): boolean {
    return this.config.rules.length > 0;
  }

  /** The rules masking this caller on this connection, or undefined when none does. */
  forSession(connection: string, groups: readonly string[]): SessionMaskingRules | undefined {
    const applies = (r: MaskingRuleConfig): boolean =>
      (!r.connections || r.connections.includes(connection)) &&
      (!r.groups || r.groups.some((g) => groups.includes(g))) &&
      !(r.exemptGroups ?? []).some((g) => groups.includes(g));
    const rules = this.config.rules.filter(applies);
    if (rules.length === 0) return undefined;
    const columns = rules.flatMap((r) => r.columns.map((c) => ({
      re: columnPattern(c.column),
      hit: { rule: r.name, mask: { strategy: c.strategy, ...(c.keepLast === undefined ? {} : { keepLast: c.keepLast }) } },
    })));
    const detectors = [...new Set(rules.flatMap((r) => r.detectors))];
    const salt = this.config.salt ? Buffer.from(this.config.salt.reveal(), 'utf8') : undefined;
    return new SessionMaskingRules(rules.map((r) => r.name), columns, detectors, salt);
  }
}
