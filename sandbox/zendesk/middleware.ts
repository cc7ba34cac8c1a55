import { FixedWindowLimiter } from '../framework/rate-limiter.js';
import type { Middleware, SimRequest } from '../framework/types.js';
import type { ZendeskContext } from './context.js';
import { forbidden, tooManyRequests, unauthorized } from './errors.js';
import { scopeAllows } from './scopes.js';
import { PLAN_LIMITS } from './knobs.js';

const MINUTE_MS = 60_000;

function isApi(req: SimRequest): boolean {
  return req.path.startsWith('/api/v2/');
}

/**
 * Account-wide requests per minute by plan (fixed one-minute window), plus the separate
 * 10 rpm budget of the incremental export endpoints. Every API response gets the headers.
 */
export function rateLimits(ctx: ZendeskContext): Middleware {
  const clock = () => new Date(ctx.nowMs());
  const account = new FixedWindowLimiter({
    limit: () => ctx.knobs.rateLimitPerMinute ?? PLAN_LIMITS[ctx.knobs.plan],
    windowMs: MINUTE_MS,
    clock,
  });
  const incremental = new FixedWindowLimiter({
    limit: () => ctx.knobs.incrementalRateLimitPerMinute,
    windowMs: MINUTE_MS,
    clock,
  });
  return async (req, next) => {
    if (!isApi(req) || !ctx.knobs.rateLimitEnabled) return next();
    const d = account.take();
    const headers: Record<string, string> = {
      'X-Rate-Limit': String(d.limit),
      'X-Rate-Limit-Remaining': String(d.remaining),
      'ratelimit-limit': String(d.limit),
      'ratelimit-remaining': String(d.remaining),
      'ratelimit-reset': String(d.resetSec),
    };
    if (!d.allowed) {
      const r = tooManyRequests(d.resetSec);
      r.headers = { ...r.headers, ...headers };
      return r;
    }
    if (req.path.startsWith('/api/v2/incremental/')) {
      const i = incremental.take();
      if (!i.allowed) {
        const r = tooManyRequests(i.resetSec, 'Too many requests to incremental export endpoints');
        r.headers = { ...r.headers, ...headers };
        return r;
      }
    }
    const res = await next();
    res.headers = { ...res.headers, ...headers };
    return res;
  };
}

export function requireAuth(ctx: ZendeskContext): Middleware {
  return async (req, next) => {
    if (!isApi(req)) return next();
    const grant = ctx.auth.authenticate(req.headers.authorization, ctx.nowMs(), ctx.knobs.apiTokensEnabled);
    if (!grant) return unauthorized();
    // The docs name the error only as "Forbidden"; the body follows the other 403s here.
    if (!scopeAllows(grant.scope, req.method, req.path))
      return forbidden(`The access token's scope (${grant.scope || 'none'}) does not allow ${req.method} ${req.path}`);
    return next();
  };
}

/** Lets time-based job completion and retention happen without a background timer. */
export function sweepJobs(ctx: ZendeskContext): Middleware {
  return async (_req, next) => {
    ctx.jobs.sweep(ctx.nowMs());
    return next();
  };
}
