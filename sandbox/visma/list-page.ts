import type { SimRequest, SimResponse } from '../framework/types.js';
import type { VismaApiContext } from './api-context.js';
import type { Metadata } from './dto.js';
import { ippError } from './errors.js';
import { applyPredicates, FilterError, parsePaging, type FilterCache, type Predicate } from './list-query.js';

export type Filter<T> = { predicate: Predicate<T>; key: string } | null;

/** Runs a list handler; a refused filter or paging parameter becomes a 400 with the IPP body. */
export function guarded(fn: () => SimResponse): SimResponse {
  try {
    return fn();
  } catch (err) {
    if (err instanceof FilterError) return ippError(400, err.message);
    throw err;
  }
}

/** Bare JSON array; every element carries metadata {totalCount, maxPageSize}. */
export function listPage<T>(
  ctx: VismaApiContext,
  req: SimRequest,
  all: readonly T[],
  cache: FilterCache<T>,
  filters: Filter<T>[],
  render: (r: T, m: Metadata) => Record<string, unknown>,
): SimResponse {
  const paging = parsePaging(req.query, ctx.knobs.defaultPageSize, ctx.knobs.maxPageSize);
  const active = filters.filter((f): f is NonNullable<Filter<T>> => f !== null);
  const key = active.map((f) => f.key).join('&');
  const compute = () =>
    applyPredicates(
      all,
      active.map((f) => f.predicate),
    );
  const items = active.length === 0 ? all : cache.get(key, ctx.store.version, compute);
  const start = (paging.pageNumber - 1) * paging.pageSize;
  const metadata: Metadata = { totalCount: items.length, maxPageSize: paging.maxPageSize };
  const page = items.slice(start, start + paging.pageSize).map((r) => render(r, metadata));
  return { status: 200, body: ctx.spoilPage ? ctx.spoilPage(req.path, page) : page };
}
