import type { Stream } from '../config/types.generated.js';
import type { HttpClient } from '../http/client.js';
import { render } from '../util/template.js';
import { createCursor, type CursorTracker } from './cursors.js';
import { createPaginator, type PageRequest } from './paginators.js';
import { selectRecords, unwrapValues } from './select.js';

export interface StreamReadOptions {
  client: HttpClient;
  baseUrl: string;
  vars: Record<string, string>;
  name: string;
  stream: Stream;
  /** The saved cursor; ignored when `full` */
  saved?: string;
  full?: boolean;
}

const requestKey = (r: PageRequest) => JSON.stringify([r.url ?? null, r.query, r.vars]);

/**
 * Reads one stream page by page from its cursor. Call `pages()` once; after it is exhausted,
 * `cursor()` is the value to save (only once the pages are safely staged).
 */
export class StreamReader {
  private readonly tracker?: CursorTracker;
  readonly label: string;
  requests = 0;

  constructor(private readonly o: StreamReadOptions) {
    this.label = `stream ${o.name}`;
    if (o.stream.incremental) this.tracker = createCursor(o.stream.incremental, o.full ? undefined : o.saved, this.label);
  }

  async *pages(): AsyncGenerator<Record<string, unknown>[]> {
    const { client, stream } = this.o;
    const paginator = createPaginator(stream.pagination, this.label);
    const delta = this.tracker?.request() ?? { query: {}, vars: {}, firstPageOnly: false };
    const fetchPage = async (page: PageRequest, first: boolean) => {
      const vars = { ...this.o.vars, ...delta.vars, ...page.vars };
      const query: Record<string, string> = {};
      for (const [k, t] of Object.entries(stream.query ?? {})) query[k] = render(t, vars);
      if (first || !delta.firstPageOnly) Object.assign(query, delta.query);
      Object.assign(query, page.query);
      const url = page.url ?? client.url(this.o.baseUrl, render(stream.path, vars, encodeURIComponent));
      const res = await client.request({ method: stream.method ?? 'GET', url, query: page.url ? {} : query, headers: stream.headers });
      this.requests++;
      let records = await selectRecords(stream.records, res.body, `${this.label} records`);
      if (stream.unwrap_values) records = records.map((r) => unwrapValues(r) as Record<string, unknown>);
      return { res, records };
    };
    let fetching = fetchPage(paginator.first(), true);
    let guess: { key: string; page: ReturnType<typeof fetchPage> } | undefined;
    for (let pages = 1; ; pages++) {
      const { res, records } = await fetching;
      if (this.tracker) {
        for (const r of records) this.tracker.observeRecord(r);
        await this.tracker.observePage(res.body);
      }
      let next = await paginator.next({ body: res.body, records });
      if (next) {
        // The next page is requested before this one is handed over, so the source works on it
        // while the caller stages this one. A caller that stops early leaves it unread.
        next = next.url ? { ...next, url: new URL(next.url, res.url).toString() } : next;
        fetching = guess?.key === requestKey(next) ? guess.page : fetchPage(next, false);
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
      yield records;
      if (!next) return;
    }
  }

  cursor(): string | undefined {
    return this.tracker?.result();
  }
}
