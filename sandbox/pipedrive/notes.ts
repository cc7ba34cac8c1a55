import type { Account } from './context.js';
import { v1Time, ValidationError } from './values.js';

export interface Note {
  id: number;
  content: string;
  deal_id: number | null;
  person_id: number | null;
  org_id: number | null;
  user_id: number;
  pinned_to_deal_flag: boolean;
  pinned_to_person_flag: boolean;
  pinned_to_organization_flag: boolean;
  addMs: number;
  updateMs: number;
}

export interface NoteStoreState {
  notes: Note[];
  nextId: number;
}

/** Names of the records a note is attached to, for its v1 answer. */
export interface NoteLinks {
  deal(id: number): { title: string } | undefined;
  person(id: number): { name: string } | undefined;
  organization(id: number): { name: string } | undefined;
}

export const NOTE_TARGETS = ['deal_id', 'person_id', 'org_id'] as const;

/** v1 notes (still v1-only and not deprecated): their own id sequence, no custom fields, no search. */
export class NoteStore {
  private readonly byId = new Map<number, Note>();
  private nextId: number;

  constructor(state?: NoteStoreState) {
    for (const n of state?.notes ?? []) this.byId.set(n.id, n);
    this.nextId = state?.nextId ?? 1;
  }

  get count(): number {
    return this.byId.size;
  }

  get(id: number): Note | undefined {
    return this.byId.get(id);
  }

  list(): Note[] {
    return [...this.byId.values()].sort((a, b) => a.id - b.id);
  }

  add(n: Omit<Note, 'id' | 'addMs' | 'updateMs'>, nowMs: number): Note {
    if (n.content.trim() === '') throw new ValidationError('content is required');
    if (NOTE_TARGETS.every((k) => n[k] === null)) {
      throw new ValidationError('Note must be attached to a deal, person, organization or lead');
    }
    const note: Note = { ...n, id: this.nextId++, addMs: nowMs, updateMs: nowMs };
    this.byId.set(note.id, note);
    return note;
  }

  change(note: Note, patch: Partial<Note>, nowMs: number): Note {
    const next = { ...note, ...patch };
    if (next.content.trim() === '') throw new ValidationError('content must not be empty');
    if (NOTE_TARGETS.every((k) => next[k] === null)) {
      throw new ValidationError('Note must be attached to a deal, person, organization or lead');
    }
    Object.assign(note, patch, { updateMs: Math.max(nowMs, note.updateMs) });
    return note;
  }

  remove(id: number): Note | undefined {
    const n = this.byId.get(id);
    this.byId.delete(id);
    return n;
  }

  toState(): NoteStoreState {
    return structuredClone({ notes: this.list(), nextId: this.nextId });
  }
}

/** A note as v1 answers it (PD-SDK v1 NoteObject): related names inline, timestamps `YYYY-MM-DD HH:MM:SS` UTC. */
export function renderNote(n: Note, links: NoteLinks, account: Account): Record<string, unknown> {
  return {
    id: n.id,
    user_id: n.user_id,
    deal_id: n.deal_id,
    person_id: n.person_id,
    org_id: n.org_id,
    lead_id: null,
    content: n.content,
    add_time: v1Time(n.addMs),
    update_time: v1Time(n.updateMs),
    active_flag: true,
    pinned_to_deal_flag: n.pinned_to_deal_flag,
    pinned_to_person_flag: n.pinned_to_person_flag,
    pinned_to_organization_flag: n.pinned_to_organization_flag,
    pinned_to_lead_flag: false,
    last_update_user_id: n.user_id,
    organization: n.org_id !== null ? (links.organization(n.org_id) ?? null) : null,
    person: n.person_id !== null ? (links.person(n.person_id) ?? null) : null,
    deal: n.deal_id !== null ? (links.deal(n.deal_id) ?? null) : null,
    user: { email: account.userEmail, name: account.userName, icon_url: null, is_you: true },
  };
}
