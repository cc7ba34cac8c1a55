import type { Prng } from '../framework/prng.js';

/** Up to n distinct items matching `ok`; random probes first, then a scan so sparse matches are still found. */
export function pickDistinct<T>(rng: Prng, items: readonly T[], n: number, ok: (x: T) => boolean): T[] {
  const chosen = new Set<T>();
  if (items.length === 0 || n <= 0) return [];
  for (let tries = 0; chosen.size < n && tries < n * 20; tries++) {
    const x = items[rng.int(0, items.length - 1)];
    if (ok(x)) chosen.add(x);
  }
  if (chosen.size < n) {
    const start = rng.int(0, items.length - 1);
    for (let k = 0; k < items.length && chosen.size < n; k++) {
      const x = items[(start + k) % items.length];
      if (ok(x)) chosen.add(x);
    }
  }
  return [...chosen];
}
