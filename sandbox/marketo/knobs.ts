import { boolKnob, enumKnob, numberKnob } from '../framework/knobs.js';

/**
 * Runtime knobs (settable at start, in-process and via POST /__sim/knobs). Defaults are the documented
 * values of targets.md §3; every UNCONFIRMED fact is a knob whose comment says so.
 */
export const MARKETO_KNOBS = {
  /** "A new access token has a lifespan of 3,600 seconds". */
  tokenTtlSec: numberKnob(3600, { min: 1, integer: true }),
  /**
   * The `access_token` query parameter: its removal date is given three ways (2025-06-30, 2026-07-31,
   * 2026-08-31), all past in the sandbox's time, so it is refused (601) unless set to 'accept'.
   */
  accessTokenQuery: enumKnob(['reject', 'accept'], 'reject'),
  /** Identity also reads client_id/client_secret from a form body; the docs only show the query. UNCONFIRMED. */
  identityBodyCredentials: boolKnob(true),
  /** 606: more than this many calls in the past `rateWindowSec` seconds (documented 100 per 20 s). */
  rateLimitPerWindow: numberKnob(100, { min: 1, integer: true }),
  rateWindowSec: numberKnob(20, { min: 1 }),
  /** 615: this many calls already in flight (documented 10). */
  concurrencyLimit: numberKnob(10, { min: 1, integer: true }),
  /** 607: calls per day (documented 50,000 for most subscriptions, at least 10,000). */
  dailyQuota: numberKnob(50_000, { min: 0, integer: true }),
  /**
   * The quota resets at "12:00 AM CST": a fixed UTC-6 here. Whether it follows US daylight time
   * (CDT, UTC-5) in summer is UNCONFIRMED.
   */
  quotaResetUtcOffsetMin: numberKnob(-360, { min: -720, max: 840, integer: true }),
  /**
   * Calls answered 606, 607 or 615 still count towards the window and the quota: the docs exempt only
   * the asterisked codes (601, 602, 604, 605, 608, 611). UNCONFIRMED for the limit codes themselves.
   */
  countRejectedCalls: boolKnob(true),
  /** Limits off altogether (never in a bench that claims to respect them). */
  limitsEnabled: boolKnob(true),
  /** Time each REST call holds its concurrency slot, in ms (lets tests and benches meet 615). */
  callDurationMs: numberKnob(0, { min: 0 }),
  /** 413 above this many body bytes: "1 MB"; whether 10^6 or 2^20 is meant is UNCONFIRMED, so the stricter. */
  maxBodyBytes: numberKnob(1_000_000, { min: 1, integer: true }),
  /** 414 above this many URI bytes ("8KB"; 8,192 assumed). */
  maxUriBytes: numberKnob(8192, { min: 1, integer: true }),
  /** Records per sync/delete call and values per query (documented 300). */
  maxBatch: numberKnob(300, { min: 1, integer: true }),
  /**
   * Envelope members: 'spec' sends `result`, `errors` and `warnings` on every answer (swagger
   * ResponseOf* requires all three); 'docs' sends only what the docs' examples show (no empty arrays).
   */
  envelope: enumKnob(['spec', 'docs'], 'spec'),
  /** The instance has a native Salesforce/Dynamics sync: the Company API refuses writes (1018). */
  crmEnabled: boolKnob(false),
  /** Whether a CRM-enabled refusal is per record (documented code table) or response-level. UNCONFIRMED. */
  crmEnabledError: enumKnob(['record', 'response'], 'record'),
  /** A field the instance lacks: 1006 on the record (default) or on the whole call. UNCONFIRMED. */
  unknownFieldError: enumKnob(['record', 'response'], 'record'),
  /**
   * The same key twice in one call (1036): 'later' skips the repeats and writes the first (targets.md
   * example), 'all' skips every copy. UNCONFIRMED.
   */
  duplicateInput: enumKnob(['later', 'all'], 'later'),
  /** updateOnly on a missing company: 1013 (as Delete answers) or 1004 (the custom-object example). UNCONFIRMED. */
  updateOnlyMissingCode: enumKnob(['1013', '1004'], '1013'),
  /** A string longer than the field's length: 'reject' (1001) or 'truncate'. UNCONFIRMED. */
  overlongStrings: enumKnob(['reject', 'truncate'], 'reject'),
};

/**
 * Instance settings, accepted with the knobs at start and at run time: `customFields` (the company
 * fields the instance has beyond the standard ones), `customObjects` (custom object types) and
 * `quotaUsed` (calls already spent today).
 */
export const MARKETO_INSTANCE_OPTIONS = ['customFields', 'customObjects', 'quotaUsed'] as const;
