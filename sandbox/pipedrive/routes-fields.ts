import type { Router } from '../framework/router.js';
import type { Handler, SimRequest } from '../framework/types.js';
import type { PipedriveContext } from './context.js';
import { notFound, ok } from './errors.js';
import {
  CUSTOM_FIELD_ENTITIES,
  FIELD_ENTITIES,
  newFieldV1,
  newFieldV2,
  optionLabels,
  renderFieldV1,
  renderFieldV2,
  type FieldDef,
  type FieldEntity,
} from './fields.js';
import { pathId, v1, v2 } from './handlers.js';
import { cursorPage, offsetPage, v2Limit } from './paging.js';
import { nonEmpty, object } from './values.js';

/** v1 answers under `/v1/...` and `/api/v1/...` alike (targets.md 2: base URLs). */
export function v1Routes(api: Router, method: 'get' | 'post' | 'put' | 'delete', path: string, h: Handler): void {
  api[method](`/v1${path}`, h);
  api[method](`/api/v1${path}`, h);
}

/** v2 field definitions (`field_code`, `field_name`), since 2025-12-03; options by id. */
export function registerFieldRoutesV2(api: Router, ctx: PipedriveContext): void {
  for (const entity of FIELD_ENTITIES) {
    const base = `/api/v2/${entity}Fields`;
    const find = (req: SimRequest) => ctx.fields.byKey(entity, req.params.field_code);
    api.get(
      base,
      v2((req) => {
        const page = cursorPage(
          ctx.fields.list(entity),
          (f) => [f.id, f.id] as const,
          false,
          req.query.cursor,
          v2Limit(req.query.limit),
        );
        return ok(page.items.map(renderFieldV2), { next_cursor: page.next_cursor });
      }),
    );
    api.get(
      `${base}/{field_code}`,
      v2((req) => {
        const f = find(req);
        return f ? ok(renderFieldV2(f)) : notFound('Field');
      }),
    );
    if (CUSTOM_FIELD_ENTITIES.includes(entity)) registerFieldWritesV2(api, ctx, entity);
  }
}

/** Create, rename, delete and add options: custom fields only (system fields are refused). */
function registerFieldWritesV2(api: Router, ctx: PipedriveContext, entity: FieldEntity): void {
  const base = `/api/v2/${entity}Fields`;
  const find = (req: SimRequest) => ctx.fields.byKey(entity, req.params.field_code);
  api.post(
    base,
    v2((req) => ok(renderFieldV2(create(ctx, entity, newFieldV2(req.body))))),
  );
  api.patch(
    `${base}/{field_code}`,
    v2((req) => {
      const f = find(req);
      if (!f) return notFound('Field');
      const b = object(req.body, 'body');
      const name = b.field_name === undefined ? undefined : nonEmpty(b.field_name, 'field_name');
      return ok(renderFieldV2(ctx.fields.update(f, { name }, ctx.nowMs())));
    }),
  );
  api.delete(
    `${base}/{field_code}`,
    v2((req) => {
      const f = find(req);
      if (!f) return notFound('Field');
      ctx.fields.remove(entity, f);
      return ok({ id: f.id, field_code: f.key });
    }),
  );
  api.post(
    `${base}/{field_code}/options`,
    v2((req) => {
      const f = find(req);
      if (!f) return notFound('Field');
      const labels = optionLabels(req.body, 'body', false);
      const before = f.options?.length ?? 0;
      ctx.fields.update(f, { addOptions: labels }, ctx.nowMs());
      return ok((f.options ?? []).slice(before));
    }),
  );
}

/** v1 `/{organization,person,deal}Fields`: still v1-only in part; numeric ids, `key`, start/limit pages. */
export function registerFieldRoutesV1(api: Router, ctx: PipedriveContext): void {
  for (const entity of CUSTOM_FIELD_ENTITIES) {
    const path = `/${entity}Fields`;
    const find = (req: SimRequest) => {
      const id = pathId(req.params.id);
      return id === undefined ? undefined : ctx.fields.byId(entity, id);
    };
    const render = (f: FieldDef) => renderFieldV1(f, ctx.fields.list(entity).indexOf(f) + 1);
    v1Routes(
      api,
      'get',
      path,
      v1((req) => {
        const page = offsetPage(ctx.fields.list(entity), req.query.start, req.query.limit);
        return ok(page.items.map(render), page.additional);
      }),
    );
    v1Routes(
      api,
      'post',
      path,
      v1((req) => ok(render(create(ctx, entity, newFieldV1(req.body))), undefined, 201)),
    );
    v1Routes(
      api,
      'get',
      `${path}/{id}`,
      v1((req) => {
        const f = find(req);
        return f ? ok(render(f)) : notFound('Field');
      }),
    );
    v1Routes(
      api,
      'put',
      `${path}/{id}`,
      v1((req) => {
        const f = find(req);
        if (!f) return notFound('Field');
        const b = object(req.body, 'body');
        const name = b.name === undefined ? undefined : nonEmpty(b.name, 'name');
        return ok(render(ctx.fields.update(f, { name }, ctx.nowMs())));
      }),
    );
    v1Routes(
      api,
      'delete',
      `${path}/{id}`,
      v1((req) => {
        const f = find(req);
        if (!f) return notFound('Field');
        ctx.fields.remove(entity, f);
        return ok({ id: f.id });
      }),
    );
  }
}

function create(ctx: PipedriveContext, entity: FieldEntity, f: ReturnType<typeof newFieldV2>): FieldDef {
  return ctx.fields.create(entity, f, ctx.nowMs(), ctx.knobs.duplicateFieldNames);
}
