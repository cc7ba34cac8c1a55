import { boolKnob, enumKnob, numberKnob } from '../framework/knobs.js';
import { DELETE_POLICIES } from './customer-lifecycle.js';

/** Runtime knobs (settable at start, in-process and via POST /__sim/knobs). */
export const VISMA_KNOBS = {
  /** Access-token lifetime in seconds. Real value UNCONFIRMED; 3600 is the common one. */
  expiresIn: numberKnob(3600, { min: 1, integer: true }),
  /** Require the legacy `ipp-company-id` header. Whether api.finance.visma.net needs it is UNCONFIRMED. */
  requireCompanyHeader: boolKnob(false),
  /** Page-size cap reported as metadata.maxPageSize. Real per-endpoint value UNCONFIRMED. */
  maxPageSize: numberKnob(500, { min: 1, integer: true }),
  /** Page size used when pageSize is missing. UNCONFIRMED. */
  defaultPageSize: numberKnob(100, { min: 1, integer: true }),
  /** Suffix on response timestamps: 'Z' (default) or 'none'. Real behaviour UNCONFIRMED; see dates.ts. */
  timestampZone: enumKnob(['Z', 'none'], 'Z'),
  /** Offset from UTC (minutes) used to read filter values and render timestamps. Time zone UNCONFIRMED; default UTC. */
  timeZoneOffsetMinutes: numberKnob(0, { min: -840, max: 840, integer: true }),
  /** Turn the hourly limiter off entirely (benchmarks). */
  rateLimitEnabled: boolKnob(true),
  /** Requests per hour per company+client (policy 4-fixed-window). Vendor number is unpublished. */
  rateLimitPerHour: numberKnob(100_000, { min: 1, integer: true }),
  /** Send Retry-After on 429s. Not documented by Visma: UNCONFIRMED, default off. */
  sendRetryAfter: boolKnob(false),
  /**
   * Deleting a customer that has invoices: 'refuse' (409; Visma does not delete a customer with
   * documents, UNCONFIRMED), 'cascade' (its invoices go too) or 'orphan' (they stay). See customer-lifecycle.ts.
   */
  customerDeleteWithInvoices: enumKnob(DELETE_POLICIES, 'refuse'),
};

/** Options that only matter when the data set is generated. */
export const VISMA_SEED_OPTIONS = ['invoicesPerCustomer', 'duplicateNames'] as const;
