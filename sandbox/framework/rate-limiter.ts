import type { Clock } from './clock.js';

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the current window ends (at least 1). */
  resetSec: number;
}

/**
 * Fixed-window limiter. Windows are aligned to multiples of `windowMs` since the epoch
 * (a one-minute window resets on the minute), per key.
 */
export class FixedWindowLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly opts: { limit: () => number; windowMs: number; clock: Clock }) {}

  take(key = 'default'): RateDecision {
    const now = this.opts.clock().getTime();
    const start = now - (now % this.opts.windowMs);
    let w = this.windows.get(key);
    if (!w || w.start !== start) {
      w = { start, count: 0 };
      this.windows.set(key, w);
    }
    const limit = this.opts.limit();
    w.count++;
    const resetSec = Math.max(1, Math.ceil((start + this.opts.windowMs - now) / 1000));
    return { allowed: w.count <= limit, limit, remaining: Math.max(0, limit - w.count), resetSec };
  }

  reset(): void {
    this.windows.clear();
  }
}
