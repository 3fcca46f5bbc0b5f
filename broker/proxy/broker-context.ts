/** Everything a client connection needs from the running broker, injected (tests build their own). */
import type { SecureContext } from 'node:tls';
import type { AnalysisCache } from '../analysis/index.js';
import type { AccessService } from '../approvals/access-service.js';
import type { ApprovalService } from '../approvals/approval-service.js';
import type { CatalogLoader } from '../masking/catalog-loader.js';
import type { MaskingPolicy } from '../masking/masking-policy.js';
import type { EventBus } from '../approvals/event-bus.js';
import type { AirlockConfig } from '../config/types.js';
import type { TokenVerifier } from '../identity/types.js';
import type { Logger } from '../log.js';
import type { PolicyEngine } from '../policy/policy-engine.js';
import type { RecordStore } from '../recording/record-store.js';
import type { CancelRegistry } from './cancel-registry.js';
import type { ActiveSessions } from './active-sessions.js';
import type { ReleaseBatch } from './release-batch.js';

/** The other broker replicas, when they share a store. */
export interface Peers {
  /** Passes on a CancelRequest whose key no session here has. */
  announce(processId: number, secretKey: Buffer): void;
}

export interface BrokerContext {
  readonly config: AirlockConfig;
  readonly verifier: TokenVerifier;
  readonly policy: PolicyEngine;
  readonly analysis: AnalysisCache;
  readonly store: RecordStore;
  readonly cancels: CancelRegistry;
  readonly sessions: ActiveSessions;
  readonly approvals: ApprovalService;
  readonly masking: MaskingPolicy;
  /** Catalog snapshots per connection, for masked sessions. */
  readonly catalogs: CatalogLoader;
  readonly access: AccessService;
  readonly events: EventBus;
  /** One journal write per event-loop turn before forwarded messages are released. */
  readonly release: ReleaseBatch;
  readonly tls: SecureContext | undefined;
  readonly log: Logger;
  /** Only with a shared store. */
  readonly peers?: Peers;
}
