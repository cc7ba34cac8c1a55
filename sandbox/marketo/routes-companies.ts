import type { Router } from '../framework/router.js';
import { isRecord, textOf, type SimRequest } from '../framework/types.js';
import { queryCompanies, type QueryParams } from './company-query.js';
import { deleteCompanies, syncCompanies } from './company-sync.js';
import type { MarketoContext } from './context.js';
import { describeCompany, schemaField } from './fields.js';

/** URL parameters, and for `POST …?_method=GET` (the 414 way out) the form body's too. */
function paramsOf(req: SimRequest): QueryParams {
  const form = isRecord(req.body) ? req.body : {};
  return (name) => {
    const fromUrl = req.queryAll.getAll(name);
    const v = form[name];
    return v === undefined ? fromUrl : [...fromUrl, ...(Array.isArray(v) ? v.map(String) : [textOf(v)])];
  };
}

/** Companies (companies.md): sync, query, describe, delete, and the read-only field schema. */
export function registerCompanyRoutes(api: Router, ctx: MarketoContext): void {
  api.get('/rest/v1/companies.json', (req) => queryCompanies(ctx, paramsOf(req)));
  api.post('/rest/v1/companies.json', (req) =>
    req.query._method === 'GET' ? queryCompanies(ctx, paramsOf(req)) : syncCompanies(ctx, req.body),
  );
  api.post('/rest/v1/companies/delete.json', (req) => deleteCompanies(ctx, req.body));
  api.get('/rest/v1/companies/describe.json', () =>
    ctx.env.ok([describeCompany(ctx.fields, '2015-05-11T17:11:32Z', ctx.schemaUpdatedAt())]),
  );
  api.get('/rest/v1/companies/schema/fields.json', (req) => {
    // System fields are not in the schema list (companies.md's example starts at `company`).
    const all = ctx.fields.all().filter((f) => f.updateable);
    const size = req.query.batchSize ? Number(req.query.batchSize) : ctx.knobs.maxBatch;
    if (!Number.isInteger(size) || size < 1 || size > ctx.knobs.maxBatch)
      return ctx.env.code('1003', `Invalid batchSize '${req.query.batchSize}'`);
    const token = req.query.nextPageToken;
    const offset = token ? ctx.pages.resolve(token, 'companies/schema/fields') : 0;
    if (offset === undefined) return ctx.env.code('1003', `Invalid nextPageToken '${token}'`);
    const more = offset + size < all.length;
    const page = all.slice(offset, offset + size).map(schemaField);
    return ctx.env.ok(page, {
      moreResult: more,
      ...(more ? { nextPageToken: ctx.pages.issue('companies/schema/fields', offset + size) } : {}),
    });
  });
  api.get('/rest/v1/companies/schema/fields/{name}', (req) => {
    const f = ctx.fields.get(req.params.name.replace(/\.json$/, ''));
    // An unknown field's answer is not documented: 1006 "Field '%s' not found". UNCONFIRMED.
    return f
      ? ctx.env.ok([schemaField(f)])
      : ctx.env.code('1006', `Field '${req.params.name.replace(/\.json$/, '')}' not found`);
  });
}
