/**
 * Name patterns for tables and functions: `*` matches any run of characters, compared
 * case-insensitively. A pattern or name without a schema matches on the object name alone, so
 * `public.customers` also catches an unqualified `customers` (which the default search_path
 * resolves to it) and `customers` catches any schema's `customers` — rules err towards matching.
 */
export class NamePattern {
  private readonly full: RegExp;
  private readonly last: RegExp;
  private readonly qualified: boolean;

  constructor(readonly source: string) {
    const lower = source.toLowerCase();
    this.qualified = lower.includes('.');
    this.full = toRegExp(lower);
    this.last = toRegExp(this.qualified ? lower.slice(lower.lastIndexOf('.') + 1) : lower);
  }

  matches(name: string): boolean {
    const dot = name.lastIndexOf('.');
    if (dot < 0 || !this.qualified) return this.last.test(dot < 0 ? name : name.slice(dot + 1));
    return this.full.test(name);
  }
}

function toRegExp(glob: string): RegExp {
  const body = glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`);
}

export function anyMatch(patterns: readonly NamePattern[], names: readonly string[]): boolean {
  for (const n of names) for (const p of patterns) if (p.matches(n)) return true;
  return false;
}
