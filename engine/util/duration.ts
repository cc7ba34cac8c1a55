const UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a schema Duration such as 30s or 1d. */
export function parseDuration(d: string | undefined, fallbackMs: number): number {
  if (!d) return fallbackMs;
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(d);
  if (!m) throw new Error(`invalid duration "${d}": expected e.g. 30s, 5m, 1d`);
  return Number(m[1]) * UNIT[m[2]];
}
