/**
 * Shared state for a single broker: both tables in one lowdb document (a JSON file written
 * whole, atomically, or memory in tests). Writes are applied one at a time (Serial): the file
 * is rewritten whole, and two decisions applied at once could both see a quorum one short.
 */
import type { ApprovalsDb } from '../approvals/approvals-store.js';
import { pruneHistory } from '../approvals/approvals-store.js';
import { Serial } from '../approvals/serial.js';
import type { AccessRequest, ApprovalRequest } from '../approvals/types.js';
import type { SharedState, StateTable, StoredItem } from './state-table.js';

type ListKey = 'approvals' | 'access';

class LocalTable<T extends StoredItem> implements StateTable<T> {
  constructor(
    private readonly db: ApprovalsDb,
    private readonly key: ListKey,
    private readonly openStates: readonly string[],
    private readonly queue: Serial,
  ) {}

  // The document's lists are typed per key; this class is generic over the item, so the one list
  // it owns is reached through a cast (the constructor pairs each key with its item type).
  private get list(): T[] {
    return this.db.data[this.key] as unknown as T[];
  }

  private set list(v: T[]) {
    (this.db.data as unknown as Record<ListKey, T[]>)[this.key] = v;
  }

  all(): readonly T[] {
    return this.list;
  }

  get(id: string): T | undefined {
    return this.list.find((x) => x.id === id);
  }

  insert(item: T): Promise<void> {
    return this.queue.run(async () => {
      this.list = pruneHistory([...this.list, item], this.openStates);
      await this.db.write();
    });
  }

  update(id: string, change: (current: T | undefined) => T | undefined): Promise<T | undefined> {
    return this.queue.run(async () => {
      const i = this.list.findIndex((x) => x.id === id);
      const next = change(i < 0 ? undefined : this.list[i]);
      if (next === undefined) return undefined;
      if (i < 0) this.list.push(next);
      else this.list[i] = next;
      await this.db.write();
      return next;
    });
  }

  onRemoteChange(): void {
    // One broker: nobody else changes anything.
  }
}

export function localState(db: ApprovalsDb): SharedState {
  const queue = new Serial();
  return {
    approvals: new LocalTable<ApprovalRequest>(db, 'approvals', ['pending'], queue),
    access: new LocalTable<AccessRequest>(db, 'access', ['pending', 'active'], queue),
    async close() {},
  };
}
