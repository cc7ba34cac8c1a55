import type { KnobValues } from '../framework/knobs.js';
import type { EventLog } from './events.js';
import type { FieldStore } from './fields.js';
import type { PIPEDRIVE_KNOBS } from './knobs.js';
import type { NoteStore } from './notes.js';
import type { RecordStore } from './records.js';

export const ENTITY_NAMES = ['organizations', 'persons', 'deals', 'activities'] as const;
export type EntityName = (typeof ENTITY_NAMES)[number];

/** The company and the user the API token or OAuth grant belongs to. */
export interface Account {
  companyId: number;
  companyName: string;
  /** The subdomain: acme for acme.pipedrive.com. */
  companyDomain: string;
  userId: number;
  userName: string;
  userEmail: string;
}

/** Target ids this simulator wrote since it started (a sandbox run), per entity, in order. */
export type WrittenIds = Record<EntityName | 'notes', Set<number>>;

/** What the Pipedrive route modules share. */
export interface PipedriveContext {
  knobs: KnobValues<typeof PIPEDRIVE_KNOBS>;
  nowMs(): number;
  account: Account;
  fields: FieldStore;
  stores: Record<EntityName, RecordStore>;
  notes: NoteStore;
  events: EventLog;
  written: WrittenIds;
}
