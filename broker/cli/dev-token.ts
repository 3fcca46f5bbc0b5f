/** Mints a development token from a running broker's dev identity provider (`POST /v1/dev/token`). */
import type { ApiError, DevTokenResponse } from '../http/api.js';
import { AirlockError } from '../errors/airlock-error.js';

export const DEFAULT_BROKER_URL = 'http://127.0.0.1:8484';

export function brokerUrl(flag: string | undefined): string {
  return (flag ?? process.env.AIRLOCK_BROKER_URL ?? DEFAULT_BROKER_URL).replace(/\/+$/, '');
}

/** Thrown when the broker answered but refused: its message and hint, for the user. */
export class DevTokenRefused extends Error {
  constructor(message: string, readonly hint: string | undefined) {
    super(message);
  }
}

export async function fetchDevToken(broker: string, user: string, groups?: readonly string[], ttlSeconds?: number): Promise<string> {
  let res: Response;
  try {
    res = await fetch(`${broker}/v1/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user, ...(groups ? { groups } : {}), ...(ttlSeconds ? { ttlSeconds } : {}) }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (e) {
    throw new AirlockError('BRK_ERR_UPSTREAM_UNREACHABLE', `no broker answers at ${broker} (${(e as Error).message})`, {
      hint: 'Start it with `npm start` (demo) or pass --broker URL.',
    });
  }
  const body = (await res.json().catch(() => ({}))) as Partial<DevTokenResponse & ApiError>;
  if (!res.ok || !body.token) throw new DevTokenRefused(body.message ?? `broker answered ${res.status}`, body.hint);
  return body.token;
}
