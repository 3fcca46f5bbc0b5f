/**
 * The sessions open now: on this broker, and — with a shared store — on every other running
 * replica (their heartbeats name them). What the replay pages and the sessions API show as
 * "active" and "open now".
 */
import type { ActiveSessions } from '../proxy/active-sessions.js';

/** An open session as the pages list it: enough to show and to decide who may see it. */
export interface OpenSessionInfo {
  readonly id: string;
  readonly connection: string;
  readonly subject: string;
  readonly issuer: string;
  readonly name?: string | undefined;
  readonly email?: string | undefined;
  readonly startedAt: string;
  /** The replica it is open on, when not this broker. */
  readonly broker?: string | undefined;
}

export function localOpenSessions(sessions: ActiveSessions): OpenSessionInfo[] {
  return sessions.list().map((s) => ({
    id: s.id,
    connection: s.connection,
    subject: s.principal.subject,
    issuer: s.principal.issuer,
    name: s.principal.name,
    email: s.principal.email,
    startedAt: s.startedAt,
  }));
}

export async function openSessions(deps: { readonly sessions: ActiveSessions; readonly openSessions?: (() => Promise<readonly OpenSessionInfo[]>) | undefined }): Promise<readonly OpenSessionInfo[]> {
  return deps.openSessions ? deps.openSessions() : localOpenSessions(deps.sessions);
}

export async function openSessionIds(deps: Parameters<typeof openSessions>[0]): Promise<ReadonlySet<string>> {
  return new Set((await openSessions(deps)).map((s) => s.id));
}
