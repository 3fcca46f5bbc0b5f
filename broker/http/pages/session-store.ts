/**
 * Server-side state of the page, in memory: signed-in sessions and sign-ins in progress. The
 * browser only holds a random id (256 bits) in an HttpOnly cookie; tokens never reach it. A
 * session lives exactly as long as the access token it was made from (`Principal.expiresAt`),
 * so a reviewer's groups are never older than a token the broker would still accept. Both maps
 * are bounded, so unauthenticated requests cannot grow them without limit.
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
const FLOW_TTL_MS = 10 * 60_000;

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

export class PageSessions {
  private readonly sessions = new Map<string, PageSession>();
  private readonly flows = new Map<string, LoginFlow>();
  private readonly endListeners = new Set<(sessionId: string) => void>();

  constructor(private readonly now: () => number = Date.now) {}

  create(principal: Principal): PageSession {
    prune(this.sessions, MAX_SESSIONS, this.now());
    const session: PageSession = { id: randomId(), principal, csrf: randomId(), expiresAt: principal.expiresAt * 1000 };
    this.sessions.set(session.id, session);
    return session;
  }

  get(id: string | undefined): PageSession | undefined {
    if (id === undefined) return undefined;
    const s = this.sessions.get(id);
    if (s === undefined) return undefined;
    if (s.expiresAt <= this.now()) {
      this.end(id);
      return undefined;
    }
    return s;
  }

  end(id: string): void {
    if (!this.sessions.delete(id)) return;
    for (const l of this.endListeners) l(id);
  }

  /** Told when a session ends by sign-out or expiry (the event stream closes its connections). */
  onEnd(listener: (sessionId: string) => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  startFlow(flow: Omit<LoginFlow, 'expiresAt'>): { id: string; flow: LoginFlow } {
    prune(this.flows, MAX_FLOWS, this.now());
    const id = randomId();
    const entry: LoginFlow = { ...flow, expiresAt: this.now() + FLOW_TTL_MS };
    this.flows.set(id, entry);
    return { id, flow: entry };
  }

  /** The flow, removed: a callback can be used once. */
  takeFlow(id: string | undefined): LoginFlow | undefined {
    if (id === undefined) return undefined;
    const flow = this.flows.get(id);
    this.flows.delete(id);
    return flow !== undefined && flow.expiresAt > this.now() ? flow : undefined;
  }

  static readonly FLOW_TTL_SECONDS = FLOW_TTL_MS / 1000;
}
