import type { KnobValues } from '../framework/knobs.js';
import type { SimRequest } from '../framework/types.js';
import { BUDGET_BASE_TOKENS, PLAN_BURST, PLAN_MULTIPLIER, type PIPEDRIVE_KNOBS } from './knobs.js';

type Knobs = KnobValues<typeof PIPEDRIVE_KNOBS>;
const DAY_MS = 86_400_000;

/** Request times per key (a token) in a rolling window: "N requests per 2 seconds per token". */
export class RollingWindows {
  private readonly times = new Map<string, number[]>();

  count(key: string, nowMs: number, windowMs: number): number {
    const list = (this.times.get(key) ?? []).filter((t) => t > nowMs - windowMs);
    this.times.set(key, list);
    return list.length;
  }

  add(key: string, nowMs: number): void {
    const list = this.times.get(key) ?? [];
    list.push(nowMs);
    this.times.set(key, list);
  }

  /** Whole seconds until the oldest request of the window leaves it (at least 1). */
  resetSec(key: string, nowMs: number, windowMs: number): number {
    const oldest = (this.times.get(key) ?? []).find((t) => t > nowMs - windowMs);
    return oldest === undefined
      ? Math.ceil(windowMs / 1000)
      : Math.max(1, Math.ceil((oldest + windowMs - nowMs) / 1000));
  }

  reset(): void {
    this.times.clear();
  }
}

export interface BudgetState {
  /** The budget day (days since the epoch at the reset offset) `used` belongs to. */
  day: number;
  used: number;
  /** POST/PUT requests with the API token this UTC day (x-daily-requests-left). */
  postPutDay: number;
  postPut: number;
}

/** The company's daily token budget, shared by every user and integration; it resets at midnight. */
export class DailyBudget {
  private state: BudgetState;

  constructor(state?: BudgetState) {
    this.state = state ? { ...state } : { day: -1, used: 0, postPutDay: -1, postPut: 0 };
  }

  static dayOf(nowMs: number, offsetMin: number): number {
    return Math.floor((nowMs + offsetMin * 60_000) / DAY_MS);
  }

  static resetAt(nowMs: number, offsetMin: number): number {
    return (DailyBudget.dayOf(nowMs, offsetMin) + 1) * DAY_MS - offsetMin * 60_000;
  }

  used(nowMs: number, offsetMin: number): number {
    this.roll(nowMs, offsetMin);
    return this.state.used;
  }

  spend(tokens: number, nowMs: number, offsetMin: number): void {
    this.roll(nowMs, offsetMin);
    this.state.used += tokens;
  }

  set(used: number, nowMs: number, offsetMin: number): void {
    this.roll(nowMs, offsetMin);
    this.state.used = used;
  }

  /** Counts an API-token POST/PUT of the UTC day and returns how many the fair-use count has left. */
  postPutLeft(nowMs: number, limit: number, counts: boolean): number {
    const day = DailyBudget.dayOf(nowMs, 0);
    if (day !== this.state.postPutDay) this.state = { ...this.state, postPutDay: day, postPut: 0 };
    if (counts) this.state.postPut++;
    return Math.max(0, limit - this.state.postPut);
  }

  private roll(nowMs: number, offsetMin: number): void {
    const day = DailyBudget.dayOf(nowMs, offsetMin);
    if (day !== this.state.day) this.state = { ...this.state, day, used: 0 };
  }

  toState(): BudgetState {
    return { ...this.state };
  }
}

/** 30,000 x plan multiplier x seats, unless the knob gives the budget. */
export function dailyBudget(k: Knobs): number {
  return k.dailyTokenBudget ?? BUDGET_BASE_TOKENS * PLAN_MULTIPLIER[k.plan] * k.seats;
}

export function burstLimit(k: Knobs, kind: 'api_token' | 'oauth'): number {
  if (k.burstLimit !== null) return kind === 'oauth' ? Math.floor(k.burstLimit * k.oauthBurstFactor) : k.burstLimit;
  return kind === 'oauth' ? PLAN_BURST[k.plan].oauth : PLAN_BURST[k.plan].apiToken;
}

export type CostClass = 'get' | 'list' | 'write' | 'delete' | 'search';

export function isSearch(req: SimRequest): boolean {
  return req.route !== undefined && req.route.endsWith('/search');
}

/** What a request is, for its token cost: a matched route's method and whether it names one record. */
export function costClass(req: SimRequest): CostClass | undefined {
  if (!req.route) return undefined;
  if (isSearch(req)) return 'search';
  if (req.method === 'DELETE') return 'delete';
  if (req.method !== 'GET') return 'write';
  return /\{[a-z_]+\}$/.test(req.route) ? 'get' : 'list';
}

/** Tokens a request costs: v2 about half of v1 (knobs; UNCONFIRMED values). */
export function tokenCost(req: SimRequest, k: Knobs): number {
  const c = costClass(req);
  if (!c) return 0;
  if (req.path.startsWith('/api/v2/')) {
    return {
      get: k.costV2Get,
      list: k.costV2List,
      write: k.costV2Write,
      delete: k.costV2Delete,
      search: k.costV2Search,
    }[c];
  }
  return { get: k.costV1Get, list: k.costV1List, write: k.costV1Write, delete: k.costV1Delete, search: k.costV1List }[
    c
  ];
}
