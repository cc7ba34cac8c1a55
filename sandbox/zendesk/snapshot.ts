import type { ZendeskAuthState } from './auth.js';
import type { JobStoreState } from './jobs.js';
import type { FieldStoreState } from './org-fields.js';
import type { OrgStoreState } from './organizations.js';
import type { TicketStoreState } from './tickets.js';
import type { UserStoreState } from './users.js';

/** Everything the Zendesk simulator holds; small enough to store whole. */
export interface ZendeskSnapshot {
  format: 'mlc-sandbox/zendesk';
  version: 1;
  organizations: OrgStoreState;
  organizationFields: FieldStoreState;
  users: UserStoreState;
  tickets: TicketStoreState;
  jobs: JobStoreState;
  auth: ZendeskAuthState;
  adminUserId: number;
  profileRefreshToken: string;
  webhookSecret: string;
}

export function isZendeskSnapshot(v: unknown): v is ZendeskSnapshot {
  return (
    typeof v === 'object' &&
    v !== null &&
    (v as { format?: unknown }).format === 'mlc-sandbox/zendesk' &&
    (v as { version?: unknown }).version === 1
  );
}
