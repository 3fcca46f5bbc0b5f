/** Forwards a client's CancelRequest to the database with the upstream's real keys. */
import { connect } from 'node:net';
import * as fw from '../protocol/postgres/frontend-writer.js';
import type { BrokerContext } from './broker-context.js';

export async function forwardCancel(ctx: BrokerContext, processId: number, secretKey: Buffer): Promise<void> {
  const target = ctx.cancels.resolve(processId, secretKey);
  // An unknown or wrong key gets no answer, exactly like PostgreSQL (no oracle for key guessing).
  if (!target) return;
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
