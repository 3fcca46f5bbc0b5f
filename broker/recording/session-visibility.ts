/**
 * Who may read which sessions: everyone their own, members of `recording.auditorGroups`
 * everything. Used by the sessions API, the replay pages and their live stream alike.
 */
import type { SessionFilter } from './queries.js';

/** Who may read a session: its own person, or a member of an auditor group. */
export interface SessionViewer {
  readonly subject: string;
  readonly issuer: string;
  readonly groups: readonly string[];
}

export function isAuditor(viewer: SessionViewer, auditorGroups: readonly string[]): boolean {
  return viewer.groups.some((g) => auditorGroups.includes(g));
}

/**
 * A subject is unique only within its issuer (OpenID Connect Core §2), so "own" means both. The
 * sessions of someone else are invisible, not forbidden: callers answer "not found".
 */
export function maySeeSession(viewer: SessionViewer, owner: { readonly subject: string; readonly issuer: string }, auditorGroups: readonly string[]): boolean {
  return isAuditor(viewer, auditorGroups) || (owner.subject === viewer.subject && owner.issuer === viewer.issuer);
}

/** The filter that keeps a viewer to what they may see: everything for auditors, else their own. */
export function visibilityFilter(viewer: SessionViewer, auditorGroups: readonly string[]): Pick<SessionFilter, 'subject' | 'issuer'> {
  return isAuditor(viewer, auditorGroups) ? {} : { subject: viewer.subject, issuer: viewer.issuer };
}
