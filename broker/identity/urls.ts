/** `new URL` without throwing. (`URL.parse` does the same but needs Node ≥ 20.18.) */
export function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}
