/**
 * Maps the (process id, secret key) pairs the broker hands to clients onto the upstream's real
 * pair. Clients never see the upstream's keys: a CancelRequest must come to the broker, which
 * forwards it on a new upstream connection.
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-CANCELING-REQUESTS
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export interface CancelTarget {
  readonly host: string;
  readonly port: number;
  readonly processId: number;
  readonly secretKey: Buffer;
  readonly tls: boolean;
}

export class CancelRegistry {
  private nextId = 1 + Math.floor(Math.random() * 1_000_000);
  private readonly entries = new Map<number, { key: Buffer; target: CancelTarget; intercept?: () => boolean }>();

  /** Issues a fresh client-facing key pair for `target`. */
  register(target: CancelTarget): { processId: number; secretKey: Buffer } {
    const processId = this.nextId++ & 0x7fffffff;
    const secretKey = randomBytes(4);
    this.entries.set(processId, { key: secretKey, target });
    return { processId, secretKey };
  }

  /** `intercept` sees a valid cancel first; when it returns true the cancel is handled (not forwarded). */
  onCancel(processId: number, intercept: () => boolean): void {
    const e = this.entries.get(processId);
    if (e) e.intercept = intercept;
  }

  unregister(processId: number): void {
    this.entries.delete(processId);
  }

  /**
   * The upstream target for a client's cancel request if the key is right; `handled` when the
   * session took the cancel itself (a statement waiting for approval); undefined when no session
   * here has that key.
   */
  resolve(processId: number, secretKey: Buffer): CancelTarget | 'handled' | undefined {
    const e = this.entries.get(processId);
    if (!e || e.key.length !== secretKey.length || !timingSafeEqual(e.key, secretKey)) return undefined;
    if (e.intercept?.()) return 'handled';
    return e.target;
  }
}
