/**
 * What a viewer's lists hold: the statements and access requests they may see (`visibleTo`),
 * filtered by state. Every page's header shows the pending count of both, so it lives here
 * rather than in one route file.
 */
import type { AccessRequest, ApprovalRequest } from '../../approvals/types.js';
import type { Principal } from '../../identity/types.js';
import type { PageContext } from './page-context.js';

/** Requests scanned for a list; the store keeps a bounded history anyway. */
const SCAN = 5000;
export const SHOWN = 200;

export function visibleApprovals(ctx: PageContext, viewer: Principal, filter: (a: ApprovalRequest) => boolean): ApprovalRequest[] {
  const service = ctx.deps.approvals;
  return service.list({ limit: SCAN }).filter((a) => filter(a) && service.visibleTo(viewer, a)).slice(0, SHOWN);
}

export function visibleAccess(ctx: PageContext, viewer: Principal, filter: (a: AccessRequest) => boolean): AccessRequest[] {
  const service = ctx.deps.access;
  return service.list(SCAN).filter((a) => filter(a) && service.visibleTo(viewer, a)).slice(0, SHOWN);
}

export const isPending = (a: { readonly state: string }): boolean => a.state === 'pending';

/** The number on the Inbox tab: everything waiting that the viewer may see. */
export function pendingCount(ctx: PageContext, viewer: Principal): number {
  return visibleApprovals(ctx, viewer, isPending).length + visibleAccess(ctx, viewer, isPending).length;
}
