import { listParam } from '../framework/query.js';
import type { Router } from '../framework/router.js';
import type { QueryParams, SimRequest, SimResponse } from '../framework/types.js';
import type { PipedriveContext } from './context.js';
import { ENTITY_SPECS, type EntitySpec } from './entities.js';
import { createEntity, deleteEntity, renderEntity, updateEntity } from './entity-writes.js';
import { notFound, ok } from './errors.js';
import { pathId, v2 } from './handlers.js';
import { cursorPage, v2Limit } from './paging.js';
import type { StoredRecord } from './records.js';
import { oneOf, parseRfc3339, ValidationError } from './values.js';

const SORT_BY = ['id', 'update_time', 'add_time'] as const;
const MAX_IDS = 100;
const MAX_CUSTOM_FIELD_KEYS = 15;

/** v2 CRUD for organizations, persons, deals and activities: PATCH (not PUT), cursor pages. */
export function registerEntityRoutes(api: Router, ctx: PipedriveContext): void {
  for (const spec of Object.values(ENTITY_SPECS)) {
    const base = `/api/v2/${spec.name}`;
    const find = (req: SimRequest) => {
      const id = pathId(req.params.id);
      return id === undefined ? undefined : ctx.stores[spec.name].get(id);
    };
    api.get(
      base,
      v2((req) => listEntities(ctx, spec, req)),
    );
    api.post(
      base,
      v2((req) => ok(renderEntity(ctx, spec, createEntity(ctx, spec, req.body, 'api')))),
    );
    api.get(
      `${base}/{id}`,
      v2((req) => {
        const r = find(req);
        return r ? ok(renderEntity(ctx, spec, r)) : notFound(spec.label);
      }),
    );
    api.patch(
      `${base}/{id}`,
      v2((req) => {
        const r = find(req);
        return r ? ok(renderEntity(ctx, spec, updateEntity(ctx, spec, r, req.body, 'api'))) : notFound(spec.label);
      }),
    );
    api.delete(
      `${base}/{id}`,
      v2((req) => {
        const id = pathId(req.params.id);
        return id !== undefined && deleteEntity(ctx, spec, id, 'api') ? ok({ id }) : notFound(spec.label);
      }),
    );
  }
}

/** GET /api/v2/{entity}: filters, sort_by/sort_direction, `custom_fields` narrowing, cursor paging. */
function listEntities(ctx: PipedriveContext, spec: EntitySpec, req: SimRequest): SimResponse {
  const q = req.query;
  const limit = v2Limit(q.limit);
  const sortBy = q.sort_by === undefined ? 'id' : oneOf(q.sort_by, SORT_BY, 'sort_by');
  const desc =
    q.sort_direction === undefined ? false : oneOf(q.sort_direction, ['asc', 'desc'], 'sort_direction') === 'desc';
  const keep = recordFilter(spec, q);
  const only = customFieldKeys(q.custom_fields);
  const items = ctx.stores[spec.name].list().filter(keep);
  const key = (r: StoredRecord) =>
    [sortBy === 'id' ? r.id : sortBy === 'add_time' ? r.addMs : r.updateMs, r.id] as const;
  const page = cursorPage(items, key, desc, q.cursor, limit);
  const data = page.items.map((r) => renderEntity(ctx, spec, r, only));
  return ok(data, { next_cursor: page.next_cursor });
}

function recordFilter(spec: EntitySpec, q: QueryParams): (r: StoredRecord) => boolean {
  const since = q.updated_since === undefined ? undefined : parseRfc3339(q.updated_since, 'updated_since');
  const until = q.updated_until === undefined ? undefined : parseRfc3339(q.updated_until, 'updated_until');
  const ids = listParam(q.ids);
  if (ids.length > MAX_IDS) throw new ValidationError(`ids: at most ${MAX_IDS}`);
  const wanted = new Set(ids.map(Number));
  const extra = Object.entries(spec.filters).flatMap(([name, test]) => {
    const value = q[name];
    return value === undefined ? [] : [{ test, value }];
  });
  // update_time has whole seconds on the wire, so the bounds compare at that precision too.
  const sec = (ms: number) => Math.floor(ms / 1000) * 1000;
  return (r) =>
    (since === undefined || sec(r.updateMs) >= since) &&
    (until === undefined || sec(r.updateMs) < until) &&
    (wanted.size === 0 || wanted.has(r.id)) &&
    extra.every(({ test, value }) => test(r, value));
}

function customFieldKeys(v: string | undefined): ReadonlySet<string> | undefined {
  if (v === undefined) return undefined;
  const keys = listParam(v);
  if (keys.length > MAX_CUSTOM_FIELD_KEYS)
    throw new ValidationError(`custom_fields: at most ${MAX_CUSTOM_FIELD_KEYS} keys`);
  return new Set(keys);
}
