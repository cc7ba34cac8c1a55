import type { RateLimit } from '../config/types.generated.js';
import { parseDuration } from '../util/duration.js';

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Keeps a connector within its limits before a 429 comes: at most `max_concurrency` requests in
 * flight, an optional client-side budget of N requests per window, and, when the server's
 * remaining budget runs low, spreading the rest of its window over what remains.
 */
export class RateLimiter {
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  private sent: number[] = [];
  private pauseUntil = 0;
  private spacingMs = 0;
  private lastStart = 0;
  private readonly budget?: { requests: number; windowMs: number };
  private readonly slowBelow: number;

  constructor(
    private readonly spec: RateLimit | undefined,
    private readonly maxConcurrency: number,
    private readonly sleep: Sleep = realSleep,
    private readonly now: () => number = Date.now,
  ) {
    if (spec?.requests) this.budget = { requests: spec.requests, windowMs: parseDuration(spec.window, 60_000) };
    this.slowBelow = spec?.slow_down_below ?? 0.1;
  }

  async acquire(): Promise<() => void> {
    // A freed slot is handed straight to the longest waiter, so a newcomer cannot take it too.
    const full = this.inFlight >= this.maxConcurrency || this.waiters.length > 0;
    if (full) await new Promise<void>((r) => this.waiters.push(r));
    else this.inFlight++;
    try {
      await this.waitForTurn();
    } catch (e) {
      this.releaseSlot();
      throw e;
    }
    let released = false;
    return () => {
      if (!released) {
        released = true;
        this.releaseSlot();
      }
    };
  }

  private releaseSlot(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.inFlight--;
  }

  private async waitForTurn(): Promise<void> {
    for (;;) {
      const now = this.now();
      let wait = Math.max(0, this.pauseUntil - now, this.lastStart + this.spacingMs - now);
      const { budget } = this;
      if (budget) {
        this.sent = this.sent.filter((t) => t > now - budget.windowMs);
        if (this.sent.length >= budget.requests) wait = Math.max(wait, this.sent[0] + budget.windowMs - now);
      }
      if (wait <= 0) break;
      await this.sleep(wait);
    }
    const t = this.now();
    this.lastStart = t;
    if (this.budget) this.sent.push(t);
  }

  /** Learns from a response's rate-limit headers. */
  observe(headers: Headers): void {
    const s = this.spec;
    if (!s?.remaining_header) return;
    const remaining = Number(headers.get(s.remaining_header));
    const limit = Number(s.limit_header ? headers.get(s.limit_header) : NaN);
    const resetRaw = s.reset_header ? Number(headers.get(s.reset_header)) : NaN;
    if (!Number.isFinite(remaining)) return;
    const resetMs = !Number.isFinite(resetRaw)
      ? 60_000
      : s.reset_format === 'epoch_seconds'
        ? Math.max(0, resetRaw * 1000 - this.now())
        : resetRaw * 1000;
    if (remaining <= 0) {
      this.pauseUntil = Math.max(this.pauseUntil, this.now() + resetMs);
      this.spacingMs = 0;
    } else if (Number.isFinite(limit) && limit > 0 && remaining / limit < this.slowBelow) {
      this.spacingMs = resetMs / remaining;
    } else {
      this.spacingMs = 0;
    }
  }

  /** A 429's Retry-After holds every request of this connector, not only the one that got it. */
  pause(ms: number): void {
    this.pauseUntil = Math.max(this.pauseUntil, this.now() + ms);
  }
}
