/**
 * The shared-state port: approval requests and access requests, each a table of JSON documents
 * keyed by id. Adapters: `local-state.ts` (lowdb file or memory, one broker) and
 * `postgres/pg-state.ts` (several broker replicas on one PostgreSQL).
 *
 * Reads are synchronous from a copy in memory, which the PostgreSQL adapter keeps current with
 * other brokers' changes (LISTEN/NOTIFY); writes are atomic among brokers, so two reviewers on
 * two brokers cannot both complete the same quorum.
 */
import type { AccessRequest, ApprovalRequest } from '../approvals/types.js';

export interface StoredItem {
  readonly id: string;
  readonly state: string;
  readonly createdAt: string;
}

export interface StateTable<T extends StoredItem> {
  /** Every item, oldest first. */
  all(): readonly T[];
  get(id: string): T | undefined;
  /** Adds a new item, durably, before it returns. */
  insert(item: T): Promise<void>;
  /**
   * Applies `change` to the item as currently stored (undefined when there is none) and stores
   * the result, atomically among brokers. `change` returning undefined writes nothing; an error
   * it throws propagates and writes nothing. Returns what was stored.
   */
  update(id: string, change: (current: T | undefined) => T | undefined): Promise<T | undefined>;
  /** Another broker added or changed an item (never called for this broker's own writes). */
  onRemoteChange(listener: (item: T) => void): void;
}

export interface SharedState {
  readonly approvals: StateTable<ApprovalRequest>;
  readonly access: StateTable<AccessRequest>;
  close(): Promise<void>;
}
