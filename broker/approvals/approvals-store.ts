/**
 * Pending requests, decisions and grants, kept with lowdb: a JSON file in production (written
 * whole, atomically, through a temporary file and rename), memory in tests. Approvals change a
 * few times per request, so rewriting the file is cheap; the statement journal, written on
 * every statement, lives elsewhere (broker/recording).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Low, Memory } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import type { AccessRequest, ApprovalRequest } from './types.js';

export interface ApprovalsData {
  version: 1;
  approvals: ApprovalRequest[];
  access: AccessRequest[];
}

const EMPTY = (): ApprovalsData => ({ version: 1, approvals: [], access: [] });

/** Closed requests kept for history; older ones leave the file (the journal keeps them). */
export const HISTORY_LIMIT = 5000;

export type ApprovalsDb = Low<ApprovalsData>;

export async function openApprovalsDb(kind: 'file' | 'memory', file: string): Promise<ApprovalsDb> {
  let db: ApprovalsDb;
  if (kind === 'memory') {
    db = new Low<ApprovalsData>(new Memory<ApprovalsData>(), EMPTY());
  } else {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    db = new Low<ApprovalsData>(new JSONFile<ApprovalsData>(file), EMPTY());
  }
  await db.read();
  const d = db.data as Partial<ApprovalsData> | null;
  if (!d || d.version !== 1 || !Array.isArray(d.approvals) || !Array.isArray(d.access)) {
    if (d && Object.keys(d).length > 0) throw new Error(`the approvals file ${file} is not an Airlock approvals file (version 1)`);
    db.data = EMPTY();
  }
  return db;
}

/** Drops the oldest closed entries beyond the history limit. */
export function pruneHistory<T extends { state: string; createdAt: string }>(list: T[], openStates: readonly string[]): T[] {
  const closed = list.filter((x) => !openStates.includes(x.state));
  if (closed.length <= HISTORY_LIMIT) return list;
  const drop = new Set(closed.slice(0, closed.length - HISTORY_LIMIT));
  return list.filter((x) => !drop.has(x));
}
