import { ACTIVITY_TYPE_KEYS, DEFAULT_CURRENCY, STAGES } from './catalog.js';
import type { EntityName, PipedriveContext } from './context.js';
import type { FieldEntity } from './fields.js';
import type { StoredRecord } from './records.js';
import * as V from './values.js';

type Validator = (v: unknown, field: string, ctx: PipedriveContext) => unknown;

/** How v2 accepts, completes and renders one entity (PD-SDK v2 Add*Request and *Item models). */
export interface EntitySpec {
  name: EntityName;
  entity: FieldEntity;
  label: string;
  required: string[];
  /** Body fields a write may set, by name; a name not here is unknown or read-only. */
  writable: Partial<Record<string, Validator>>;
  defaults(ctx: PipedriveContext): Record<string, unknown>;
  /** Fields that follow from others (won_time from status, ...), given the record before the write. */
  derive?(next: Record<string, unknown>, prev: Record<string, unknown>, nowIso: string): void;
  render(r: StoredRecord): Record<string, unknown>;
  /** List query parameters beyond the common ones: name -> keep the record? */
  filters: Record<string, (r: StoredRecord, v: string) => boolean>;
}

const VISIBLE_TO = [1, 3, 5, 7] as const;
const HHMM = /^\d{2}:\d{2}$/;

function related(store: EntityName, label: string): Validator {
  return (v, field, ctx) => {
    const id = V.intOrNull(v, field);
    if (id !== null && !ctx.stores[store].has(id)) throw new V.ValidationError(`${field}: ${label} ${id} not found`);
    return id;
  };
}

function contacts(v: unknown, field: string): Array<Record<string, unknown>> {
  if (!Array.isArray(v)) throw new V.ValidationError(`${field}: must be an array of {value, primary, label}`);
  return v.map((x, i) => {
    const o = V.object(x, `${field}[${i}]`);
    const out: Record<string, unknown> = { value: V.str(o.value, `${field}[${i}].value`) };
    out.primary = o.primary === undefined ? i === 0 : V.bool(o.primary, `${field}[${i}].primary`);
    out.label = o.label === undefined ? 'work' : V.str(o.label, `${field}[${i}].label`);
    return out;
  });
}

const nullable =
  (f: Validator): Validator =>
  (v, field, ctx) =>
    v === null ? null : f(v, field, ctx);
const hhmm: Validator = (v, field) => {
  if (typeof v !== 'string' || !HHMM.test(v)) throw new V.ValidationError(`${field}: must be a time HH:MM`);
  return v;
};

const common: Record<string, Validator> = {
  owner_id: (v, f) => V.int(v, f),
  visible_to: (v, f) => V.oneOf(v, VISIBLE_TO, f),
  label_ids: (v, f) => V.intArray(v, f),
};

const times = (r: StoredRecord) => ({ add_time: V.rfc3339(r.addMs), update_time: V.rfc3339(r.updateMs) });
const eq = (a: unknown, v: string) => String(a) === v;

export const organizationSpec: EntitySpec = {
  name: 'organizations',
  entity: 'organization',
  label: 'Organization',
  required: ['name'],
  writable: {
    ...common,
    name: (v, f) => V.nonEmpty(v, f),
    address: nullable((v, f) => {
      const o = V.object(v, f);
      V.str(o.value, `${f}.value`);
      return { ...o };
    }),
  },
  defaults: (ctx) => ({ owner_id: ctx.account.userId, visible_to: 3, label_ids: [], address: null }),
  render: (r) => ({ id: r.id, ...r.fields, ...times(r), is_deleted: false }),
  filters: { owner_id: (r, v) => eq(r.fields.owner_id, v) },
};

export const personSpec: EntitySpec = {
  name: 'persons',
  entity: 'person',
  label: 'Person',
  required: ['name'],
  writable: {
    ...common,
    name: (v, f) => V.nonEmpty(v, f),
    org_id: related('organizations', 'Organization'),
    emails: (v, f) => contacts(v, f),
    phones: (v, f) => contacts(v, f),
  },
  defaults: (ctx) => ({
    owner_id: ctx.account.userId,
    org_id: null,
    emails: [],
    phones: [],
    visible_to: 3,
    label_ids: [],
  }),
  render: (r) => {
    const name = String(r.fields.name);
    const [first, ...rest] = name.split(' ');
    return {
      id: r.id,
      ...r.fields,
      first_name: first,
      last_name: rest.join(' ') || null,
      ...times(r),
      is_deleted: false,
    };
  },
  filters: { org_id: (r, v) => eq(r.fields.org_id, v), owner_id: (r, v) => eq(r.fields.owner_id, v) },
};

export const dealSpec: EntitySpec = {
  name: 'deals',
  entity: 'deal',
  label: 'Deal',
  required: ['title'],
  writable: {
    ...common,
    title: (v, f) => V.nonEmpty(v, f),
    value: (v, f) => V.num(v, f),
    currency: (v, f) => {
      const c = V.str(v, f, 3);
      if (!/^[A-Z]{3}$/.test(c)) throw new V.ValidationError(`${f}: must be a 3-letter ISO currency code`);
      return c;
    },
    person_id: related('persons', 'Person'),
    org_id: related('organizations', 'Organization'),
    pipeline_id: (v, f) => V.oneOf(v, [...new Set(STAGES.map((s) => s.pipeline_id))], f),
    stage_id: (v, f) =>
      V.oneOf(
        v,
        STAGES.map((s) => s.id),
        f,
      ),
    status: (v, f) => V.oneOf(v, ['open', 'won', 'lost'], f),
    expected_close_date: nullable((v, f) => V.date(v, f)),
    probability: nullable((v, f) => V.num(v, f)),
    lost_reason: nullable((v, f) => V.str(v, f)),
  },
  defaults: (ctx) => ({
    owner_id: ctx.account.userId,
    person_id: null,
    org_id: null,
    value: 0,
    currency: DEFAULT_CURRENCY,
    pipeline_id: STAGES[0].pipeline_id,
    stage_id: STAGES[0].id,
    status: 'open',
    probability: null,
    lost_reason: null,
    expected_close_date: null,
    visible_to: 3,
    label_ids: [],
  }),
  derive: deriveDeal,
  render: (r) => ({
    id: r.id,
    ...r.fields,
    ...times(r),
    is_deleted: false,
    origin: 'API',
    origin_id: null,
    channel: null,
    channel_id: null,
  }),
  filters: {
    person_id: (r, v) => eq(r.fields.person_id, v),
    org_id: (r, v) => eq(r.fields.org_id, v),
    stage_id: (r, v) => eq(r.fields.stage_id, v),
    pipeline_id: (r, v) => eq(r.fields.pipeline_id, v),
    status: (r, v) => v.split(',').includes(String(r.fields.status)),
  },
};

/** Stage and status changes stamp their times; the stage decides the pipeline. */
function deriveDeal(next: Record<string, unknown>, prev: Record<string, unknown>, nowIso: string): void {
  if (next.stage_id === prev.stage_id && next.pipeline_id !== prev.pipeline_id) {
    next.stage_id = STAGES.find((s) => s.pipeline_id === next.pipeline_id)?.id ?? next.stage_id;
  }
  next.pipeline_id = STAGES.find((s) => s.id === next.stage_id)?.pipeline_id ?? next.pipeline_id;
  if (next.stage_id !== prev.stage_id) next.stage_change_time = nowIso;
  if (next.status === prev.status) return;
  next.won_time = next.status === 'won' ? nowIso : null;
  next.lost_time = next.status === 'lost' ? nowIso : null;
  next.close_time = next.status === 'open' ? null : nowIso;
}

function participants(v: unknown, field: string, ctx: PipedriveContext): Array<Record<string, unknown>> {
  if (!Array.isArray(v)) throw new V.ValidationError(`${field}: must be an array of {person_id, primary}`);
  return v.map((x, i) => {
    const o = V.object(x, `${field}[${i}]`);
    const personId = related('persons', 'Person')(o.person_id, `${field}[${i}].person_id`, ctx);
    return {
      person_id: personId,
      primary: o.primary === undefined ? i === 0 : V.bool(o.primary, `${field}[${i}].primary`),
    };
  });
}

export const activitySpec: EntitySpec = {
  name: 'activities',
  entity: 'activity',
  label: 'Activity',
  required: [],
  writable: {
    owner_id: common.owner_id,
    subject: (v, f) => V.str(v, f),
    type: (v, f) => V.oneOf(v, ACTIVITY_TYPE_KEYS, f),
    deal_id: related('deals', 'Deal'),
    org_id: related('organizations', 'Organization'),
    participants,
    due_date: nullable((v, f) => V.date(v, f)),
    due_time: nullable(hhmm),
    duration: nullable(hhmm),
    done: (v, f) => V.bool(v, f),
    busy: (v, f) => V.bool(v, f),
    note: nullable((v, f) => V.str(v, f, 65_535)),
  },
  defaults: (ctx) => ({
    owner_id: ctx.account.userId,
    subject: 'Call',
    type: 'call',
    deal_id: null,
    org_id: null,
    participants: [],
    due_date: null,
    due_time: null,
    duration: null,
    done: false,
    busy: false,
    note: null,
  }),
  derive: (next, prev, nowIso) => {
    if (next.done !== prev.done) next.marked_as_done_time = next.done ? nowIso : null;
  },
  render: (r) => {
    const parts = (r.fields.participants ?? []) as Array<{ person_id: number; primary: boolean }>;
    // v2 reads person_id from the primary participant; it cannot be written.
    const person = parts.find((p) => p.primary) ?? parts.at(0);
    return {
      id: r.id,
      ...r.fields,
      person_id: person?.person_id ?? null,
      lead_id: null,
      ...times(r),
      is_deleted: false,
    };
  },
  filters: {
    deal_id: (r, v) => eq(r.fields.deal_id, v),
    org_id: (r, v) => eq(r.fields.org_id, v),
    owner_id: (r, v) => eq(r.fields.owner_id, v),
    done: (r, v) => eq(r.fields.done, v),
    person_id: (r, v) =>
      ((r.fields.participants ?? []) as Array<{ person_id: number }>).some((p) => eq(p.person_id, v)),
  },
};

export const ENTITY_SPECS: Record<EntityName, EntitySpec> = {
  organizations: organizationSpec,
  persons: personSpec,
  deals: dealSpec,
  activities: activitySpec,
};
