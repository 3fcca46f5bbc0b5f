/**
 * In-memory storage for oidc-provider's sessions, interactions, codes, grants and tokens.
 * oidc-provider's own memory adapter works too but announces itself on the console on every
 * start; this one is quiet and private to one provider instance. Development only: nothing
 * survives a restart.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Stored {
  readonly payload: AdapterPayload;
  /** ms since the epoch; Infinity when the model has no expiry. */
  readonly expiresAt: number;
}

/** Models whose records belong to a grant and are revoked with it. */
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

const SWEEP_EVERY = 200;

export function createDevAdapter(now: () => number = Date.now): (model: string) => Adapter {
  const records = new Map<string, Stored>();
  /** Secondary indexes: `sessionUid:<uid>`, `userCode:<code>` → record key; grant id → record keys. */
  const index = new Map<string, string>();
  const grants = new Map<string, Set<string>>();
  let writes = 0;

  const live = (key: string): Stored | undefined => {
    const stored = records.get(key);
    if (stored === undefined) return undefined;
    if (now() >= stored.expiresAt) {
      remove(key);
      return undefined;
    }
    return stored;
  };

  const remove = (key: string): void => {
    const stored = records.get(key);
    records.delete(key);
    if (stored === undefined) return;
    const { uid, userCode, grantId } = stored.payload;
    if (typeof uid === 'string' && index.get(`sessionUid:${uid}`) === key) index.delete(`sessionUid:${uid}`);
    if (typeof userCode === 'string' && index.get(`userCode:${userCode}`) === key) index.delete(`userCode:${userCode}`);
    if (typeof grantId === 'string') grants.get(grantId)?.delete(key);
  };

  const sweep = (): void => {
    const t = now();
    for (const [key, stored] of records) if (t >= stored.expiresAt) remove(key);
    for (const [grantId, keys] of grants) if (keys.size === 0) grants.delete(grantId);
  };

  return (model: string): Adapter => {
    const keyFor = (id: string): string => `${model}:${id}`;
    return {
      async upsert(id, payload, expiresIn) {
        const key = keyFor(id);
        remove(key);
        const expiresAt = typeof expiresIn === 'number' ? now() + expiresIn * 1000 : Infinity;
        records.set(key, { payload, expiresAt });
        if (model === 'Session' && typeof payload.uid === 'string') index.set(`sessionUid:${payload.uid}`, key);
        if (typeof payload.userCode === 'string') index.set(`userCode:${payload.userCode}`, key);
        if (GRANTABLE.has(model) && typeof payload.grantId === 'string') {
          const members = grants.get(payload.grantId) ?? new Set<string>();
          members.add(key);
          grants.set(payload.grantId, members);
        }
        if (++writes % SWEEP_EVERY === 0) sweep();
      },
      async find(id) {
        return live(keyFor(id))?.payload;
      },
      async findByUid(uid) {
        const key = index.get(`sessionUid:${uid}`);
        return key === undefined ? undefined : live(key)?.payload;
      },
      async findByUserCode(userCode) {
        const key = index.get(`userCode:${userCode}`);
        return key === undefined ? undefined : live(key)?.payload;
      },
      async consume(id) {
        const stored = live(keyFor(id));
        if (stored !== undefined) stored.payload.consumed = Math.floor(now() / 1000);
      },
      async destroy(id) {
        remove(keyFor(id));
      },
      async revokeByGrantId(grantId) {
        for (const key of grants.get(grantId) ?? []) remove(key);
        grants.delete(grantId);
      },
    };
  };
}
