import { setTimeout as sleep } from 'node:timers/promises';
import type { Middleware, SimRequest, SimResponse } from '../framework/types.js';
import { presentedToken, type MarketoAuth } from './auth.js';
import type { MarketoContext } from './context.js';
import { failureCode, rateLimitMessage, UNCOUNTED_CODES } from './envelope.js';
import { DailyQuota, SlidingWindow } from './limits.js';

/** What the limits middleware keeps between calls. */
export interface Usage {
  window: SlidingWindow;
  quota: DailyQuota;
  inFlight: number;
  /** Response-level error codes answered, by code (606, 615 and 607 included). */
  errorCodes: Record<string, number>;
}

export function newUsage(quota?: DailyQuota): Usage {
  return { window: new SlidingWindow(), quota: quota ?? new DailyQuota(), inFlight: 0, errorCodes: {} };
}

const isIdentity = (req: SimRequest) => req.path.startsWith('/identity/');

/**
 * HTTP-level refusals Marketo documents: 414 for a URI over 8 KB, 413 for a body over 1 MB. They come
 * before everything else, the only answers that are not HTTP 200.
 */
export function sizeLimits(ctx: MarketoContext): Middleware {
  return async (req, next) => {
    if (Buffer.byteLength(req.url.pathname + req.url.search) > ctx.knobs.maxUriBytes)
      return { status: 414, body: 'Request-URI Too Long' };
    if (Buffer.byteLength(req.rawBody) > ctx.knobs.maxBodyBytes)
      return { status: 413, body: 'Request Entity Too Large' };
    return next();
  };
}

/** 601 for a missing or unknown token, 602 for an expired one (neither counts towards any limit). */
export function requireToken(ctx: MarketoContext, auth: MarketoAuth): Middleware {
  return async (req, next) => {
    if (isIdentity(req)) return next();
    const { token } = presentedToken(req, ctx.knobs.accessTokenQuery === 'accept');
    const check = auth.check(token, ctx.nowMs());
    if (check === 'invalid') return ctx.env.code('601');
    if (check === 'expired') return ctx.env.code('602');
    return next();
  };
}

/**
 * 615 with 10 calls in flight, 606 above 100 calls in the past 20 s, 607 once the day's quota is
 * spent; a call counts when it starts and is taken back when its answer is an uncounted code.
 */
export function callLimits(ctx: MarketoContext, usage: Usage): Middleware {
  return async (req, next) => {
    if (isIdentity(req)) return next();
    const k = ctx.knobs;
    const now = ctx.nowMs();
    const refusal = k.limitsEnabled ? refuse(ctx, usage, now) : undefined;
    if (refusal && !k.countRejectedCalls) return refusal;
    usage.window.add(now);
    usage.quota.add(now, k.quotaResetUtcOffsetMin);
    if (refusal) return refusal;
    usage.inFlight++;
    let res: SimResponse;
    try {
      if (k.callDurationMs > 0) await sleep(k.callDurationMs);
      res = await next();
    } finally {
      usage.inFlight--;
    }
    if (UNCOUNTED_CODES.has(failureCode(res) ?? '')) {
      usage.window.remove(now);
      usage.quota.remove(now, k.quotaResetUtcOffsetMin);
    }
    return res;
  };
}

function refuse(ctx: MarketoContext, usage: Usage, now: number): SimResponse | undefined {
  const k = ctx.knobs;
  if (usage.inFlight >= k.concurrencyLimit) return ctx.env.code('615');
  if (usage.window.count(now, k.rateWindowSec * 1000) >= k.rateLimitPerWindow)
    return ctx.env.code('606', rateLimitMessage(k.rateLimitPerWindow, k.rateWindowSec));
  if (usage.quota.used(now, k.quotaResetUtcOffsetMin) >= k.dailyQuota) return ctx.env.code('607');
  return undefined;
}

/** Counts the response-level error codes answered (the bench checks that none was 606 or 615). */
export function countErrorCodes(usage: Usage): Middleware {
  return async (_req, next) => {
    const res = await next();
    const code = failureCode(res);
    if (code) usage.errorCodes[code] = (usage.errorCodes[code] ?? 0) + 1;
    return res;
  };
}

/** 612 for a POST whose body is not JSON (a `_method=GET` query may send its parameters as a form). */
export function requireJson(ctx: MarketoContext): Middleware {
  return async (req, next) => {
    if (req.method !== 'POST' || isIdentity(req) || req.rawBody.trim() === '' || req.query._method === 'GET')
      return next();
    const ct = (req.headers['content-type'] ?? '').toLowerCase();
    return ct.includes('application/json') ? next() : ctx.env.code('612');
  };
}
