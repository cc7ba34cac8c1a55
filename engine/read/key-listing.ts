import type { Pagination, Stream } from '../config/types.generated.js';
import type { HttpClient } from '../http/client.js';
import { specRequest } from '../http/request.js';
import { getPath } from '../map/expression.js';
import { errorMessage } from '../util/text.js';
import { valueText } from '../util/text.js';
import { createPaginator, type PageRequest } from './paginators.js';
import { DEFAULT_MAX_PAGES } from './reader.js';
import { select, selectRecordArray, unwrapValues } from './select.js';

export interface KeyListingOptions {
  client: HttpClient;
  baseUrl: string;
  vars: Record<string, string>;
  name: string;
  stream: Stream;
  /** Parameters of the cheapest listing (the stream's deletion.reconcile.query) */
  query?: Record<string, string>;
  /** Records per page; the stream's own page size when not given */
  pageSize?: number;
}

/**
 * A listing of a stream's keys. Only a complete one says anything about what the source no longer
 * has: every page answered, the paginator reached its end, and the keys add up to the total the
 * source reported (where it reports one). An incomplete one says why.
 */
export type KeyListing =
  | { complete: true; keys: string[]; pages: number }
  | { complete: false; reason: string; listed: number; pages: number };

/** What one listing learnt so far. */
interface Progress {
  keys: Set<string>;
  pages: number;
  /** The totals the pages reported (one value, when the source is consistent) */
  totals: Set<number>;
}

class Incomplete extends Error {}

/** A page as it came. */
interface Fetched {
  body: unknown;
  records: unknown[];
  url: string;
}

/**
 * Lists every key of a stream with its own paginator, without delta parameters and without
 * staging anything: a record is kept only as its primary key.
 */
export async function listKeys(o: KeyListingOptions): Promise<KeyListing> {
  const p: Progress = { keys: new Set(), pages: 0, totals: new Set() };
  try {
    await walkPages(o, p);
  } catch (e) {
    const reason = e instanceof Incomplete ? e.message : `page ${p.pages + 1} failed: ${errorMessage(e)}`;
    return { complete: false, reason, listed: p.keys.size, pages: p.pages };
  }
  const totals = [...p.totals];
  if (totals.length > 1) {
    const reason = `the pages reported different totals (${totals.join(', ')}): the records changed while listed`;
    return { complete: false, reason, listed: p.keys.size, pages: p.pages };
  }
  if (totals.length === 1 && totals[0] !== p.keys.size) {
    const reason = `${p.keys.size} keys listed but the source reported a total of ${totals[0]}`;
    return { complete: false, reason, listed: p.keys.size, pages: p.pages };
  }
  return { complete: true, keys: [...p.keys], pages: p.pages };
}

/** The stream's pagination at the listing's page size (a custom paginator keeps its own, bound to its spec). */
function listingPagination(stream: Stream, pageSize: number | undefined): Pagination | undefined {
  const p = stream.pagination;
  if (!p || pageSize === undefined || p.type === 'custom' || p.type === 'none') return p;
  return { ...p, page_size: pageSize };
}

async function walkPages(o: KeyListingOptions, p: Progress): Promise<void> {
  const label = `stream ${o.name} (key listing)`;
  const pagination = listingPagination(o.stream, o.pageSize);
  const paginator = createPaginator(pagination, label);
  const maxPages = pagination?.max_pages ?? DEFAULT_MAX_PAGES;
  const asked = new Set<string>();
  const ask = (r: PageRequest): string => {
    const key = requestKey(r);
    if (asked.has(key)) throw new Incomplete(`page ${p.pages + 1} repeats an earlier request: the paging never ended`);
    if (asked.size >= maxPages) throw new Incomplete(`more than ${maxPages} pages (pagination.max_pages)`);
    asked.add(key);
    return key;
  };
  const first = paginator.first();
  ask(first);
  let fetching = early(fetchPage(o, first, label));
  // Where the source reports a total, the page after the next is asked for meanwhile (two in flight).
  let guess: { key: string; page: Promise<Fetched> } | undefined;
  for (;;) {
    const { body, records, url } = await fetching;
    p.pages++;
    addKeys(o, p, records);
    if (records.length && pagination && 'total' in pagination && pagination.total) {
      const total = Number(await select(pagination.total, body, `${label} pagination.total`));
      if (Number.isFinite(total)) p.totals.add(total);
    }
    const given = await paginator.next({ body, records });
    if (!given) return;
    // A next URL may be relative to the page's own.
    const next = given.url ? { ...given, url: new URL(given.url, url).toString() } : given;
    const key = ask(next);
    fetching = guess?.key === key ? guess.page : early(fetchPage(o, next, label));
    const after = paginator.ahead?.();
    guess = after ? { key: requestKey(after), page: early(fetchPage(o, after, label)) } : undefined;
  }
}

const requestKey = (r: PageRequest) => JSON.stringify([r.url ?? null, r.query, r.vars]);

/** A page asked for ahead: a listing that stops first never awaits it, so its failure is not unhandled. */
function early(p: Promise<Fetched>): Promise<Fetched> {
  p.catch(() => undefined);
  return p;
}

async function fetchPage(o: KeyListingOptions, page: PageRequest, label: string): Promise<Fetched> {
  const { stream } = o;
  const req = specRequest(o.baseUrl, stream, { ...o.vars, ...page.vars }, { strictQuery: true });
  const query = { ...req.query, ...o.query, ...page.query };
  const where = page.url ? { url: page.url, query: {} } : { query };
  const res = await o.client.request({ ...req, ...where, expect: 'json' });
  const empty = stream.empty_when_missing ?? false;
  let records = await selectRecordArray(stream.records, res.body, `${label} records`, empty);
  if (stream.unwrap_values) records = records.map((r) => unwrapValues(r) as Record<string, unknown>);
  return { body: res.body, records, url: res.url };
}

/** A record without a usable key could be any of the mirror's: the listing cannot vouch for anything. */
function addKeys(o: KeyListingOptions, p: Progress, records: unknown[]): void {
  const pk = o.stream.primary_key;
  records.forEach((r, i) => {
    const k = r !== null && typeof r === 'object' ? getPath(r, pk) : undefined;
    if (k === undefined || k === null || k === '' || typeof k === 'object')
      throw new Incomplete(`record ${i + 1} of page ${p.pages} has no usable primary key ${pk}`);
    p.keys.add(valueText(k));
  });
}
