/**
 * Masking: which columns are sensitive, for whom, and how their values are replaced.
 * Definitions come from the `masking` section of the configuration (validated and frozen);
 * evaluators live next to this file.
 */
import type { Secret } from '../config/types.js';

/**
 * - `redact`: the value becomes `[masked]` (text types) — or NULL where text cannot stand in;
 * - `partial`: all but the last `keepLast` characters become `*` (separators kept: `***-**-6789`);
 * - `hash`: `h:` + the first 16 hex digits of HMAC-SHA256(salt, value): equal values stay
 *   equal, so joins and grouping still work, but the value cannot be read back;
 * - `null`: SQL NULL.
 */
export type MaskStrategy = 'redact' | 'partial' | 'hash' | 'null';

export interface ColumnMask {
  readonly strategy: MaskStrategy;
  /** `partial` only: characters kept at the end (default 4). */
  readonly keepLast?: number;
}

export const DETECTORS = ['card', 'ssn', 'email', 'phone', 'iban', 'jwt', 'cloud-key', 'api-token', 'private-key'] as const;
export type DetectorName = (typeof DETECTORS)[number];

export interface MaskColumnConfig extends ColumnMask {
  /** `schema.table.column` or `table.column`; `*` matches any run of characters. */
  readonly column: string;
}

export interface MaskingRuleConfig {
  readonly name: string;
  readonly description?: string;
  readonly columns: readonly MaskColumnConfig[];
  /** Connections the rule applies to (default: all). */
  readonly connections?: readonly string[];
  /** Groups the rule masks for (default: everyone not exempt). */
  readonly groups?: readonly string[];
  /** Groups that always see clear data under this rule. */
  readonly exemptGroups?: readonly string[];
  /** Content detectors applied to every text value a masked identity receives. */
  readonly detectors: readonly DetectorName[];
}

export interface MaskingConfig {
  /** Key of the `hash` strategy; required when a column uses it. */
  readonly salt?: Secret;
  readonly rules: readonly MaskingRuleConfig[];
}
