import { listParam } from '../framework/query.js';
import type { Router } from '../framework/router.js';
import type { QueryParams, SimRequest, SimResponse } from '../framework/types.js';
import { STAGES } from './catalog.js';
import type { EntityName, PipedriveContext } from './context.js';
import { searchableText } from './custom-values.js';
import { ok } from './errors.js';
import { SEARCHABLE_TYPES, type FieldEntity } from './fields.js';
import { v2 } from './handlers.js';
import { cursorPage, v2Limit } from './paging.js';
import type { StoredRecord } from './records.js';
import { queryBool, ValidationError } from './values.js';

type Searchable = 'organizations' | 'persons' | 'deals';

/** The `fields` each search takes (PD-SDK v2 search operations). */
const SEARCH_FIELDS: Record<Searchable, readonly string[]> = {
  organizations: ['address', 'custom_fields', 'notes', 'name'],
  persons: ['custom_fields', 'email', 'notes', 'phone', 'name'],
  deals: ['custom_fields', 'notes', 'title'],
};

const ENTITY_OF: Record<Searchable, FieldEntity> = { organizations: 'organization', persons: 'person', deals: 'deal' };

interface Hit {
  r: StoredRecord;
  score: number;
  /** Matching custom field values, without their keys (the item's `custom_fields`). */
  custom: string[];
  notes: string[];
}

/** GET /api/v2/{organizations,persons,deals}/search: term, fields, exact_match (not case-sensitive), cursor pages. */
export function registerSearchRoutes(api: Router, ctx: PipedriveContext): void {
  for (const name of Object.keys(SEARCH_FIELDS) as Searchable[]) {
    api.get(
      `/api/v2/${name}/search`,
      v2((req) => search(ctx, name, req)),
    );
  }
}

function search(ctx: PipedriveContext, name: Searchable, req: SimRequest): SimResponse {
  const q = req.query;
  const exact = queryBool(q.exact_match, 'exact_match') ?? false;
  const term = (q.term ?? '').trim();
  if (term.length < (exact ? 1 : 2)) throw new ValidationError('term: at least 2 characters, or 1 with exact_match');
  const fields = listParam(q.fields);
  for (const f of fields) {
    if (!SEARCH_FIELDS[name].includes(f))
      throw new ValidationError(`fields: must be among ${SEARCH_FIELDS[name].join(', ')}`);
  }
  const limit = v2Limit(q.limit);
  const now = ctx.nowMs();
  const hits: Hit[] = [];
  for (const r of ctx.stores[name].list()) {
    if (r.indexedMs > now || !passesFilters(ctx, name, r, q)) continue;
    const hit = match(ctx, name, r, term.toLowerCase(), exact, new Set(fields.length ? fields : SEARCH_FIELDS[name]));
    if (hit) hits.push(hit);
  }
  // Best score first; the cursor keeps that order across pages.
  const page = cursorPage(hits, (h) => [Math.round((1 - h.score) * 1e6), h.r.id] as const, false, q.cursor, limit);
  const items = page.items.map((h) => ({ result_score: h.score, item: renderItem(ctx, name, h) }));
  return ok({ items }, { next_cursor: page.next_cursor });
}

function passesFilters(ctx: PipedriveContext, name: Searchable, r: StoredRecord, q: QueryParams): boolean {
  const f = r.fields;
  if (q.organization_id !== undefined && String(f.org_id) !== q.organization_id) return false;
  if (name !== 'deals') return true;
  if (q.person_id !== undefined && String(f.person_id) !== q.person_id) return false;
  if (q.status !== undefined) return q.status.split(',').includes(String(f.status));
  return !ctx.knobs.dealSearchOpenOnly || f.status === 'open';
}

/** Texts of one record per searchable field. */
function texts(ctx: PipedriveContext, name: Searchable, r: StoredRecord, field: string): string[] {
  const f = r.fields;
  const values = (v: unknown) => ((v ?? []) as Array<{ value: string }>).map((x) => x.value);
  switch (field) {
    case 'name':
      return [String(f.name)];
    case 'title':
      return [String(f.title)];
    case 'address':
      return f.address ? [(f.address as { value: string }).value] : [];
    case 'email':
      return values(f.emails);
    case 'phone':
      return values(f.phones);
    case 'notes':
      return notesOf(ctx, name, r.id);
    default:
      return [];
  }
}

function notesOf(ctx: PipedriveContext, name: EntityName, id: number): string[] {
  const key = name === 'organizations' ? 'org_id' : name === 'persons' ? 'person_id' : 'deal_id';
  return ctx.notes
    .list()
    .filter((n) => n[key] === id)
    .map((n) => n.content);
}

function score(text: string, term: string, exact: boolean): number {
  const t = text.toLowerCase();
  if (t === term) return 1;
  if (exact || !t.includes(term)) return 0;
  return Math.round((term.length / t.length) * 1000) / 1000;
}

function match(
  ctx: PipedriveContext,
  name: Searchable,
  r: StoredRecord,
  term: string,
  exact: boolean,
  fields: Set<string>,
) {
  const hit: Hit = { r, score: 0, custom: [], notes: [] };
  for (const field of fields) {
    if (field === 'custom_fields') continue;
    for (const text of texts(ctx, name, r, field)) {
      const s = score(text, term, exact);
      if (s > 0 && field === 'notes') hit.notes.push(text);
      hit.score = Math.max(hit.score, s);
    }
  }
  if (fields.has('custom_fields')) {
    for (const def of ctx.fields.custom(ENTITY_OF[name])) {
      if (!SEARCHABLE_TYPES.includes(def.type)) continue;
      const text = searchableText(r.custom[def.key]);
      const s = text === undefined ? 0 : score(text, term, exact);
      if (s > 0) hit.custom.push(text as string);
      hit.score = Math.max(hit.score, s);
    }
  }
  return hit.score > 0 ? hit : undefined;
}

/** The search item shapes of PD-SDK v2 (OrganizationSearchItem, PersonSearchItemItem, DealSearchItem). */
function renderItem(ctx: PipedriveContext, name: Searchable, h: Hit): Record<string, unknown> {
  const f = h.r.fields;
  const common = {
    id: h.r.id,
    visible_to: f.visible_to,
    owner: { id: f.owner_id },
    custom_fields: h.custom,
    notes: h.notes,
  };
  const org = (id: unknown) => {
    const o = typeof id === 'number' ? ctx.stores.organizations.get(id) : undefined;
    return o
      ? { id: o.id, name: o.fields.name, address: (o.fields.address as { value?: string } | null)?.value ?? null }
      : null;
  };
  if (name === 'organizations') {
    const address = (f.address as { value?: string } | null)?.value ?? null;
    return { ...common, type: 'organization', name: f.name, address };
  }
  if (name === 'persons') {
    const vals = (v: unknown) => ((v ?? []) as Array<{ value: string }>).map((x) => x.value);
    return {
      ...common,
      type: 'person',
      name: f.name,
      phones: vals(f.phones),
      emails: vals(f.emails),
      organization: org(f.org_id),
    };
  }
  const person = typeof f.person_id === 'number' ? ctx.stores.persons.get(f.person_id) : undefined;
  const stage = STAGES.find((s) => s.id === f.stage_id);
  return {
    ...common,
    type: 'deal',
    title: f.title,
    value: f.value,
    currency: f.currency,
    status: f.status,
    stage: stage ? { id: stage.id, name: stage.name } : null,
    person: person ? { id: person.id, name: person.fields.name } : null,
    organization: org(f.org_id),
  };
}
