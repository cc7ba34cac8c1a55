import type { PipedriveContext } from './context.js';
import { mergeCustomFields, renderCustomFields } from './custom-values.js';
import type { EntitySpec } from './entities.js';
import { changedFields } from './events.js';
import type { StoredRecord } from './records.js';
import { object, rfc3339, ValidationError } from './values.js';

/** Who made a change: the API, or a user in the web app (the admin routes). */
export type ChangeSource = 'api' | 'app';

/** The record in v2's wire shape; `only` narrows custom_fields (the list's `custom_fields` parameter). */
export function renderEntity(
  ctx: PipedriveContext,
  spec: EntitySpec,
  r: StoredRecord,
  only?: ReadonlySet<string>,
): Record<string, unknown> {
  const out = spec.render(r);
  if (spec.entity === 'activity') return out;
  const defs = ctx.fields.list(spec.entity);
  return { ...out, custom_fields: renderCustomFields(defs, r.custom, ctx.knobs.customFieldsInAnswers, only) };
}

/** Validates the body's fields one by one (v2 is strict: no coercion) into a copy of `base`. */
function acceptFields(
  ctx: PipedriveContext,
  spec: EntitySpec,
  body: Record<string, unknown>,
  base: Record<string, unknown>,
) {
  const next = { ...base };
  for (const [key, v] of Object.entries(body)) {
    if (key === 'custom_fields') continue;
    const validate = spec.writable[key];
    if (validate) next[key] = validate(v, key, ctx);
    else if (ctx.knobs.unknownBodyFields === 'reject') throw new ValidationError(`${key}: unknown or read-only field`);
  }
  return next;
}

function customOf(
  ctx: PipedriveContext,
  spec: EntitySpec,
  body: Record<string, unknown>,
  stored: Record<string, unknown>,
) {
  if (body.custom_fields === undefined) return stored;
  if (spec.entity === 'activity') throw new ValidationError('custom_fields: activities have no custom fields');
  return mergeCustomFields(ctx.fields.list(spec.entity), body.custom_fields, stored);
}

/** POST /api/v2/{entity}: required fields, defaults, derived fields; an event for webhooks. */
export function createEntity(
  ctx: PipedriveContext,
  spec: EntitySpec,
  body: unknown,
  source: ChangeSource,
): StoredRecord {
  const b = object(body, 'body');
  for (const k of spec.required) if (b[k] === undefined) throw new ValidationError(`${k}: is required`);
  const now = ctx.nowMs();
  const fields = acceptFields(ctx, spec, b, spec.defaults(ctx));
  const custom = customOf(ctx, spec, b, {});
  spec.derive?.(fields, {}, rfc3339(now));
  const r = ctx.stores[spec.name].add(fields, custom, now, ctx.knobs.searchIndexDelayMs);
  ctx.written[spec.name].add(r.id);
  const data = renderEntity(ctx, spec, r);
  ctx.events.record({
    action: 'create',
    entity: spec.entity,
    entityId: r.id,
    data,
    previous: null,
    atMs: now,
    changeSource: source,
  });
  return r;
}

/** PATCH /api/v2/{entity}/{id}: only the given fields change; `previous` holds their earlier values. */
export function updateEntity(
  ctx: PipedriveContext,
  spec: EntitySpec,
  r: StoredRecord,
  body: unknown,
  source: ChangeSource,
): StoredRecord {
  const b = object(body, 'body');
  for (const k of spec.required) {
    if (k in b && (b[k] === null || b[k] === '')) throw new ValidationError(`${k}: must not be empty`);
  }
  const now = ctx.nowMs();
  const before = renderEntity(ctx, spec, r);
  const fields = acceptFields(ctx, spec, b, r.fields);
  const custom = customOf(ctx, spec, b, r.custom);
  spec.derive?.(fields, r.fields, rfc3339(now));
  ctx.stores[spec.name].change(r, fields, custom, now, ctx.knobs.searchIndexDelayMs);
  ctx.written[spec.name].add(r.id);
  const data = renderEntity(ctx, spec, r);
  const previous = changedFields(before, data);
  ctx.events.record({
    action: 'change',
    entity: spec.entity,
    entityId: r.id,
    data,
    previous,
    atMs: now,
    changeSource: source,
  });
  return r;
}

/** DELETE /api/v2/{entity}/{id}: the record is gone from lists, gets and search. */
export function deleteEntity(ctx: PipedriveContext, spec: EntitySpec, id: number, source: ChangeSource): boolean {
  const r = ctx.stores[spec.name].get(id);
  if (!r) return false;
  const previous = renderEntity(ctx, spec, r);
  ctx.stores[spec.name].remove(id);
  const atMs = ctx.nowMs();
  ctx.events.record({
    action: 'delete',
    entity: spec.entity,
    entityId: id,
    data: null,
    previous,
    atMs,
    changeSource: source,
  });
  return true;
}
