/** The sessions open on this broker right now, for the API and for graceful shutdown. */
import type { Principal } from '../identity/types.js';

export interface ActiveSession {
  readonly id: string;
  readonly connection: string;
  readonly principal: Principal;
  readonly startedAt: string;
  close(reason: string): void;
  /** Re-applies the rules with the principal's token groups plus `granted` (access grants changed). */
  regroup(granted: readonly string[]): void;
}

export class ActiveSessions {
  private readonly sessions = new Map<string, ActiveSession>();

  add(s: ActiveSession): void {
    this.sessions.set(s.id, s);
  }

  remove(id: string): void {
    this.sessions.delete(id);
  }

  list(): ActiveSession[] {
    return [...this.sessions.values()];
  }

  get size(): number {
    return this.sessions.size;
  }

  closeAll(reason: string): void {
    for (const s of this.sessions.values()) s.close(reason);
  }
}
