import { boolKnob, enumKnob, nullableNumberKnob, numberKnob } from '../framework/knobs.js';

/**
 * Burst limits per token in a rolling 2-second window, by plan (targets.md 2.3, the older official
 * rate-limiting page; PD-NOTES maps them to today's plan names). OAuth tokens get four times as many.
 */
export const PLAN_BURST = {
  lite: { apiToken: 20, oauth: 80 },
  growth: { apiToken: 40, oauth: 160 },
  professional: { apiToken: 80, oauth: 320 },
  premium: { apiToken: 100, oauth: 400 },
  ultimate: { apiToken: 120, oauth: 480 },
} as const;
export type Plan = keyof typeof PLAN_BURST;

/**
 * Daily token budget multiplier by plan: 30,000 x multiplier x seats (PD-NOTES; UNCONFIRMED at the
 * primary page). Professional is an older plan without a published multiplier: 3 is a guess.
 */
export const PLAN_MULTIPLIER: Record<Plan, number> = { lite: 1, growth: 2, professional: 3, premium: 5, ultimate: 7 };

/** The base of the daily budget formula. */
export const BUDGET_BASE_TOKENS = 30_000;

/**
 * Runtime knobs (settable at start, in-process and via POST /__sim/knobs). Defaults are the documented
 * values of targets.md §2; every UNCONFIRMED fact is a knob whose comment says so.
 */
export const PIPEDRIVE_KNOBS = {
  /** The company's plan: burst limits and the budget multiplier. The lowest by default, as the connector assumes. */
  plan: enumKnob(Object.keys(PLAN_BURST) as Plan[], 'lite'),
  /** Explicit burst limit per 2 s window (API token); OAuth gets `oauthBurstFactor` times it. Overrides `plan`. */
  burstLimit: nullableNumberKnob(null, { min: 1, integer: true }),
  oauthBurstFactor: numberKnob(4, { min: 1 }),
  /** The rolling window of the burst limits, in ms (documented 2 s). */
  burstWindowMs: numberKnob(2000, { min: 1 }),
  /** Search endpoints: 10 requests per 2 s on every plan (documented). */
  searchBurstLimit: numberKnob(10, { min: 1, integer: true }),
  /** Seats in the company (the budget formula multiplies by them). */
  seats: numberKnob(1, { min: 1, integer: true }),
  /** Explicit daily token budget; overrides the formula (30,000 x multiplier x seats, UNCONFIRMED). */
  dailyTokenBudget: nullableNumberKnob(null, { min: 0, integer: true }),
  /**
   * When the budget refuses: once it is 'exhausted' ("once this budget is exhausted, further requests will
   * be blocked": the last request may overdraw it), or as soon as a request 'cost's more than is left.
   * Which one Pipedrive does is UNCONFIRMED.
   */
  budgetRefusal: enumKnob(['exhausted', 'cost'], 'exhausted'),
  /** The budget resets at "midnight server time": UTC is assumed (UNCONFIRMED). Minutes east of UTC. */
  budgetResetUtcOffsetMin: numberKnob(0, { min: -720, max: 840, integer: true }),
  /** Per-endpoint token costs from `x-token-cost` per PD-NOTES (UNCONFIRMED). v2 costs about half of v1. */
  costV2Get: numberKnob(1, { min: 0, integer: true }),
  costV2List: numberKnob(10, { min: 0, integer: true }),
  costV2Write: numberKnob(5, { min: 0, integer: true }),
  costV2Delete: numberKnob(3, { min: 0, integer: true }),
  costV2Search: numberKnob(20, { min: 0, integer: true }),
  costV1Get: numberKnob(2, { min: 0, integer: true }),
  costV1List: numberKnob(20, { min: 0, integer: true }),
  costV1Write: numberKnob(10, { min: 0, integer: true }),
  /** v1 delete has no published cost: twice v2's, as for the others (UNCONFIRMED). */
  costV1Delete: numberKnob(6, { min: 0, integer: true }),
  /** Every limiter off (benchmarks that do not claim to respect them; tests of other things). */
  rateLimitEnabled: boolKnob(true),
  /**
   * The undocumented `x-daily-ratelimit-token-limit/remaining` headers, which several integrations read
   * (UNCONFIRMED officially). `dailyHeadersMissingEvery` N > 0 leaves them off every Nth answer, as a
   * Pipedrive staff reply says happens.
   */
  dailyTokenHeaders: boolKnob(true),
  dailyHeadersMissingEvery: numberKnob(0, { min: 0, integer: true }),
  /** `Retry-After` on a burst 429: the 2015-era docs had it; the current API is UNCONFIRMED. */
  retryAfterOnBurst: boolKnob(false),
  /** The 429 body: the old docs' `{success:false,error:"Request over limit"}` in the error envelope (UNCONFIRMED). */
  tooManyRequestsError: enumKnob(['Request over limit', 'Too Many Requests'], 'Request over limit'),
  /**
   * API-token clients that keep calling after 429s get a Cloudflare 403 HTML page (PD-NOTES): after this
   * many 429s in a row the token's requests get it until a window lets one through. null = never.
   */
  cloudflareBlockAfter429s: nullableNumberKnob(null, { min: 1, integer: true }),
  /** `?api_token=` on v2: refused (401) per third-party migration guides (UNCONFIRMED officially). */
  apiTokenQueryV2: enumKnob(['reject', 'accept'], 'reject'),
  /** `?api_token=` on v1: the legacy way, still accepted. */
  apiTokenQueryV1: enumKnob(['accept', 'reject'], 'accept'),
  /** An API token sent as `Authorization: Bearer`: 401 per a third party (UNCONFIRMED). */
  apiTokenAsBearer: enumKnob(['reject', 'accept'], 'reject'),
  /** OAuth access-token lifetime: `expires_in`; docs and SDK tests say 3600, the live API 3599 (UNCONFIRMED). */
  accessTokenTtlSec: numberKnob(3599, { min: 1, integer: true }),
  /** A refresh token "expires if not used in 60 days" (UNCONFIRMED at the primary source). */
  refreshTokenIdleDays: numberKnob(60, { min: 1 }),
  /** A refresh answer carries a new refresh token and the old one stops working. Whether it changes is UNCONFIRMED. */
  refreshTokenRotates: boolKnob(false),
  /** Authorization codes live this long (undocumented; 5 minutes assumed). */
  authCodeTtlSec: numberKnob(300, { min: 1, integer: true }),
  /** Webhooks per user (documented 40). */
  maxWebhooks: numberKnob(40, { min: 1, integer: true }),
  /** subscription_url must be HTTPS (documented); loopback hosts are exempt so local receivers work. */
  webhookHttpsOnly: boolKnob(true),
  /**
   * Top-level body fields v2 does not know (or treats as read-only, e.g. an activity's person_id):
   * ignored or refused with 400. Which one v2 does is UNCONFIRMED.
   */
  unknownBodyFields: enumKnob(['ignore', 'reject'], 'ignore'),
  /**
   * custom_fields in answers: only the keys with a value (targets.md example) or every custom field,
   * null when unset (UNCONFIRMED).
   */
  customFieldsInAnswers: enumKnob(['set', 'all'], 'set'),
  /** Two custom fields may share a name (each gets its own hash); 'reject' refuses the second (UNCONFIRMED). */
  duplicateFieldNames: enumKnob(['allow', 'reject'], 'allow'),
  /** A record becomes findable by search this many ms after a write (search indexing lag, UNCONFIRMED). */
  searchIndexDelayMs: numberKnob(0, { min: 0 }),
  /** Deal search leaves out won/lost deals unless `status` is given (some clients say so; UNCONFIRMED for v2). */
  dealSearchOpenOnly: boolKnob(false),
  /** Fair-use POST/PUT count for the UTC day, sent as `x-daily-requests-left` on API-token answers (not enforced). */
  dailyPostPutRequests: numberKnob(10_000, { min: 0, integer: true }),
};
