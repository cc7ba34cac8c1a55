/**
 * Seeded PRNG (mulberry32). Seed data and fault decisions must be reproducible,
 * so nothing in the simulators uses Math.random().
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Picks by relative weight: `weighted([['a', 3], ['b', 1]])`. */
  weighted<T>(items: ReadonlyArray<readonly [T, number]>): T {
    const total = items.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [v, w] of items) {
      r -= w;
      if (r < 0) return v;
    }
    return items[items.length - 1][0];
  }

  /** Amount with two decimals in [min, max]. */
  money(min: number, max: number): number {
    return Math.round((min + this.next() * (max - min)) * 100) / 100;
  }

  /** n random decimal digits. Built in chunks: char-by-char concatenation leaves costly cons-strings in large data sets. */
  digits(n: number): string {
    const parts: string[] = [];
    for (let left = n; left > 0; left -= 9) {
      const k = Math.min(9, left);
      parts.push(String(Math.floor(this.next() * 10 ** k)).padStart(k, '0'));
    }
    return parts.join('');
  }

  hex(n: number): string {
    const parts: string[] = [];
    for (let left = n; left > 0; left -= 6) {
      const k = Math.min(6, left);
      parts.push(
        Math.floor(this.next() * 16 ** k)
          .toString(16)
          .padStart(k, '0'),
      );
    }
    return parts.join('');
  }

  /** Independent stream derived from this seed, so adding draws in one place does not shift another. */
  fork(salt: number): Prng {
    return new Prng(hashSeed(this.state, salt));
  }

  /** Internal state, for snapshots. */
  get seedState(): number {
    return this.state;
  }
}

export function hashSeed(a: number, b: number): number {
  let h = (a ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (b >>> 0), 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
