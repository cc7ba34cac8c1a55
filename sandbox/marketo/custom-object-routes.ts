import { listParam } from '../framework/query.js';
import type { Router } from '../framework/router.js';
import { isRecord, type SimResponse } from '../framework/types.js';
import { missing, parseBatch, type SyncRequest } from './company-sync.js';
import { isoSeconds, reason, type MarketoContext, type Reason } from './context.js';
import { dedupeKey, describeCustomObject, renderCustomObject, type CustomObjectType } from './custom-objects.js';
import { coerceValue } from './fields.js';

const skipped = (seq: number, reasons: Reason[]) => ({ seq, status: 'skipped', reasons });

/** Custom objects (custom-objects.md): list, describe, sync, query and delete, results keyed by marketoGUID. */
export function registerCustomObjectRoutes(api: Router, ctx: MarketoContext): void {
  const withType =
    (fn: (t: CustomObjectType, req: { body: unknown; query: URLSearchParams }) => SimResponse) =>
    (req: { params: Record<string, string>; body: unknown; queryAll: URLSearchParams }) => {
      const name = req.params.apiName;
      // The sync and query paths end in `{apiName}.json`; the sub-resource paths carry the bare name.
      const t = ctx.customObjects.type(name.endsWith('.json') ? name.slice(0, -5) : name);
      // An unknown type's answer is not documented; 610 as for any resource that is not there. UNCONFIRMED.
      return t ? fn(t, { body: req.body, query: req.queryAll }) : ctx.env.code('610');
    };
  const withJson: typeof withType = (fn) => (req) =>
    req.params.apiName.endsWith('.json') ? withType(fn)(req) : ctx.env.code('610');
  api.get('/rest/v1/customobjects.json', (req) => {
    const names = listParam(req.query.names);
    const types = ctx.customObjects.typeList().filter((t) => !names.length || names.includes(t.apiName));
    return ctx.env.ok(
      types.map((t) => {
        const { fields: _fields, ...meta } = describeCustomObject(ctx.customObjects, t, ctx.schemaUpdatedAt());
        return meta;
      }),
    );
  });
  api.get(
    '/rest/v1/customobjects/{apiName}/describe.json',
    withType((t) => ctx.env.ok([describeCustomObject(ctx.customObjects, t, ctx.schemaUpdatedAt())])),
  );
  api.post(
    '/rest/v1/customobjects/{apiName}/delete.json',
    withType((t, r) => deleteRecords(ctx, t, r.body)),
  );
  api.post(
    '/rest/v1/customobjects/{apiName}',
    withJson((t, r) => syncRecords(ctx, t, r.body)),
  );
  api.get(
    '/rest/v1/customobjects/{apiName}',
    withJson((t, r) => queryRecords(ctx, t, r.query)),
  );
}

function keyFor(t: CustomObjectType, rec: unknown, by: SyncRequest['by']): string | undefined {
  if (!isRecord(rec)) return undefined;
  if (by === 'idField') return typeof rec.marketoGUID === 'string' && rec.marketoGUID ? rec.marketoGUID : undefined;
  return dedupeKey(t, rec);
}

function syncRecords(ctx: MarketoContext, t: CustomObjectType, body: unknown): SimResponse {
  const req = parseBatch(ctx, body, 'dedupeBy');
  if ('status' in req) return req;
  const seen = new Set<string>();
  const now = isoSeconds(ctx.nowMs());
  return ctx.env.ok(
    req.input.map((rec, seq) => {
      const key = keyFor(t, rec, req.by);
      if (key !== undefined && seen.has(key)) return skipped(seq, [reason('1036', 'Duplicate object found in input')]);
      if (key !== undefined) seen.add(key);
      return syncRecord(ctx, t, req, rec, key, seq, now);
    }),
  );
}

function syncRecord(
  ctx: MarketoContext,
  t: CustomObjectType,
  req: SyncRequest,
  rec: unknown,
  key: string | undefined,
  seq: number,
  now: string,
): Record<string, unknown> {
  if (!isRecord(rec)) return skipped(seq, [reason('1003', 'Invalid data')]);
  // "idField is valid only with updateOnly" (custom-objects.md).
  if (req.by === 'idField' && req.action !== 'updateOnly') return skipped(seq, [reason('1003', 'Invalid data')]);
  if (key === undefined)
    return skipped(seq, [
      reason(
        '1002',
        `Missing value for required parameter '${req.by === 'idField' ? 'marketoGUID' : t.dedupeFields.join(',')}'`,
      ),
    ]);
  const values: Record<string, unknown> = {};
  const reasons: Reason[] = [];
  for (const [name, v] of Object.entries(rec)) {
    if (name === 'marketoGUID' && req.by === 'idField') continue;
    const f = ctx.customObjects.field(t, name);
    if (!f) reasons.push(reason('1006', `Field '${name}' not found`));
    else if (!f.updateable) reasons.push(reason('1003', `Invalid data: field '${name}' is not updateable`));
    else {
      const c = coerceValue(f, v, ctx.knobs.overlongStrings);
      if (c.ok) values[name] = c.value;
      else reasons.push(reason('1001', c.message));
    }
  }
  if (reasons.length) return skipped(seq, reasons);
  const existing =
    req.by === 'idField' ? ctx.customObjects.byGuid(t.apiName, key) : ctx.customObjects.byDedupe(t, values);
  if (existing && req.action === 'createOnly') return skipped(seq, [reason('1017', 'Object already exists')]);
  if (existing) {
    Object.assign(existing.values, values);
    existing.updatedAt = now;
    return { seq, status: 'updated', marketoGUID: existing.marketoGUID };
  }
  if (req.action === 'updateOnly') return skipped(seq, [missing(ctx)]);
  return { seq, status: 'created', marketoGUID: ctx.customObjects.create(t, values, now).marketoGUID };
}

function deleteRecords(ctx: MarketoContext, t: CustomObjectType, body: unknown): SimResponse {
  const req = parseBatch(ctx, body, 'deleteBy');
  if ('status' in req) return req;
  return ctx.env.ok(
    req.input.map((rec, seq) => {
      const found = !isRecord(rec)
        ? undefined
        : req.by === 'idField'
          ? ctx.customObjects.byGuid(t.apiName, String(rec.marketoGUID))
          : dedupeKey(t, rec) === undefined
            ? undefined
            : ctx.customObjects.byDedupe(t, rec);
      if (!found) return skipped(seq, [reason('1013', 'Record not found')]);
      ctx.customObjects.delete(t.apiName, found.marketoGUID);
      return { seq, marketoGUID: found.marketoGUID, status: 'deleted' };
    }),
  );
}

/** GET query by one field (`dedupeFields` for a single-field key, `idField`, or a searchable field). */
function queryRecords(ctx: MarketoContext, t: CustomObjectType, q: URLSearchParams): SimResponse {
  const filterType = q.get('filterType') ?? '';
  const values = q.getAll('filterValues').flatMap((v) => listParam(v));
  if (!filterType) return ctx.env.code('701', 'filterType cannot be blank');
  if (!values.length) return ctx.env.code('701', 'filterValues cannot be blank');
  const field =
    filterType === 'idField'
      ? 'marketoGUID'
      : filterType === 'dedupeFields' && t.dedupeFields.length === 1
        ? t.dedupeFields[0]
        : filterType;
  if (!ctx.customObjects.field(t, field)) return ctx.env.code('1006', `Field '${filterType}' not found`);
  if (values.length > ctx.knobs.maxBatch)
    return ctx.env.code('1003', `Too many filterValues: ${values.length}, the maximum is ${ctx.knobs.maxBatch}`);
  const requested = q.getAll('fields').flatMap((v) => listParam(v));
  const unknown = requested.find((f) => !ctx.customObjects.field(t, f));
  if (unknown) return ctx.env.code('1006', `Field '${unknown}' not found`);
  const batchSize = q.get('batchSize') ? Number(q.get('batchSize')) : ctx.knobs.maxBatch;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > ctx.knobs.maxBatch)
    return ctx.env.code('1003', `Invalid batchSize '${q.get('batchSize')}'`);
  const queryKey = JSON.stringify([t.apiName, field, values, requested]);
  const token = q.get('nextPageToken');
  const offset = token ? ctx.pages.resolve(token, queryKey) : 0;
  if (offset === undefined) return ctx.env.code('1003', `Invalid nextPageToken '${token}'`);
  const all = ctx.customObjects.list(t.apiName);
  const matches = all.filter((r) => values.includes(String(field === 'marketoGUID' ? r.marketoGUID : r.values[field])));
  const shown = requested.length
    ? ['marketoGUID', ...requested]
    : ['marketoGUID', ...t.dedupeFields, 'updatedAt', 'createdAt'];
  const page = matches.slice(offset, offset + batchSize).map((r, seq) => ({ seq, ...renderCustomObject(r, shown) }));
  const more = offset + batchSize < matches.length;
  return ctx.env.ok(page, {
    moreResult: more,
    ...(more ? { nextPageToken: ctx.pages.issue(queryKey, offset + batchSize) } : {}),
  });
}
