import { intParam } from '../framework/query.js';
import type { SimRequest, SimResponse } from '../framework/types.js';
import { badRequest } from './errors.js';
import { lowerBound, upperBound } from './organizations.js';

export const MAX_PAGE_SIZE = 100;

export interface PageOptions<T> {
  /** Response key, e.g. `organizations`. */
  key: string;
  /** Absolute URL of the list endpoint (with `.json`), used in links. */
  url: string;
  offsetLimit: number;
  /** A function property: it is passed to map() unbound. */
  render: (item: T) => unknown;
}

function encodeCursor(id: number): string {
  return Buffer.from(JSON.stringify({ o: 'id', v: id })).toString('base64url');
}

function decodeCursor(c: string): number | null {
  try {
    const parsed = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as { v?: unknown };
    return typeof parsed.v === 'number' ? parsed.v : null;
  } catch {
    return null;
  }
}

function invalidPage(description: string): SimResponse {
  return badRequest('InvalidPaginationParameter', description);
}

/**
 * Zendesk list pagination over id-ordered items. `page[size]`/`page[after]`/`page[before]`
 * select cursor pagination (meta + links); otherwise offset (`page`, `per_page`, next_page),
 * which refuses pages that start beyond `offsetLimit` records.
 */
export function paginate<T extends { id: number }>(
  req: SimRequest,
  items: readonly T[],
  opts: PageOptions<T>,
): SimResponse {
  const q = req.query;
  const cursorMode = q['page[size]'] !== undefined || q['page[after]'] !== undefined || q['page[before]'] !== undefined;
  return cursorMode ? cursorPage(req, items, opts) : offsetPage(req, items, opts);
}

function cursorPage<T extends { id: number }>(req: SimRequest, items: readonly T[], opts: PageOptions<T>): SimResponse {
  const q = req.query;
  const size = intParam(q['page[size]']) ?? MAX_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1) return invalidPage('page[size] must be a positive integer');
  if (size > MAX_PAGE_SIZE) return invalidPage(`page[size] must be less than or equal to ${MAX_PAGE_SIZE}`);
  let start = 0;
  let end: number;
  let hasMore: boolean;
  if (q['page[before]'] !== undefined) {
    const before = decodeCursor(q['page[before]']);
    if (before === null) return invalidPage('page[before] is not a valid cursor');
    end = lowerBound(items, before);
    start = Math.max(0, end - size);
    hasMore = start > 0;
  } else {
    if (q['page[after]'] !== undefined) {
      const after = decodeCursor(q['page[after]']);
      if (after === null) return invalidPage('page[after] is not a valid cursor');
      start = upperBound(items, after);
    }
    end = Math.min(items.length, start + size);
    hasMore = end < items.length;
  }
  const page = items.slice(start, end);
  const first = page.at(0);
  const last = page.at(-1);
  const link = (dir: 'after' | 'before', cursor: string) =>
    `${opts.url}?${new URLSearchParams({ 'page[size]': String(size), [`page[${dir}]`]: cursor })}`;
  const after = last ? encodeCursor(last.id) : null;
  const before = first ? encodeCursor(first.id) : null;
  return {
    status: 200,
    body: {
      [opts.key]: page.map(opts.render),
      meta: { has_more: hasMore, after_cursor: after, before_cursor: before },
      // Null, as in the spec's cursor examples, where no page lies that way: a client following
      // links.next must stop on the last page.
      links: {
        next: after && end < items.length ? link('after', after) : null,
        prev: before && start > 0 ? link('before', before) : null,
      },
    },
  };
}

function offsetPage<T>(req: SimRequest, items: readonly T[], opts: PageOptions<T>): SimResponse {
  const page = intParam(req.query.page) ?? 1;
  const perPageRaw = intParam(req.query.per_page) ?? MAX_PAGE_SIZE;
  if (!Number.isInteger(page) || page < 1) return invalidPage('page must be a positive integer');
  if (!Number.isInteger(perPageRaw) || perPageRaw < 1) return invalidPage('per_page must be a positive integer');
  const perPage = Math.min(perPageRaw, MAX_PAGE_SIZE);
  const offset = (page - 1) * perPage;
  if (offset >= opts.offsetLimit) {
    return invalidPage(
      `Offset pagination is limited to the first ${opts.offsetLimit} records. Use cursor pagination (page[size]) instead.`,
    );
  }
  const slice = items.slice(offset, offset + perPage);
  const link = (p: number) => `${opts.url}?${new URLSearchParams({ page: String(p), per_page: String(perPage) })}`;
  return {
    status: 200,
    body: {
      [opts.key]: slice.map(opts.render),
      next_page: offset + perPage < items.length ? link(page + 1) : null,
      previous_page: page > 1 ? link(page - 1) : null,
      count: items.length,
    },
  };
}
