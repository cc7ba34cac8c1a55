import type { Middleware, SimRequest, SimResponse } from '../framework/types.js';
import type { Caller, PipedriveAuth } from './auth.js';
import type { PipedriveContext } from './context.js';
import { cloudflareBlock, tooManyRequests, unauthorized } from './errors.js';
import {
  burstLimit,
  costClass,
  dailyBudget,
  DailyBudget,
  isSearch,
  RollingWindows,
  tokenCost,
  type CostClass,
} from './limits.js';

/** What the limits keep between requests, and what a bench reads back. */
export interface Usage {
  burst: RollingWindows;
  search: RollingWindows;
  budget: DailyBudget;
  /** 429s in a row per token (the Cloudflare block). */
  strikes: Map<string, number>;
  answers: number;
  tokensSpent: number;
  tokensByClass: Record<CostClass, number>;
  refused: { burst: number; search: number; daily: number; blocked: number };
}

export function newUsage(budget?: DailyBudget): Usage {
  return {
    burst: new RollingWindows(),
    search: new RollingWindows(),
    budget: budget ?? new DailyBudget(),
    strikes: new Map(),
    answers: 0,
    tokensSpent: 0,
    tokensByClass: { get: 0, list: 0, write: 0, delete: 0, search: 0 },
    refused: { burst: 0, search: 0, daily: 0, blocked: 0 },
  };
}

const isApi = (req: SimRequest) => req.path.startsWith('/api/') || req.path.startsWith('/v1/');

/** Every API request needs the API token (x-api-token) or an OAuth bearer token; 401 as the gateway answers. */
export function requireAuth(
  ctx: PipedriveContext,
  auth: PipedriveAuth,
  callers: WeakMap<SimRequest, Caller>,
): Middleware {
  return async (req, next) => {
    if (!isApi(req)) return next();
    const caller = auth.identify(req, ctx.nowMs(), ctx.knobs);
    if (!caller) return unauthorized();
    callers.set(req, caller);
    return next();
  };
}

/**
 * Token-based rate limiting: the burst limit per token in a rolling window (search has its own 10),
 * then the company's daily token budget. Refused requests spend nothing and do not fill the window.
 */
export function rateLimits(ctx: PipedriveContext, usage: Usage, callers: WeakMap<SimRequest, Caller>): Middleware {
  return async (req, next) => {
    const caller = callers.get(req);
    if (!caller || !ctx.knobs.rateLimitEnabled) return next();
    const k = ctx.knobs;
    const now = ctx.nowMs();
    const search = isSearch(req);
    const windows = search ? usage.search : usage.burst;
    const limit = search ? k.searchBurstLimit : burstLimit(k, caller.kind);
    const windowKey = `${caller.kind}:${caller.token}`;
    const inWindow = windows.count(windowKey, now, k.burstWindowMs);
    const blocked =
      k.cloudflareBlockAfter429s !== null && (usage.strikes.get(windowKey) ?? 0) >= k.cloudflareBlockAfter429s;
    if (blocked && caller.kind === 'api_token' && inWindow >= limit) {
      usage.refused.blocked++;
      return cloudflareBlock();
    }
    const cost = tokenCost(req, k);
    const budget = dailyBudget(k);
    const remaining = budget - usage.budget.used(now, k.budgetResetUtcOffsetMin);
    const spent = k.budgetRefusal === 'exhausted' ? remaining <= 0 : remaining < cost;
    let res: SimResponse;
    if (inWindow >= limit || spent) {
      usage.strikes.set(windowKey, (usage.strikes.get(windowKey) ?? 0) + 1);
      usage.refused[inWindow >= limit ? (search ? 'search' : 'burst') : 'daily']++;
      res = tooManyRequests(k.tooManyRequestsError);
      if (inWindow >= limit && k.retryAfterOnBurst) {
        res.headers = { 'Retry-After': String(windows.resetSec(windowKey, now, k.burstWindowMs)) };
      }
    } else {
      usage.strikes.delete(windowKey);
      windows.add(windowKey, now);
      usage.budget.spend(cost, now, k.budgetResetUtcOffsetMin);
      usage.tokensSpent += cost;
      const c = costClass(req);
      if (c) usage.tokensByClass[c] += cost;
      res = await next();
    }
    res.headers = {
      ...res.headers,
      ...limitHeaders(ctx, usage, req, caller, { windows, windowKey, limit, now, budget }),
    };
    return res;
  };
}

interface WindowView {
  windows: RollingWindows;
  windowKey: string;
  limit: number;
  now: number;
  budget: number;
}

/** x-ratelimit-* for the window the request counted in; the daily-token and fair-use headers as configured. */
function limitHeaders(ctx: PipedriveContext, usage: Usage, req: SimRequest, caller: Caller, w: WindowView) {
  const k = ctx.knobs;
  const used = w.windows.count(w.windowKey, w.now, k.burstWindowMs);
  const h: Record<string, string> = {
    'x-ratelimit-limit': String(w.limit),
    'x-ratelimit-remaining': String(Math.max(0, w.limit - used)),
    'x-ratelimit-reset': String(w.windows.resetSec(w.windowKey, w.now, k.burstWindowMs)),
  };
  usage.answers++;
  const skip = k.dailyHeadersMissingEvery > 0 && usage.answers % k.dailyHeadersMissingEvery === 0;
  if (k.dailyTokenHeaders && !skip) {
    const remaining = Math.max(0, w.budget - usage.budget.used(w.now, k.budgetResetUtcOffsetMin));
    h['x-daily-ratelimit-token-limit'] = String(w.budget);
    h['x-daily-ratelimit-token-remaining'] = String(remaining);
  }
  if (caller.kind === 'api_token') {
    const counts = req.method === 'POST' || req.method === 'PUT';
    h['x-daily-requests-left'] = String(usage.budget.postPutLeft(w.now, k.dailyPostPutRequests, counts));
  }
  return h;
}
