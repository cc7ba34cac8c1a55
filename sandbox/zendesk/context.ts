import type { KnobValues } from '../framework/knobs.js';
import type { ZendeskAuth } from './auth.js';
import type { JobStore } from './jobs.js';
import type { ZENDESK_KNOBS } from './knobs.js';
import type { OrgFieldStore } from './org-fields.js';
import type { Org, OrgStore } from './organizations.js';
import type { TicketStore } from './tickets.js';
import type { User, UserStore } from './users.js';

/** What the Zendesk route modules share. */
export interface ZendeskContext {
  orgs: OrgStore;
  fields: OrgFieldStore;
  users: UserStore;
  tickets: TicketStore;
  jobs: JobStore;
  auth: ZendeskAuth;
  knobs: KnobValues<typeof ZENDESK_KNOBS>;
  nowMs(): number;
  origin(): string;
  // Function properties, not methods: routes pass them to map() unbound.
  renderOrg: (o: Org) => Record<string, unknown>;
  renderUser: (u: User) => Record<string, unknown>;
  /** The API caller (the integration's admin user): default requester and submitter. */
  adminUserId(): number;
}

export const MAX_BULK = 100;
