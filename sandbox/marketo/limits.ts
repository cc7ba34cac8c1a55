const DAY_MS = 86_400_000;

/** "More than 100 calls in the past 20 seconds": a sliding window of call times. */
export class SlidingWindow {
  private times: number[] = [];

  /** Calls counted in the window that ends at `nowMs`. */
  count(nowMs: number, windowMs: number): number {
    const from = nowMs - windowMs;
    let drop = 0;
    while (drop < this.times.length && this.times[drop] <= from) drop++;
    if (drop > 0) this.times = this.times.slice(drop);
    return this.times.length;
  }

  add(nowMs: number): void {
    this.times.push(nowMs);
  }

  /** Takes back one call made at `atMs` (its answer turned out not to count). */
  remove(atMs: number): void {
    const i = this.times.lastIndexOf(atMs);
    if (i >= 0) this.times.splice(i, 1);
  }

  reset(): void {
    this.times = [];
  }
}

export interface QuotaState {
  /** The Marketo day (days since the epoch at the reset offset) the count belongs to. */
  day: number;
  used: number;
}

/** Calls per day; the day turns at midnight of the configured UTC offset (CST by default). */
export class DailyQuota {
  private state: QuotaState;

  constructor(state?: QuotaState) {
    this.state = state ? { ...state } : { day: -1, used: 0 };
  }

  static dayOf(nowMs: number, offsetMin: number): number {
    return Math.floor((nowMs + offsetMin * 60_000) / DAY_MS);
  }

  /** When the day containing `nowMs` ends, as epoch ms. */
  static resetAt(nowMs: number, offsetMin: number): number {
    return (DailyQuota.dayOf(nowMs, offsetMin) + 1) * DAY_MS - offsetMin * 60_000;
  }

  used(nowMs: number, offsetMin: number): number {
    this.roll(nowMs, offsetMin);
    return this.state.used;
  }

  add(nowMs: number, offsetMin: number): void {
    this.roll(nowMs, offsetMin);
    this.state.used++;
  }

  /** Takes back one call of the day containing `nowMs`. */
  remove(nowMs: number, offsetMin: number): void {
    this.roll(nowMs, offsetMin);
    this.state.used = Math.max(0, this.state.used - 1);
  }

  set(used: number, nowMs: number, offsetMin: number): void {
    this.roll(nowMs, offsetMin);
    this.state.used = used;
  }

  private roll(nowMs: number, offsetMin: number): void {
    const day = DailyQuota.dayOf(nowMs, offsetMin);
    if (day !== this.state.day) this.state = { day, used: 0 };
  }

  toState(): QuotaState {
    return { ...this.state };
  }
}
