import { isRecord, textOf } from '../framework/types.js';
import type { ErrorDetails } from './errors.js';
import { isoSeconds } from './org-fields.js';

export interface Identity {
  id: number;
  type: 'email' | 'phone_number';
  value: string;
  primary: boolean;
  verified: boolean;
  createdMs: number;
  updatedMs: number;
}

export interface User {
  id: number;
  name: string;
  external_id: string | null;
  organization_id: number | null;
  role: 'end-user' | 'agent' | 'admin';
  phone: string | null;
  details: string;
  notes: string;
  tags: string[];
  user_fields: Record<string, unknown>;
  identities: Identity[];
  createdMs: number;
  updatedMs: number;
}

export interface UserStoreState {
  users: User[];
  nextId: number;
  nextIdentityId: number;
}

export type UserWrite = { ok: true; user: User; created: boolean } | { ok: false; details: ErrorDetails };

const ROLES = ['end-user', 'agent', 'admin'] as const;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Users and their identities. Email is writable on create only; later emails become secondary identities. */
export class UserStore {
  /** Insertion order is id order: ids only grow and restores insert sorted. */
  private readonly users = new Map<number, User>();
  /** Lower-cased email identity -> user id; lower-cased external_id -> user id. Keeps upserts O(1) at 100k users. */
  private readonly byEmail = new Map<string, number>();
  private readonly byExternal = new Map<string, number>();
  private nextId = 910_000_000_001;
  private nextIdentityId = 920_000_000_001;

  constructor(state?: UserStoreState) {
    if (state) {
      for (const u of [...state.users].sort((a, b) => a.id - b.id)) this.index(u);
      this.nextId = state.nextId;
      this.nextIdentityId = state.nextIdentityId;
    }
  }

  private index(u: User): void {
    this.users.set(u.id, u);
    if (u.external_id !== null) this.byExternal.set(u.external_id.toLowerCase(), u.id);
    for (const i of u.identities) if (i.type === 'email') this.byEmail.set(i.value.toLowerCase(), u.id);
  }

  get(id: number): User | undefined {
    return this.users.get(id);
  }

  list(): User[] {
    return [...this.users.values()];
  }

  primaryEmail(u: User): string | null {
    return u.identities.find((i) => i.type === 'email' && i.primary)?.value ?? null;
  }

  findByEmail(email: string): User | undefined {
    const id = this.byEmail.get(email.toLowerCase());
    return id === undefined ? undefined : this.users.get(id);
  }

  findByExternalId(ext: string): User | undefined {
    const id = this.byExternal.get(ext.toLowerCase());
    return id === undefined ? undefined : this.users.get(id);
  }

  /** Free-text search as `query=`: `email:x`, `external_id:x`, `name:x`, or words matched against name and email. */
  search(query: string): User[] {
    const m = /^(email|external_id|name):"?(.+?)"?$/i.exec(query.trim());
    if (m) {
      const v = m[2].toLowerCase();
      const key = m[1].toLowerCase();
      return this.list().filter((u) =>
        key === 'email'
          ? u.identities.some((i) => i.type === 'email' && i.value.toLowerCase() === v)
          : key === 'external_id'
            ? u.external_id?.toLowerCase() === v
            : u.name.toLowerCase().includes(v),
      );
    }
    const q = query.trim().toLowerCase();
    return this.list().filter(
      (u) => u.name.toLowerCase().includes(q) || u.identities.some((i) => i.value.toLowerCase().includes(q)),
    );
  }

  /** create_or_update: matches external_id (case-insensitive) first, then any email identity. */
  upsert(input: unknown, nowMs: number, orgExists: (id: number) => boolean): UserWrite {
    if (!isRecord(input))
      return { ok: false, details: { base: [{ description: 'user is required', error: 'InvalidValue' }] } };
    const ext = externalId(input.external_id);
    const email = typeof input.email === 'string' ? input.email.trim() : undefined;
    const match = (ext ? this.findByExternalId(ext) : undefined) ?? (email ? this.findByEmail(email) : undefined);
    return match ? this.update(match, input, nowMs, orgExists) : this.create(input, nowMs, orgExists);
  }

  create(input: Record<string, unknown>, nowMs: number, orgExists: (id: number) => boolean): UserWrite {
    const details: ErrorDetails = {};
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (!name) details.name = [{ description: 'Name: cannot be blank', error: 'BlankValue' }];
    const email = typeof input.email === 'string' ? input.email.trim() : undefined;
    if (email !== undefined && !EMAIL_RE.test(email))
      details.email = [{ description: `Email: ${email} is not properly formatted`, error: 'InvalidFormat' }];
    else if (email && this.findByEmail(email))
      details.email = [
        { description: `Email: ${email} is already being used by another user`, error: 'DuplicateValue' },
      ];
    const ext = externalId(input.external_id);
    if (ext && this.findByExternalId(ext))
      details.external_id = [{ description: `External: ${ext} has already been taken`, error: 'DuplicateValue' }];
    this.checkCommon(input, details, orgExists);
    if (Object.keys(details).length > 0) return { ok: false, details };
    const u: User = {
      id: this.nextId++,
      name,
      external_id: ext,
      organization_id: typeof input.organization_id === 'number' ? input.organization_id : null,
      role: (ROLES as readonly unknown[]).includes(input.role) ? (input.role as User['role']) : 'end-user',
      phone: typeof input.phone === 'string' ? input.phone : null,
      details: typeof input.details === 'string' ? input.details : '',
      notes: typeof input.notes === 'string' ? input.notes : '',
      tags: Array.isArray(input.tags) ? input.tags.filter((t): t is string => typeof t === 'string') : [],
      user_fields: isRecord(input.user_fields) ? { ...input.user_fields } : {},
      identities: [],
      createdMs: nowMs,
      updatedMs: nowMs,
    };
    if (email) u.identities.push(this.newIdentity('email', email, true, nowMs));
    this.index(u);
    return { ok: true, user: u, created: true };
  }

  update(u: User, input: Record<string, unknown>, nowMs: number, orgExists: (id: number) => boolean): UserWrite {
    const details: ErrorDetails = {};
    if (input.name !== undefined && (typeof input.name !== 'string' || !input.name.trim()))
      details.name = [{ description: 'Name: cannot be blank', error: 'BlankValue' }];
    const email = typeof input.email === 'string' ? input.email.trim() : undefined;
    const holder = email ? this.findByEmail(email) : undefined;
    if (email !== undefined && !EMAIL_RE.test(email))
      details.email = [{ description: `Email: ${email} is not properly formatted`, error: 'InvalidFormat' }];
    else if (holder && holder.id !== u.id)
      details.email = [
        { description: `Email: ${email} is already being used by another user`, error: 'DuplicateValue' },
      ];
    const ext = externalId(input.external_id);
    const extHolder = ext ? this.findByExternalId(ext) : undefined;
    if (extHolder && extHolder.id !== u.id)
      details.external_id = [{ description: `External: ${ext} has already been taken`, error: 'DuplicateValue' }];
    this.checkCommon(input, details, orgExists);
    if (Object.keys(details).length > 0) return { ok: false, details };
    if (typeof input.name === 'string') u.name = input.name.trim();
    // Zendesk rewrites the stored external_id to the case that was sent.
    if (input.external_id !== undefined) {
      if (u.external_id !== null) this.byExternal.delete(u.external_id.toLowerCase());
      u.external_id = ext;
      if (ext !== null) this.byExternal.set(ext.toLowerCase(), u.id);
    }
    if (input.organization_id !== undefined)
      u.organization_id = typeof input.organization_id === 'number' ? input.organization_id : null;
    if ((ROLES as readonly unknown[]).includes(input.role)) u.role = input.role as User['role'];
    if (input.phone !== undefined) u.phone = typeof input.phone === 'string' ? input.phone : null;
    if (typeof input.details === 'string') u.details = input.details;
    if (typeof input.notes === 'string') u.notes = input.notes;
    if (Array.isArray(input.tags)) u.tags = input.tags.filter((t): t is string => typeof t === 'string');
    if (isRecord(input.user_fields)) u.user_fields = { ...u.user_fields, ...input.user_fields };
    // Email is writable on create only: a new address becomes a secondary identity.
    if (email && !holder) {
      u.identities.push(
        this.newIdentity(
          'email',
          email,
          u.identities.every((i) => i.type !== 'email'),
          nowMs,
        ),
      );
      this.byEmail.set(email.toLowerCase(), u.id);
    }
    u.updatedMs = nowMs;
    return { ok: true, user: u, created: false };
  }

  addIdentity(u: User, input: unknown, nowMs: number): { identity: Identity } | { details: ErrorDetails } {
    if (
      !isRecord(input) ||
      (input.type !== 'email' && input.type !== 'phone_number') ||
      typeof input.value !== 'string' ||
      !input.value
    ) {
      return {
        details: {
          base: [{ description: 'identity needs type (email or phone_number) and value', error: 'InvalidValue' }],
        },
      };
    }
    if (input.type === 'email') {
      if (!EMAIL_RE.test(input.value))
        return {
          details: {
            value: [{ description: `Value: ${input.value} is not properly formatted`, error: 'InvalidFormat' }],
          },
        };
      if (this.findByEmail(input.value))
        return {
          details: {
            value: [
              { description: `Value: ${input.value} is already being used by another user`, error: 'DuplicateValue' },
            ],
          },
        };
    }
    const first = !u.identities.some((i) => i.type === input.type);
    const identity = this.newIdentity(input.type, input.value, first, nowMs);
    u.identities.push(identity);
    if (identity.type === 'email') this.byEmail.set(identity.value.toLowerCase(), u.id);
    u.updatedMs = nowMs;
    return { identity };
  }

  makePrimary(u: User, identityId: number, nowMs: number): Identity[] | null {
    const target = u.identities.find((i) => i.id === identityId);
    if (!target) return null;
    for (const i of u.identities) if (i.type === target.type) i.primary = i.id === identityId;
    target.updatedMs = nowMs;
    u.updatedMs = nowMs;
    return u.identities;
  }

  private checkCommon(input: Record<string, unknown>, details: ErrorDetails, orgExists: (id: number) => boolean): void {
    if (typeof input.organization_id === 'number' && !orgExists(input.organization_id)) {
      details.organization_id = [
        { description: `Organization: ${input.organization_id} does not exist`, error: 'InvalidValue' },
      ];
    }
    if (input.role !== undefined && !(ROLES as readonly unknown[]).includes(input.role)) {
      details.role = [{ description: `Role: ${textOf(input.role)} is not a valid role`, error: 'InvalidValue' }];
    }
  }

  private newIdentity(type: Identity['type'], value: string, primary: boolean, nowMs: number): Identity {
    return { id: this.nextIdentityId++, type, value, primary, verified: false, createdMs: nowMs, updatedMs: nowMs };
  }

  toState(): UserStoreState {
    return { users: this.list(), nextId: this.nextId, nextIdentityId: this.nextIdentityId };
  }
}

function externalId(v: unknown): string | null {
  if (typeof v === 'string') return v === '' ? null : v;
  if (typeof v === 'number') return String(v);
  return null;
}

export function renderIdentity(i: Identity, userId: number, origin: string): Record<string, unknown> {
  return {
    url: `${origin}/api/v2/users/${userId}/identities/${i.id}.json`,
    id: i.id,
    user_id: userId,
    type: i.type,
    value: i.value,
    verified: i.verified,
    primary: i.primary,
    deliverable_state: 'deliverable',
    undeliverable_count: 0,
    created_at: isoSeconds(i.createdMs),
    updated_at: isoSeconds(i.updatedMs),
  };
}

/**
 * Wire shape. Keys the OpenAPI declares non-nullable (email, last_login_at, default_group_id)
 * are left out when there is no value rather than sent as null.
 */
export function renderUser(u: User, store: UserStore, origin: string): Record<string, unknown> {
  const email = store.primaryEmail(u);
  return {
    id: u.id,
    url: `${origin}/api/v2/users/${u.id}.json`,
    name: u.name,
    ...(email !== null ? { email } : {}),
    created_at: isoSeconds(u.createdMs),
    updated_at: isoSeconds(u.updatedMs),
    time_zone: 'Copenhagen',
    iana_time_zone: 'Europe/Copenhagen',
    phone: u.phone,
    shared_phone_number: null,
    photo: null,
    locale_id: 1,
    locale: 'en-US',
    organization_id: u.organization_id,
    role: u.role,
    verified: u.identities.some((i) => i.verified),
    external_id: u.external_id,
    tags: u.tags,
    alias: '',
    active: true,
    shared: false,
    shared_agent: false,
    two_factor_auth_enabled: null,
    signature: '',
    details: u.details,
    notes: u.notes,
    role_type: null,
    custom_role_id: null,
    moderator: u.role !== 'end-user',
    ticket_restriction: u.role === 'end-user' ? 'requested' : null,
    only_private_comments: false,
    restricted_agent: u.role === 'agent',
    suspended: false,
    report_csv: false,
    user_fields: u.user_fields,
  };
}
