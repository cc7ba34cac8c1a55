import { listParam } from '../framework/query.js';
import type { SimResponse } from '../framework/types.js';
import type { Company } from './companies.js';
import { renderCompany } from './companies.js';
import type { MarketoContext } from './context.js';

/** filterType names accepted: describe's searchableFields, plus the generic key names. */
const FILTERS: Partial<Record<string, 'externalCompanyId' | 'id' | 'company'>> = {
  externalCompanyId: 'externalCompanyId',
  id: 'id',
  company: 'company',
  dedupeFields: 'externalCompanyId',
  idField: 'id',
};

/** The parameters of a query, from the URL or (for `_method=GET`) a form body. */
export type QueryParams = (name: string) => string[];

/**
 * GET /rest/v1/companies.json. Without `fields`: id, the dedupe field, createdAt and updatedAt; with
 * it, id and externalCompanyId plus the named fields (the docs' example), nulls left out. Codes for a
 * bad batchSize, too many values or a bad token are not documented: 1003 (UNCONFIRMED).
 */
export function queryCompanies(ctx: MarketoContext, params: QueryParams): SimResponse {
  const one = (n: string) => params(n).join(',');
  const filterType = one('filterType');
  const values = params('filterValues').flatMap((v) => listParam(v));
  if (!filterType) return ctx.env.code('701', 'filterType cannot be blank');
  if (!values.length) return ctx.env.code('701', 'filterValues cannot be blank');
  const filter = FILTERS[filterType];
  if (!filter)
    return ctx.env.code(
      ctx.fields.get(filterType) ? '1011' : '1006',
      ctx.fields.get(filterType) ? `Field '${filterType}' not supported` : `Field '${filterType}' not found`,
    );
  if (values.length > ctx.knobs.maxBatch)
    return ctx.env.code('1003', `Too many filterValues: ${values.length}, the maximum is ${ctx.knobs.maxBatch}`);
  const requested = params('fields').flatMap((v) => listParam(v));
  const unknown = requested.find((f) => !ctx.fields.get(f));
  if (unknown) return ctx.env.code('1006', `Field '${unknown}' not found`);
  const batchSize = one('batchSize') === '' ? ctx.knobs.maxBatch : Number(one('batchSize'));
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > ctx.knobs.maxBatch)
    return ctx.env.code('1003', `Invalid batchSize '${one('batchSize')}'`);

  const queryKey = JSON.stringify([filter, values, requested]);
  const token = one('nextPageToken');
  const offset = token ? ctx.pages.resolve(token, queryKey) : 0;
  if (offset === undefined) return ctx.env.code('1003', `Invalid nextPageToken '${token}'`);
  const matches = matching(ctx, filter, values);
  const page = matches.slice(offset, offset + batchSize);
  const shown = requested.length
    ? ['id', 'externalCompanyId', ...requested.filter((f) => f !== 'id' && f !== 'externalCompanyId')]
    : ['id', 'externalCompanyId', 'createdAt', 'updatedAt'];
  const result = page.map((c, seq) => ({ seq, ...renderCompany(c, shown) }));
  const more = offset + batchSize < matches.length;
  return ctx.env.ok(result, {
    moreResult: more,
    ...(more ? { nextPageToken: ctx.pages.issue(queryKey, offset + batchSize) } : {}),
  });
}

/** Matches in filter-value order, each company once. */
function matching(ctx: MarketoContext, filter: 'externalCompanyId' | 'id' | 'company', values: string[]): Company[] {
  const seen = new Set<number>();
  const out: Company[] = [];
  for (const v of values) {
    const found =
      filter === 'id'
        ? /^\d+$/.test(v)
          ? [ctx.companies.get(Number(v))]
          : []
        : filter === 'company'
          ? ctx.companies.findByName(v)
          : [ctx.companies.findByExternalId(v)];
    for (const c of found) {
      if (!c || seen.has(c.id)) continue;
      seen.add(c.id);
      out.push(c);
    }
  }
  return out;
}
