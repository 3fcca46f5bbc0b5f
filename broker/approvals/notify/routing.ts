/**
 * Which notify targets an event goes to. Two filters: the target must list the event type in
 * its `events`, and for statement approvals the rules that held the statement may narrow the
 * targets with `approval.notify` (a team's rules page that team, not everyone).
 */
import type { NotifyTarget, RuleConfig } from '../../config/types.js';
import type { AirlockEvent } from '../types.js';

/** Rule name -> the targets named in its `approval.notify` (undefined: all targets). */
export type RuleTargets = ReadonlyMap<string, readonly string[] | undefined>;

/**
 * The targets for `event`, in configuration order.
 *
 * For `approval.*` events: a rule in `ruleTargets` without a list (undefined) means every
 * target; otherwise the union of the named lists of the approval's rules. Rules absent from
 * the map (such as `default:<connection>`, which no `approval` block configures) add nothing;
 * when none of the approval's rules is in the map, every target is used. Access requests,
 * blocked statements and session events are not narrowed.
 */
export function targetsFor(event: AirlockEvent, targets: readonly NotifyTarget[], ruleTargets: RuleTargets): NotifyTarget[] {
  const listing = targets.filter((t) => t.events.includes(event.type));
  if (event.type !== 'approval.requested' && event.type !== 'approval.updated' && event.type !== 'approval.decided') return listing;
  let all = false;
  let named: Set<string> | undefined;
  for (const { rule } of event.approval.requirements) {
    if (!ruleTargets.has(rule)) continue;
    const names = ruleTargets.get(rule);
    if (names === undefined) {
      all = true;
      break;
    }
    named ??= new Set<string>();
    for (const n of names) named.add(n);
  }
  if (all || named === undefined) return listing;
  const chosen = named;
  return listing.filter((t) => chosen.has(t.name));
}

/** `ruleTargets` from the configuration: every approve rule, with its `approval.notify` list if it has one. */
export function ruleTargetsFromRules(rules: readonly RuleConfig[]): RuleTargets {
  const map = new Map<string, readonly string[] | undefined>();
  for (const r of rules) if (r.action === 'approve') map.set(r.name, r.approval?.notify);
  return map;
}
