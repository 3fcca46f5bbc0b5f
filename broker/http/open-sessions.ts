/** The sessions open now: on every broker replica with a shared store, else on this broker. */
import type { AppDeps } from './build-app.js';

export function openSessionIds(deps: Pick<AppDeps, 'sessions' | 'openSessionIds'>): Promise<ReadonlySet<string>> {
  return deps.openSessionIds ? deps.openSessionIds() : Promise.resolve(new Set(deps.sessions.list().map((s) => s.id)));
}
