import type { PipedriveAuthState } from './auth.js';
import type { EntityName } from './context.js';
import type { EventLogState } from './events.js';
import type { FieldStoreState } from './fields.js';
import type { BudgetState } from './limits.js';
import type { NoteStoreState } from './notes.js';
import type { RecordStoreState } from './records.js';
import type { WebhookStoreState } from './webhooks.js';

/** Everything the Pipedrive simulator holds. */
export interface PipedriveSnapshot {
  format: 'mlc-sandbox/pipedrive';
  version: 1;
  records: Record<EntityName, RecordStoreState>;
  notes: NoteStoreState;
  fields: FieldStoreState;
  auth: PipedriveAuthState;
  budget: BudgetState;
  webhooks: WebhookStoreState;
  events: EventLogState;
  profileRefreshToken: string;
}

export function isPipedriveSnapshot(v: unknown): v is PipedriveSnapshot {
  return (
    typeof v === 'object' &&
    v !== null &&
    (v as { format?: unknown }).format === 'mlc-sandbox/pipedrive' &&
    (v as { version?: unknown }).version === 1
  );
}
