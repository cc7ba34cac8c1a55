import { createHash } from 'node:crypto';
import type { Stream } from '../config/types.generated.js';
import { excerpt, HttpError, type HttpClient, type HttpResponse } from '../http/client.js';
import { specRequest } from '../http/request.js';
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

/**
 * Reads one stream page by page from its cursor. Call `pages()` once; after it is exhausted,
 * `cursor()` is the value to save (only once the pages are safely staged).
 */
export class StreamReader {
  private readonly tracker?: CursorTracker;
  readonly label: string;
  requests = 0;
  page: PageInfo = { number: 0, notes: new Map() };

  constructor(private readonly o: StreamReadOptions) {
    this.label = `stream ${o.name}`;
    if (o.stream.incremental) this.tracker = createCursor(o.stream.incremental, o.full ? undefined : o.saved, this.label, o.client.now());
  }

  /** Said once per read, beside the per-record notes (a saved cursor that was discarded) */
  get warnings(): string[] {
    return this.tracker?.warnings ?? [];
  }

  async *pages(): AsyncGenerator<Record<string, unknown>[]> {
    const { client, stream } = this.o;
    const paginator = createPaginator(stream.pagination, this.label);
    const maxPages = stream.pagination?.max_pages ?? DEFAULT_MAX_PAGES;
    const delta = this.tracker?.request() ?? { query: {}, vars: {}, firstPageOnly: false };
    const fetchPage = async (page: PageRequest, first: boolean) => {
      const vars = { ...this.o.vars, ...delta.vars, ...page.vars };
      // A stream's query is sent whole: an empty cursor fragment is part of its value.
      const req = specRequest(this.o.baseUrl, stream, vars, { strictQuery: true });
      const query = { ...req.query, ...this.o.query, ...(first || !delta.firstPageOnly ? delta.query : {}), ...page.query };
      const method = req.method ?? 'GET';
      // A next-page URL the server gave is followed as it is.
      const res = await client.request({ ...req, ...(page.url ? { url: page.url, query: {} } : { query }), expect: 'json' });
      this.requests++;
      let records: Record<string, unknown>[];
      try {
        records = await selectRecordArray(stream.records, res.body, `${this.label} records`, stream.empty_when_missing ?? false);
      } catch (e) {
        throw this.answerError(method, res, (e as Error).message);
      }
      if (stream.unwrap_values) records = records.map((r) => unwrapValues(r) as Record<string, unknown>);
      return { res, records, method };
    };
    // A server that repeats itself (the same cursor, the same next URL, a page number it ignores)
    // would be read forever: a request or a page seen before in this read ends it with an error.
    const asked = new Set<string>();
    const seenPages = new Map<string, number>();
    const firstRequest = paginator.first();
    asked.add(requestKey(firstRequest));
    let fetching = fetchPage(firstRequest, true);
    let guess: { key: string; page: ReturnType<typeof fetchPage> } | undefined;
    for (let pages = 1; ; pages++) {
      const { res, records, method } = await fetching;
      // Records carry unique keys: a page that starts and ends with the same records as an earlier
      // one is that page again (hashing whole pages would cost a serialisation of everything read).
      const hash = createHash('sha1').update(JSON.stringify([records.length, records[0], records.at(-1)]) ?? '').digest('base64');
      const earlier = seenPages.get(hash);
      if (earlier !== undefined && records.length > 0) {
        throw this.answerError(method, res, `page ${pages} is identical to page ${earlier}: the server ignores the paging parameters; the stream was stopped`);
      }
      seenPages.set(hash, pages);
      const notes = new Map<number, RecordNote>();
      if (this.tracker) {
        records.forEach((r, i) => {
          const note = this.tracker!.observeRecord(r);
          if (note) notes.set(i, note);
        });
        await this.tracker.observePage(res.body);
      }
      let next = await paginator.next({ body: res.body, records });
      if (next) {
        next = next.url ? { ...next, url: new URL(next.url, res.url).toString() } : next;
        const key = requestKey(next);
        if (asked.has(key)) {
          throw this.answerError(method, res, `page ${pages} leads to a page already read (${next.url ? `next URL ${client.redactor.redact(next.url)}` : `request ${client.redactor.redact(JSON.stringify(next.query))}`}): the server repeats its cursor; the stream was stopped`);
        }
        if (pages >= maxPages) throw this.answerError(method, res, `more than pagination.max_pages (${maxPages}) pages; the stream was stopped (raise max_pages if it really is that long)`);
        asked.add(key);
        // The next page is requested before this one is handed over, so the source works on it
        // while the caller stages this one. A caller that stops early leaves it unread.
        fetching = guess?.key === key ? guess.page : fetchPage(next, false);
        fetching.catch(() => undefined);
        guess = undefined;
        // Numbered pages with a reported total go one further: from the second page on, the page
        // after the next is asked for too (never past the total; a small delta read stays one page).
        const after = pages >= 2 ? paginator.ahead?.() : undefined;
        if (after) {
          guess = { key: requestKey(after), page: fetchPage(after, false) };
          guess.page.catch(() => undefined);
        }
      }
      this.page = { number: pages, notes };
      yield records;
      if (!next) return;
    }
  }

  cursor(): string | undefined {
    return this.tracker?.result();
  }

  /** An answer the stream cannot use: an error of that request, naming it (without secrets) and quoting the answer. */
  private answerError(method: string, res: HttpResponse, problem: string): HttpError {
    const r = this.o.client.redactor;
    const body = typeof res.body === 'string' ? res.body : (JSON.stringify(res.body) ?? '');
    return new HttpError(`${this.label}: ${method} ${r.redact(res.url)}: ${problem}; the answer began ${r.redact(excerpt(body))}`, 'run', res.status, res.body);
  }
}
