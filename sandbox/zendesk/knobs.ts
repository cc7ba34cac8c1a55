import { boolKnob, enumKnob, nullableNumberKnob, numberKnob } from '../framework/knobs.js';

export const PLAN_LIMITS = { team: 200, growth: 400, professional: 400, enterprise: 700, high_volume: 2500 } as const;
export type Plan = keyof typeof PLAN_LIMITS;

/** Runtime knobs (settable at start, in-process and via POST /__sim/knobs). */
export const ZENDESK_KNOBS = {
  /** Plan whose requests-per-minute limit applies (team 200 … high_volume 2500). */
  plan: enumKnob(Object.keys(PLAN_LIMITS) as Plan[], 'enterprise'),
  /** Explicit requests per minute; overrides `plan` when set. */
  rateLimitPerMinute: nullableNumberKnob(null, { min: 1, integer: true }),
  /** Turn every limiter off (benchmarks). */
  rateLimitEnabled: boolKnob(true),
  /** Incremental export endpoints: 10 rpm per the docs (30 with High Volume: UNCONFIRMED). */
  incrementalRateLimitPerMinute: numberKnob(10, { min: 1, integer: true }),
  /** OAuth access-token lifetime when the token request gives no expires_in; null (documented default) = never expires. */
  accessTokenTtlSec: nullableNumberKnob(null, { min: 1, integer: true }),
  /** Refresh-token lifetime when the request gives no refresh_token_expires_in (documented default 30 days). */
  refreshTokenTtlSec: numberKnob(2_592_000, { min: 1, integer: true }),
  /** Authorization codes are valid for 120 s (documented). */
  authCodeTtlSec: numberKnob(120, { min: 1, integer: true }),
  /**
   * The refresh token of the connection profile rotates on use like any other (Zendesk). False keeps
   * it valid after a refresh (each refresh still gets a new pair), so one printed connection signs
   * in from any number of state files (`mlc sandbox start`).
   */
  profileRefreshTokenRotates: boolKnob(true),
  /** API-token Basic auth is being retired (no new tokens from 2026-10-27, all dead 2027-04-30); switch it off to rehearse. */
  apiTokensEnabled: boolKnob(true),
  /** Job-status polls until a bulk job completes (queued -> working -> completed). 0 = complete at creation. */
  jobPollsToComplete: numberKnob(2, { min: 0, integer: true }),
  /** Also complete jobs this many ms after creation even if nobody polls (null = only polls). */
  jobCompleteAfterMs: nullableNumberKnob(null, { min: 0 }),
  /**
   * Rows of a completed job's `results`: 'spec' = the shapes of zendesk-openapi.yaml
   * (create `{id, index}`, update/delete `{action, id, status, success}`, failure
   * `{action, id|index, error, details, success: false}`); 'all_fields' = every field on every
   * row (`{index, id, action, status, success}`), as some accounts were seen to answer.
   */
  jobResultShape: enumKnob(['spec', 'all_fields'], 'spec'),
  /** Queued+working jobs allowed per account; 30 is from secondary sources: UNCONFIRMED. */
  maxActiveJobs: numberKnob(30, { min: 1, integer: true }),
  /** organization_fields keys without a definition: 'ignore' (dropped, default) or 'reject' (422). */
  unknownFieldPolicy: enumKnob(['ignore', 'reject'], 'ignore'),
  /** create_or_update_many for users needs Zendesk to enable bulk imports; 403 otherwise. */
  bulkUserImport: boolKnob(false),
  /** Offset pagination refuses requests past this many records (400). */
  offsetPaginationLimit: numberKnob(10_000, { min: 1, integer: true }),
  /** Organization-name uniqueness ignores case unless this is true. Case rule UNCONFIRMED. */
  orgNameCaseSensitive: boolKnob(false),
  /** Date custom-field values come back as `YYYY-MM-DDT00:00:00+00:00` ('datetime', as in Zendesk's examples) or `YYYY-MM-DD`. */
  dateFieldFormat: enumKnob(['datetime', 'date'], 'datetime'),
  /** Incremental exports leave out items changed in the last N seconds (documented: one minute). */
  incrementalExcludeRecentSec: numberKnob(60, { min: 0, integer: true }),
  /** Incremental export page size. Maximum UNCONFIRMED (commonly 1000). */
  incrementalPerPage: numberKnob(1000, { min: 1, integer: true }),
};

/** Options that only matter when the simulator is first created. */
export const ZENDESK_SEED_OPTIONS = ['seedTickets', 'seedOrganizations', 'ticketsPerOrganization'] as const;
