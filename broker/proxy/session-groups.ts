/**
 * A principal's groups on one connection: those from the token plus those active access grants
 * add. Rules follow the groups at once, also in open sessions; the database role, set when the
 * session starts, follows at the next connection.
 */
import type { Principal } from '../identity/types.js';

export function withGroups(p: Principal, extra: readonly string[]): Principal {
  const added = extra.filter((g) => !p.groups.includes(g));
  return added.length === 0 ? p : { ...p, groups: [...p.groups, ...added] };
}
