/**
 * Server-side state of the page: signed-in sessions and sign-ins in progress. The browser only
 * holds a random id (256 bits) in an HttpOnly cookie; tokens never reach it. A session lives
 * exactly as long as the access token it was made from (`Principal.expiresAt`), so a reviewer's
 * groups are never older than a token the broker would still accept.
 *
 * Two implementations: this broker's memory (bounded, so unauthenticated requests cannot grow
 * it without limit), and the shared PostgreSQL store (store/postgres/pg-page-sessions.ts), so
 * that behind a load balancer a sign-in started on one replica can finish on another and a
 * session works on all of them.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Principal } from '../../identity/types.js';

export interface Flash {
  readonly kind: 'ok' | 'error';
  readonly text: string;
}

export interface PageSession {
  readonly id: string;
  readonly principal: Principal;
  /** Synchronizer token for every POST (OWASP CSRF Prevention Cheat Sheet). */
  readonly csrf: string;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
  /** One message shown on the next page (the post/redirect/get pattern). */
  flash?: Flash;
}

/** A sign-in in progress: what the callback must find again (RFC 6749 §10.12, RFC 7636, OIDC nonce). */
export interface LoginFlow {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly returnTo: string;
  readonly expiresAt: number;
}

const MAX_SESSIONS = 10_000;
const MAX_FLOWS = 1_000;
export const FLOW_TTL_MS = 10 * 60_000;

export function randomId(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison of two tokens. */
export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Deletes expired entries, then the oldest ones (Maps iterate in insertion order) beyond `max`. */
function prune<T extends { expiresAt: number }>(map: Map<string, T>, max: number, now: number): void {
  for (const [k, v] of map) if (v.expiresAt <= now) map.delete(k);
  for (const k of map.keys()) {
    if (map.size < max) break;
    map.delete(k);
  }
}

/** Where page sessions and sign-in flows live. Every method may go to a shared store. */
export interface PageSessions {
  create(principal: Principal): Promise<PageSession>;
  /** The live session with this id; undefined when unknown or expired. */
  get(id: string | undefined): Promise<PageSession | undefined>;
  end(id: string): Promise<void>;
  /** One message for the session's next page (post/redirect/get). */
  setFlash(id: string, flash: Flash): Promise<void>;
  /** The flash message, removed: it is shown on exactly one page. */
  takeFlash(session: PageSession): Promise<Flash | undefined>;
  startFlow(flow: Omit<LoginFlow, 'expiresAt'>): Promise<{ id: string; flow: LoginFlow }>;
  /** The flow, removed: a callback can be used once. */
  takeFlow(id: string | undefined): Promise<LoginFlow | undefined>;
  /** Told when a session ends here by sign-out or expiry (the event stream closes its connections). */
  onEnd(listener: (sessionId: string) => void): () => void;
}

export const FLOW_TTL_SECONDS = FLOW_TTL_MS / 1000;

export class MemoryPageSessions implements PageSessions {
  private readonly sessions = new Map<string, PageSession>();
  private readonly flows = new Map<string, LoginFlow>();
  private readonly ends = new EndListeners();

  constructor(private readonly now: () => number = Date.now) {}

  async create(principal: Principal): Promise<PageSession> {
    prune(this.sessions, MAX_SESSIONS, this.now());
    const session = newSession(principal);
    this.sessions.set(session.id, session);
    return session;
  }

  async get(id: string | undefined): Promise<PageSession | undefined> {
    if (id === undefined) return undefined;
    const s = this.sessions.get(id);
    if (s === undefined) return undefined;
    if (s.expiresAt <= this.now()) {
      await this.end(id);
      return undefined;
    }
    return s;
  }

  async end(id: string): Promise<void> {
    if (this.sessions.delete(id)) this.ends.told(id);
  }

  async setFlash(id: string, flash: Flash): Promise<void> {
    const s = this.sessions.get(id);
    if (s !== undefined) s.flash = flash;
  }

  async takeFlash(session: PageSession): Promise<Flash | undefined> {
    const s = this.sessions.get(session.id);
    const f = s?.flash;
    if (s !== undefined) s.flash = undefined;
    return f;
  }

  async startFlow(flow: Omit<LoginFlow, 'expiresAt'>): Promise<{ id: string; flow: LoginFlow }> {
    prune(this.flows, MAX_FLOWS, this.now());
    const id = randomId();
    const entry: LoginFlow = { ...flow, expiresAt: this.now() + FLOW_TTL_MS };
    this.flows.set(id, entry);
    return { id, flow: entry };
  }

  async takeFlow(id: string | undefined): Promise<LoginFlow | undefined> {
    if (id === undefined) return undefined;
    const flow = this.flows.get(id);
    this.flows.delete(id);
    return flow !== undefined && flow.expiresAt > this.now() ? flow : undefined;
  }

  onEnd(listener: (sessionId: string) => void): () => void {
    return this.ends.add(listener);
  }
}

/** A fresh session for `principal`: new random id and CSRF token, ending with its token. */
export function newSession(principal: Principal): PageSession {
  return { id: randomId(), principal, csrf: randomId(), expiresAt: principal.expiresAt * 1000 };
}

/** The listeners `onEnd` registers, for either implementation. */
export class EndListeners {
  private readonly listeners = new Set<(sessionId: string) => void>();

  add(listener: (sessionId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  told(sessionId: string): void {
    for (const l of this.listeners) l(sessionId);
  }
}
