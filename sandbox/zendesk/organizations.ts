import { isRecord } from '../framework/types.js';
import type { ErrorDetails } from './errors.js';
import { coerceFieldValue, isoSeconds, type FieldValue, type OrgFieldStore } from './org-fields.js';

export interface Org {
  id: number;
  name: string;
  external_id: string | null;
  details: string | null;
  notes: string | null;
  group_id: number | null;
  domain_names: string[];
  tags: string[];
  shared_tickets: boolean;
  shared_comments: boolean;
  fields: Record<string, FieldValue>;
  createdMs: number;
  updatedMs: number;
}

export interface OrgRules {
  unknownFieldPolicy: 'ignore' | 'reject';
  orgNameCaseSensitive: boolean;
}

export interface OrgStoreState {
  orgs: Org[];
  nextId: number;
}

export type OrgWrite =
  { ok: true; org: Org; created: boolean; changed: boolean } | { ok: false; details: ErrorDetails };

/**
 * Organizations with Zendesk's uniqueness rules: `external_id` unique ignoring case,
 * `name` unique after trimming. Ids ascend, so the id-ordered array serves cursor paging.
 */
export class OrgStore {
  private readonly byId = new Map<number, Org>();
  /** Organizations in ascending id order (cursor pagination binary-searches it). */
  private ordered: Org[] = [];
  private readonly byExternal = new Map<string, number>();
  private readonly byName = new Map<string, number>();
  private nextId = 900_000_000_001;

  constructor(
    private readonly fields: OrgFieldStore,
    private readonly rules: () => OrgRules,
    state?: OrgStoreState,
  ) {
    if (state) {
      this.nextId = state.nextId;
      for (const o of [...state.orgs].sort((a, b) => a.id - b.id)) this.index(o);
    }
  }

  get count(): number {
    return this.ordered.length;
  }

  get(id: number): Org | undefined {
    return this.byId.get(id);
  }

  /** All organizations in id order (live array: do not modify). */
  list(): readonly Org[] {
    return this.ordered;
  }

  findByExternalId(ext: string): Org | undefined {
    const id = this.byExternal.get(ext.toLowerCase());
    return id === undefined ? undefined : this.byId.get(id);
  }

  findByName(name: string): Org | undefined {
    const id = this.byName.get(this.nameKey(name));
    return id === undefined ? undefined : this.byId.get(id);
  }

  private nameKey(name: string): string {
    const t = name.trim();
    return this.rules().orgNameCaseSensitive ? t : t.toLowerCase();
  }

  private index(o: Org): void {
    this.byId.set(o.id, o);
    this.ordered.push(o);
    if (o.external_id !== null) this.byExternal.set(o.external_id.toLowerCase(), o.id);
    this.byName.set(this.nameKey(o.name), o.id);
  }

  create(input: unknown, nowMs: number): OrgWrite {
    if (!isRecord(input))
      return { ok: false, details: { base: [{ description: 'organization is required', error: 'InvalidValue' }] } };
    const details: ErrorDetails = {};
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (!name) details.name = [{ description: 'Name: cannot be blank', error: 'BlankValue' }];
    else if (this.findByName(name))
      details.name = [{ description: `Name: ${name} has already been taken`, error: 'DuplicateValue' }];
    const ext = externalId(input.external_id);
    if (ext && this.findByExternalId(ext))
      details.external_id = [{ description: `External: ${ext} has already been taken`, error: 'DuplicateValue' }];
    const fieldValues = this.coerceFields(input.organization_fields, {}, details);
    if (Object.keys(details).length > 0) return { ok: false, details };
    const org: Org = {
      id: this.nextId++,
      name,
      external_id: ext,
      details: nullableString(input.details),
      notes: nullableString(input.notes),
      group_id: typeof input.group_id === 'number' ? input.group_id : null,
      domain_names: stringList(input.domain_names),
      tags: stringList(input.tags),
      shared_tickets: input.shared_tickets === true,
      shared_comments: input.shared_comments === true,
      fields: fieldValues,
      createdMs: nowMs,
      updatedMs: nowMs,
    };
    this.index(org);
    return { ok: true, org, created: true, changed: true };
  }

  /** Partial update. `updated_at` only moves when something actually changed. */
  update(org: Org, input: unknown, nowMs: number): OrgWrite {
    if (!isRecord(input))
      return { ok: false, details: { base: [{ description: 'organization is required', error: 'InvalidValue' }] } };
    const details: ErrorDetails = {};
    const next: Org = { ...org, fields: { ...org.fields } };
    if (input.name !== undefined) {
      const name = typeof input.name === 'string' ? input.name.trim() : '';
      const holder = name ? this.findByName(name) : undefined;
      if (!name) details.name = [{ description: 'Name: cannot be blank', error: 'BlankValue' }];
      else if (holder && holder.id !== org.id)
        details.name = [{ description: `Name: ${name} has already been taken`, error: 'DuplicateValue' }];
      else next.name = name;
    }
    if (input.external_id !== undefined) {
      const ext = externalId(input.external_id);
      const holder = ext ? this.findByExternalId(ext) : undefined;
      if (holder && holder.id !== org.id)
        details.external_id = [{ description: `External: ${ext} has already been taken`, error: 'DuplicateValue' }];
      else next.external_id = ext;
    }
    if (input.details !== undefined) next.details = nullableString(input.details);
    if (input.notes !== undefined) next.notes = nullableString(input.notes);
    if (input.group_id !== undefined) next.group_id = typeof input.group_id === 'number' ? input.group_id : null;
    // Lists are replaced, not merged (documented for domain_names).
    if (input.domain_names !== undefined) next.domain_names = stringList(input.domain_names);
    if (input.tags !== undefined) next.tags = stringList(input.tags);
    if (typeof input.shared_tickets === 'boolean') next.shared_tickets = input.shared_tickets;
    if (typeof input.shared_comments === 'boolean') next.shared_comments = input.shared_comments;
    next.fields = this.coerceFields(input.organization_fields, org.fields, details);
    if (Object.keys(details).length > 0) return { ok: false, details };

    const changed = JSON.stringify({ ...next, updatedMs: 0 }) !== JSON.stringify({ ...org, updatedMs: 0 });
    if (!changed) return { ok: true, org, created: false, changed: false };
    if (org.external_id !== null) this.byExternal.delete(org.external_id.toLowerCase());
    this.byName.delete(this.nameKey(org.name));
    Object.assign(org, next, { updatedMs: nowMs });
    if (org.external_id !== null) this.byExternal.set(org.external_id.toLowerCase(), org.id);
    this.byName.set(this.nameKey(org.name), org.id);
    return { ok: true, org, created: false, changed: true };
  }

  /** create_or_update: matches `id`, then `external_id` (case-insensitive), never `name`. */
  upsert(input: unknown, nowMs: number): OrgWrite {
    if (!isRecord(input)) return this.create(input, nowMs);
    const byId = typeof input.id === 'number' ? this.get(input.id) : undefined;
    const ext = externalId(input.external_id);
    const match = byId ?? (ext ? this.findByExternalId(ext) : undefined);
    return match ? this.update(match, input, nowMs) : this.create(input, nowMs);
  }

  delete(id: number): boolean {
    const o = this.byId.get(id);
    if (!o) return false;
    this.byId.delete(id);
    const i = lowerBound(this.ordered, id);
    if (this.ordered[i]?.id === id) this.ordered.splice(i, 1);
    if (o.external_id !== null) this.byExternal.delete(o.external_id.toLowerCase());
    this.byName.delete(this.nameKey(o.name));
    return true;
  }

  /** Clears values that no longer fit their field (deleted field, removed dropdown option). */
  dropFieldValues(key: string, onlyValues?: string[]): void {
    for (const o of this.byId.values()) {
      if (!(key in o.fields)) continue;
      const v = o.fields[key];
      if (!onlyValues) {
        const { [key]: _dropped, ...rest } = o.fields;
        o.fields = rest;
      } else if (typeof v === 'string' && onlyValues.includes(v)) o.fields[key] = null;
      else if (Array.isArray(v)) o.fields[key] = v.filter((x) => !onlyValues.includes(x));
    }
  }

  private coerceFields(
    raw: unknown,
    current: Record<string, FieldValue>,
    details: ErrorDetails,
  ): Record<string, FieldValue> {
    const out = { ...current };
    if (raw === undefined || raw === null) return out;
    if (!isRecord(raw)) {
      details.organization_fields = [{ description: 'Organization fields: must be an object', error: 'InvalidValue' }];
      return out;
    }
    for (const [key, v] of Object.entries(raw)) {
      const f = this.fields.byKey(key);
      if (!f) {
        if (this.rules().unknownFieldPolicy === 'reject')
          details[key] = [{ description: `${key}: is not a defined organization field`, error: 'InvalidValue' }];
        continue;
      }
      const c = coerceFieldValue(f, v);
      if (c.ok) out[key] = c.value;
      else details[key] = [{ description: c.message, error: 'InvalidValue' }];
    }
    return out;
  }

  toState(): OrgStoreState {
    return { orgs: [...this.ordered], nextId: this.nextId };
  }
}

function externalId(v: unknown): string | null {
  if (typeof v === 'string') return v.trim() === '' ? null : v;
  if (typeof v === 'number') return String(v);
  return null;
}

function nullableString(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function stringList(v: unknown): string[] {
  if (typeof v === 'string') return v.split(/[\s,]+/).filter(Boolean);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** First index whose id is >= `id`, in an id-ordered list. */
export function lowerBound(sorted: readonly { id: number }[], id: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid].id < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose id is > `id`, in an id-ordered list. */
export function upperBound(sorted: readonly { id: number }[], id: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid].id <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface OrgRenderOptions {
  origin: string;
  dateFieldFormat: 'datetime' | 'date';
}

/** Wire shape. Every defined field key is listed; unset ones are null. */
export function renderOrg(o: Org, fields: OrgFieldStore, opts: OrgRenderOptions): Record<string, unknown> {
  const values: Record<string, FieldValue> = {};
  for (const f of fields.list()) {
    const v = o.fields[f.key] ?? null;
    values[f.key] =
      f.type === 'date' && typeof v === 'string' && opts.dateFieldFormat === 'datetime' ? `${v}T00:00:00+00:00` : v;
  }
  return {
    url: `${opts.origin}/api/v2/organizations/${o.id}.json`,
    id: o.id,
    name: o.name,
    shared_tickets: o.shared_tickets,
    shared_comments: o.shared_comments,
    external_id: o.external_id,
    created_at: isoSeconds(o.createdMs),
    updated_at: isoSeconds(o.updatedMs),
    domain_names: o.domain_names,
    details: o.details,
    notes: o.notes,
    group_id: o.group_id,
    tags: o.tags,
    organization_fields: values,
  };
}
