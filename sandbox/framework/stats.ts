import type { Clock } from './clock.js';

export interface RequestLogEntry {
  method: string;
  path: string;
  query: string;
  /** Route pattern the request matched, e.g. `GET /v1/customer`. */
  route: string;
  /** 0 when the connection was dropped by a fault. */
  status: number;
  timestamp: string;
}

export interface StatsView {
  total: number;
  byRoute: Record<string, number>;
  byStatus: Record<string, number>;
  log: RequestLogEntry[];
}

/** Counts API requests per route pattern and keeps a bounded, ordered log. */
export class RequestStats {
  private total = 0;
  private byRoute: Record<string, number> = {};
  private byStatus: Record<string, number> = {};
  private log: RequestLogEntry[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly logLimit = 10_000,
  ) {}

  record(e: Omit<RequestLogEntry, 'timestamp'>): void {
    this.total++;
    this.byRoute[e.route] = (this.byRoute[e.route] ?? 0) + 1;
    this.byStatus[String(e.status)] = (this.byStatus[String(e.status)] ?? 0) + 1;
    this.log.push({ ...e, timestamp: this.clock().toISOString() });
    // Trim in chunks so a long run does not shift the array on every request.
    if (this.log.length > this.logLimit * 1.25) this.log = this.log.slice(-this.logLimit);
  }

  view(): StatsView {
    return {
      total: this.total,
      byRoute: { ...this.byRoute },
      byStatus: { ...this.byStatus },
      log: this.log.slice(-this.logLimit),
    };
  }

  reset(): void {
    this.total = 0;
    this.byRoute = {};
    this.byStatus = {};
    this.log = [];
  }
}
