import { createHash } from 'node:crypto';
import type { Stream } from '../config/types.generated.js';
import { excerpt, HttpError, type HttpClient, type HttpResponse } from '../http/client.js';
import { specRequest } from '../http/request.js';
import { toJson } from '../util/text.js';
import { createCursor, type CursorTracker, type RecordNote } from './cursors.js';
import { createPaginator, type PageRequest } from './paginators.js';
import { selectRecordArray, unwrapValues } from './select.js';

export interface StreamReadOptions {
  client: HttpClient;
  baseUrl: string;
  vars: Record<string, string>;
  name: string;
  stream: Stream;
  /** The saved cursor; ignored when `full` */
  saved?: string;
  /** Query parameters added to every page's request (after the stream's own) */
  query?: Record<string, string>;
  full?: boolean;
}

/** What the reader knows about the page it handed over last. */
export interface PageInfo {
  /** 1 for the first page of the read */
  number: number;
  /** By position in the page: what the cursor could not track (failure) or did not trust (warning) */
  notes: Map<number, RecordNote>;
}

/** A read that never ends is a server fault: pages past this bound stop the stream. */
export const DEFAULT_MAX_PAGES = 100_000;

const requestKey = (r: PageRequest) => JSON.stringify([r.url ?? null, r.query, r.vars]);

type DeltaRequest = ReturnType<CursorTracker['request']>;

/** A page as it came: the answer, its records, and the method that asked for it. */
interface Fetched {
  res: HttpResponse;
  records: Record<string, unknown>[];
  method: string;
}

/** The next page requested ahead (the one after next, where the source reports a total). */
interface Guess {
  key: string;
  page: Promise<Fetched>;
}

/**
 * Starts a page request early: the source works on it while the caller stages the page before.
 * A caller that stops early leaves it unread, so its failure is only seen when it is awaited.
 */
function early(p: Promise<Fetched>): Promise<Fetched> {
  p.catch(() => undefined);
  return p;
}

/**
 * Reads one stream page by page from its cursor. Call `pages()` once; after it is exhausted,
 * `cursor()` is the value to save (only once the pages are safely staged).
 *
 * A server that repeats itself (the same cursor, the same next URL, a page number it ignores)
 * would be read forever: a request or a page seen before in this read ends it with an error.
 */
export class StreamReader {
  private readonly tracker?: CursorTracker;
  readonly label: string;
  requests = 0;
  page: PageInfo = { number: 0, notes: new Map() };
  /** Requests made in this read */
  private readonly asked = new Set<string>();
  /** Pages read, by a hash of their first and last records: the page number */
  private readonly seenPages = new Map<string, number>();

  constructor(private readonly o: StreamReadOptions) {
    this.label = `stream ${o.name}`;
    if (!o.stream.incremental) return;
    this.tracker = createCursor(o.stream.incremental, o.full ? undefined : o.saved, this.label, o.client.now());
  }

  /** Said once per read, beside the per-record notes (a saved cursor that was discarded) */
  get warnings(): string[] {
    return this.tracker?.warnings ?? [];
  }

  async *pages(): AsyncGenerator<Record<string, unknown>[]> {
    const { stream } = this.o;
    const paginator = createPaginator(stream.pagination, this.label);
    const maxPages = stream.pagination?.max_pages ?? DEFAULT_MAX_PAGES;
    const delta = this.tracker?.request() ?? { query: {}, vars: {}, firstPageOnly: false };
    const fetch = (page: PageRequest, first = false) => early(this.fetchPage(page, delta, first));
    const firstRequest = paginator.first();
    this.asked.add(requestKey(firstRequest));
    let fetching = fetch(firstRequest, true);
    let guess: Guess | undefined;
    for (let pages = 1; ; pages++) {
      const fetched = await fetching;
      this.checkNewPage(fetched, pages);
      const notes = await this.observe(fetched);
      const given = await paginator.next({ body: fetched.res.body, records: fetched.records });
      // A next URL may be relative to the page's own.
      const next = given?.url ? { ...given, url: new URL(given.url, fetched.res.url).toString() } : given;
      if (next) {
        const key = this.checkNext(next, fetched, pages, maxPages);
        fetching = guess?.key === key ? guess.page : fetch(next);
        // Numbered pages with a reported total go one further: from the second page on, the page
        // after the next is asked for too (never past the total; a small delta read stays one page).
        const after = pages >= 2 ? paginator.ahead?.() : undefined;
        guess = after ? { key: requestKey(after), page: fetch(after) } : undefined;
      }
      this.page = { number: pages, notes };
      yield fetched.records;
      if (!next) return;
    }
  }

  cursor(): string | undefined {
    return this.tracker?.result();
  }

  private async fetchPage(page: PageRequest, delta: DeltaRequest, first: boolean): Promise<Fetched> {
    const { client, stream } = this.o;
    const vars = { ...this.o.vars, ...delta.vars, ...page.vars };
    // A stream's query is sent whole: an empty cursor fragment is part of its value.
    const req = specRequest(this.o.baseUrl, stream, vars, { strictQuery: true });
    const deltaQuery = first || !delta.firstPageOnly ? delta.query : {};
    const query = { ...req.query, ...this.o.query, ...deltaQuery, ...page.query };
    const method = req.method ?? 'GET';
    // A next-page URL the server gave is followed as it is.
    const where = page.url ? { url: page.url, query: {} } : { query };
    const res = await client.request({ ...req, ...where, expect: 'json' });
    this.requests++;
    let records: Record<string, unknown>[];
    try {
      const label = `${this.label} records`;
      records = await selectRecordArray(stream.records, res.body, label, stream.empty_when_missing ?? false);
    } catch (e) {
      throw this.answerError(method, res, (e as Error).message);
    }
    if (stream.unwrap_values) records = records.map((r) => unwrapValues(r) as Record<string, unknown>);
    return { res, records, method };
  }

  /**
   * Records carry unique keys: a page that starts and ends with the same records as an earlier
   * one is that page again (hashing whole pages would cost a serialisation of everything read).
   */
  private checkNewPage({ res, records, method }: Fetched, pages: number): void {
    const ends = JSON.stringify([records.length, records[0], records.at(-1)]);
    const hash = createHash('sha1').update(ends).digest('base64');
    const earlier = this.seenPages.get(hash);
    if (earlier !== undefined && records.length > 0) {
      const problem = `page ${pages} is identical to page ${earlier}: the server ignores the paging parameters`;
      throw this.answerError(method, res, `${problem}; the stream was stopped`);
    }
    this.seenPages.set(hash, pages);
  }

  /** Tells the cursor what the page held; the notes of records it could not track or trust. */
  private async observe({ res, records }: Fetched): Promise<Map<number, RecordNote>> {
    const notes = new Map<number, RecordNote>();
    const tracker = this.tracker;
    if (!tracker) return notes;
    records.forEach((r, i) => {
      const note = tracker.observeRecord(r);
      if (note) notes.set(i, note);
    });
    await tracker.observePage(res.body);
    return notes;
  }

  /** The key of the next request, if it is new and within max_pages. */
  private checkNext(next: PageRequest, { res, method }: Fetched, pages: number, maxPages: number): string {
    const key = requestKey(next);
    if (this.asked.has(key)) {
      const r = this.o.client.redactor;
      const which = next.url ? `next URL ${r.redact(next.url)}` : `request ${r.redact(JSON.stringify(next.query))}`;
      const problem = `page ${pages} leads to a page already read (${which}): the server repeats its cursor`;
      throw this.answerError(method, res, `${problem}; the stream was stopped`);
    }
    if (pages >= maxPages) {
      const problem = `more than pagination.max_pages (${maxPages}) pages; the stream was stopped`;
      throw this.answerError(method, res, `${problem} (raise max_pages if it really is that long)`);
    }
    this.asked.add(key);
    return key;
  }

  /** An answer the stream cannot use: an error of that request, naming it (no secrets) and quoting the answer. */
  private answerError(method: string, res: HttpResponse, problem: string): HttpError {
    const r = this.o.client.redactor;
    const body = typeof res.body === 'string' ? res.body : (toJson(res.body) ?? '');
    const message = `${this.label}: ${method} ${r.redact(res.url)}: ${problem}`;
    return new HttpError(`${message}; the answer began ${r.redact(excerpt(body))}`, 'run', res.status, res.body);
  }
}
