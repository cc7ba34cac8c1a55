import type { MarketoAuthState } from './auth.js';
import type { CompanyStoreState } from './companies.js';
import type { CustomObjectStoreState } from './custom-objects.js';
import type { FieldDef } from './fields.js';
import type { QuotaState } from './limits.js';

/** Everything the Marketo simulator holds. */
export interface MarketoSnapshot {
  format: 'mlc-sandbox/marketo';
  version: 1;
  companies: CompanyStoreState;
  customFields: FieldDef[];
  customObjects: CustomObjectStoreState;
  auth: MarketoAuthState;
  quota: QuotaState;
  schemaUpdatedAt: string;
}

export function isMarketoSnapshot(v: unknown): v is MarketoSnapshot {
  return (
    typeof v === 'object' &&
    v !== null &&
    (v as { format?: unknown }).format === 'mlc-sandbox/marketo' &&
    (v as { version?: unknown }).version === 1
  );
}
