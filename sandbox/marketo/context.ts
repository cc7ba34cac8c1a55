import type { KnobValues } from '../framework/knobs.js';
import type { CompanyStore } from './companies.js';
import type { CustomObjectStore } from './custom-objects.js';
import type { Envelopes } from './envelope.js';
import type { CompanyFields } from './fields.js';
import type { MARKETO_KNOBS } from './knobs.js';
import type { PageTokens } from './paging.js';

/** What the Marketo route modules share. */
export interface MarketoContext {
  env: Envelopes;
  knobs: KnobValues<typeof MARKETO_KNOBS>;
  fields: CompanyFields;
  companies: CompanyStore;
  customObjects: CustomObjectStore;
  pages: PageTokens;
  nowMs(): number;
  /** When the instance's company schema last changed (describe's updatedAt). */
  schemaUpdatedAt(): string;
}

/** Marketo's timestamps: ISO 8601 in UTC without milliseconds (`2015-05-11T17:11:32Z`). */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A record-level reason: `{code, message}` with the code quoted as Marketo sends it. */
export interface Reason {
  code: string;
  message: string;
}

export const reason = (code: string, message: string): Reason => ({ code, message });
