import type { LintAt, StrategyLint, StrategyProblem } from '../config/strategy.js';
import type {
  CursorPagination,
  CustomPagination,
  NextUrlPagination,
  OffsetPagination,
  PageNumberPagination,
  Pagination,
} from '../config/types.generated.js';
import { plainText } from '../util/text.js';
import { select } from './select.js';

/** What the next request of a chain adds: query parameters, template variables, or a whole URL. */
export interface PageRequest {
  query: Record<string, string>;
  vars: Record<string, unknown>;
  url?: string;
}

export interface PageResult {
  body: unknown;
  records: unknown[];
}

export interface Paginator {
  first(): PageRequest;
  next(page: PageResult): Promise<PageRequest | null>;
  /**
   * The request after the last one `next` gave, should that page come back as full as this one;
   * only where the source reports a total and it says that page is not the last (numbered
   * pages and offsets), so a guess is never a request past the end.
   */
  ahead?(): PageRequest | undefined;
}

/** What a paginator module exports (built-in or custom): a fresh paginator per request chain. */
export type PaginatorFactory<P extends Pagination = Pagination> = (p: P, label: string) => Paginator;

type Sized = PageNumberPagination | OffsetPagination;

/** The last page: an empty one, or one shorter than what the server really sends per page (it may cap the requested size silently). */
async function lastPage(p: Sized, body: unknown, count: number, size: number, label: string): Promise<boolean> {
  if (count === 0) return true;
  const cap = Number(await select(p.max_page_size, body, `${label} pagination.max_page_size`));
  return count < (Number.isFinite(cap) && cap > 0 ? Math.min(cap, size) : size);
}

async function totalOf(p: Sized, body: unknown, label: string): Promise<number | undefined> {
  const total = Number(await select(p.total, body, `${label} pagination.total`));
  return Number.isFinite(total) && total > 0 ? total : undefined;
}

const truthy = async (expr: string | undefined, body: unknown, label: string) =>
  expr ? (await select(expr, body, label)) === true : undefined;

/** Pages numbered from `start`; stops on totalCount, an empty page, or a page shorter than the server's effective size. */
function pageNumber(p: PageNumberPagination, label: string): Paginator {
  let page = p.start ?? 1;
  let fetched = 0;
  let last = 0;
  let total: number | undefined;
  const size = p.page_size;
  const req = (n = page): PageRequest => ({
    query: {
      ...(p.page_param ? { [p.page_param]: String(n) } : {}),
      ...(p.size_param ? { [p.size_param]: String(size) } : {}),
    },
    vars: { page: { number: n, size } },
  });
  return {
    first: () => req(),
    async next({ body, records }) {
      if (records.length === 0) return null;
      fetched += records.length;
      last = records.length;
      total = await totalOf(p, body, label);
      if (total !== undefined ? fetched >= total : await lastPage(p, body, records.length, size, label)) return null;
      page++;
      return req();
    },
    ahead: () => (total === undefined || fetched + last >= total ? undefined : req(page + 1)),
  };
}

function offset(p: OffsetPagination, label: string): Paginator {
  let off = p.start ?? 0;
  let last = 0;
  let total: number | undefined;
  const startAt = off;
  const size = p.page_size;
  const req = (at = off): PageRequest => ({
    query: {
      ...(p.offset_param ? { [p.offset_param]: String(at) } : {}),
      ...(p.size_param ? { [p.size_param]: String(size) } : {}),
    },
    vars: { page: { offset: at, size } },
  });
  return {
    first: () => req(),
    ahead: () => (total === undefined || off - startAt + last >= total ? undefined : req(off + last)),
    async next({ body, records }) {
      if (records.length === 0) return null;
      off += records.length;
      last = records.length;
      total = await totalOf(p, body, label);
      if (total !== undefined ? off - startAt >= total : await lastPage(p, body, records.length, size, label))
        return null;
      return req();
    },
  };
}

function cursor(p: CursorPagination, label: string): Paginator {
  const sizeQuery = p.size_param && p.page_size ? { [p.size_param]: String(p.page_size) } : {};
  return {
    first: () => ({ query: { ...sizeQuery }, vars: { page: { size: p.page_size } } }),
    async next({ body }) {
      if ((await truthy(p.stop_when, body, `${label} pagination.stop_when`)) === true) return null;
      if ((await truthy(p.has_more, body, `${label} pagination.has_more`)) === false) return null;
      const c = await select(p.next_cursor, body, `${label} pagination.next_cursor`);
      if (c === undefined || c === null || c === '') return null;
      return { query: { ...sizeQuery, [p.cursor_param]: plainText(c) }, vars: { page: { size: p.page_size } } };
    },
  };
}

function nextUrl(p: NextUrlPagination, label: string): Paginator {
  return {
    first: () => ({ query: p.size_param && p.page_size ? { [p.size_param]: String(p.page_size) } : {}, vars: {} }),
    async next({ body }) {
      if ((await truthy(p.stop_when, body, `${label} pagination.stop_when`)) === true) return null;
      if ((await truthy(p.has_more, body, `${label} pagination.has_more`)) === false) return null;
      const u = await select(p.next_url, body, `${label} pagination.next_url`);
      return typeof u === 'string' && u ? { query: {}, vars: {}, url: u } : null;
    },
  };
}

const none: PaginatorFactory = () => ({ first: () => ({ query: {}, vars: {} }), next: () => Promise.resolve(null) });

const customs = new WeakMap<CustomPagination, PaginatorFactory>();

/** Binds a custom paginator's spec to its module's factory (engine/config/custom-modules.ts does, at load time). */
export function bindCustomPaginator(spec: CustomPagination, factory: PaginatorFactory): void {
  customs.set(spec, factory);
}

const custom = (p: CustomPagination, label: string): Paginator => {
  const factory = customs.get(p);
  if (!factory)
    throw new Error(`${label}: custom paginator ${p.module} is not loaded (load the project's custom modules first)`);
  return factory(p, label);
};

/** A page size that is never sent cannot limit anything: the server's default applies. */
const sizeUnused: StrategyLint<Pagination> = (p, at) => {
  if (!('page_size' in p) || p.page_size === undefined || p.size_param) return [];
  if (at.templates?.some((t) => t.includes('{page.size}'))) return [];
  return [
    {
      key: 'page_size',
      severity: 'warning',
      message: `pagination type ${p.type} sets page_size ${p.page_size} but never sends it: set size_param, or use {page.size} in the stream's query`,
    },
  ];
};

/** An offset that is never sent reads the first page again and again. */
const offsetUnused: StrategyLint<OffsetPagination> = (p, at) =>
  p.offset_param || at.templates?.some((t) => t.includes('{page.offset}'))
    ? []
    : [
        {
          message:
            "pagination type offset never sends the offset: set offset_param, or use {page.offset} in the stream's query",
        },
      ];

type Entry<P extends Pagination> = PaginatorFactory<P> & { lint: StrategyLint<P> };
const entry = <P extends Pagination>(factory: PaginatorFactory<P>, ...rules: StrategyLint<P>[]): Entry<P> =>
  Object.assign(factory, { lint: (p: P, at: LintAt) => rules.flatMap((r) => r(p, at)) });

/**
 * Paginators by the name the connector YAML uses, each with its lint rules; the schema's oneOf
 * branches carry the same names (a test proves it).
 */
export const PAGINATORS: { [T in Pagination['type']]: Entry<Extract<Pagination, { type: T }>> } = {
  none: entry(none),
  page_number: entry(pageNumber, sizeUnused),
  offset: entry(offset, sizeUnused, offsetUnused),
  cursor: entry(cursor, sizeUnused),
  next_url: entry(nextUrl, sizeUnused),
  custom: entry(custom),
};

/** A fresh paginator for each request chain: state never leaks between chains. */
export function createPaginator(p: Pagination | undefined, label: string): Paginator {
  const spec = p ?? { type: 'none' };
  return (PAGINATORS[spec.type] as PaginatorFactory)(spec, label);
}

/** The problems of a stream's pagination, by its paginator's own rules. */
export function lintPagination(p: Pagination, at: LintAt): StrategyProblem[] {
  return Object.hasOwn(PAGINATORS, p.type) ? (PAGINATORS[p.type].lint as StrategyLint<Pagination>)(p, at) : [];
}
