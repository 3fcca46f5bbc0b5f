/** Forwards a client's CancelRequest to the database with the upstream's real keys. */
import { connect } from 'node:net';
import * as fw from '../protocol/postgres/frontend-writer.js';
import type { BrokerContext } from './broker-context.js';

/**
 * `fromPeer`: another replica passed this cancel on because it had no session with the key; it
 * is not passed on again.
 */
export async function forwardCancel(ctx: BrokerContext, processId: number, secretKey: Buffer, fromPeer = false): Promise<void> {
  const target = ctx.cancels.resolve(processId, secretKey);
  if (target === 'handled') return;
  // An unknown or wrong key gets no answer, exactly like PostgreSQL (no oracle for key guessing).
  // With replicas it may be another broker's session: a load balancer sends the cancel's new
  // connection to any of them.
  if (!target) {
    if (!fromPeer) ctx.peers?.announce(processId, secretKey);
    return;
  }
  await new Promise<void>((resolve) => {
    const s = connect({ host: target.host, port: target.port }, () => {
      s.end(fw.cancelRequest(target.processId, target.secretKey));
    });
    s.on('close', () => resolve());
    s.on('error', (e) => {
      ctx.log.warn('cancel forwarding failed', { error: e.message });
      resolve();
    });
    s.setTimeout(5000, () => s.destroy());
  });
}
