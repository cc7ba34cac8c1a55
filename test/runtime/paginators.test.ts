// Paginators through StreamReader with the shipped stream definitions (Visma page numbers with a silent
// page-size cap, QuickBooks offsets inside the query text, Zendesk and Pipedrive cursors) and inline ones.
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import type { PageNumberPagination, Pagination, Stream } from '../../engine/config/types.generated.js';
import { createPaginator, PAGINATORS } from '../../engine/read/paginators.js';
import { StreamReader } from '../../engine/read/reader.js';
import { API, makeClient, shippedConnector, testConnector, useNock } from './helpers.js';

useNock();

/** A reader for a stream with the client's auth left out (auth has its own tests). */
function readerFor(
  stream: Stream,
  o: { vars?: Record<string, string>; query?: Record<string, string>; saved?: string } = {},
) {
  const { client } = makeClient(testConnector(), { query: o.query });
  return {
    client,
    reader: new StreamReader({ client, baseUrl: API, vars: o.vars ?? {}, name: 's', stream, saved: o.saved }),
  };
}

async function readAll(reader: StreamReader): Promise<unknown[][]> {
  const pages: unknown[][] = [];
  for await (const p of reader.pages()) pages.push(p);
  return pages;
}

/** Records each request's query and answers with `pages[n]` (n counts requests). */
function serve(path: string, answer: (q: URLSearchParams, n: number) => unknown) {
  const queries: Record<string, string>[] = [];
  nock(API)
    .get(path)
    .query(true)
    .times(100)
    .reply((uri) => {
      const q = new URL(uri, API).searchParams;
      queries.push(Object.fromEntries(q));
      return [200, answer(q, queries.length - 1)];
    });
  return queries;
}

const visma = (name = 'customers') => ({ ...shippedConnector('visma').streams![name], incremental: undefined });
const customers = (from: number, n: number, meta: Record<string, number> = {}) =>
  Array.from({ length: n }, (_, i) => ({ number: String(from + i), name: `C${from + i}`, metadata: meta }));

describe('page_number (Visma)', () => {
  it('stops when totalCount is reached, sending pageNumber and pageSize', async () => {
    const q = serve('/v1/customer', (qs) => {
      const page = Number(qs.get('pageNumber'));
      // The server caps the page at 2 records whatever pageSize asks for; 5 in total.
      return customers((page - 1) * 2 + 1, Math.max(0, Math.min(2, 5 - (page - 1) * 2)), {
        totalCount: 5,
        maxPageSize: 2,
      });
    });
    const { reader } = readerFor(visma());
    const pages = await readAll(reader);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(q).toEqual([
      { pageNumber: '1', pageSize: '1000' },
      { pageNumber: '2', pageSize: '1000' },
      { pageNumber: '3', pageSize: '1000' },
    ]);
    expect(reader.requests).toBe(3);
  });

  it('a silent cap (asked 1000, got 500, maxPageSize 500) is not a short page: reading goes on', async () => {
    const stream: Stream = {
      ...visma(),
      pagination: { ...(visma().pagination as PageNumberPagination), total: undefined },
    };
    const q = serve('/v1/customer', (qs) => {
      const page = Number(qs.get('pageNumber'));
      return customers((page - 1) * 500 + 1, page < 3 ? 500 : 120, { maxPageSize: 500 });
    });
    const { reader } = readerFor(stream);
    const pages = await readAll(reader);
    expect(pages.map((p) => p.length)).toEqual([500, 500, 120]);
    expect(q.map((x) => x.pageNumber)).toEqual(['1', '2', '3']);
  });

  it('the shipped Visma stream (totalCount and maxPageSize) reads every page of a capped server', async () => {
    const q = serve('/v1/customer', (qs) => {
      const page = Number(qs.get('pageNumber'));
      return customers((page - 1) * 500 + 1, page < 3 ? 500 : 1, { totalCount: 1001, maxPageSize: 500 });
    });
    const pages = await readAll(readerFor(visma()).reader);
    expect(pages.flat()).toHaveLength(1001);
    expect(q).toHaveLength(3);
  });

  it('an exact multiple of the cap ends on the empty page after it', async () => {
    const stream: Stream = {
      ...visma(),
      pagination: { ...(visma().pagination as PageNumberPagination), total: undefined },
    };
    const q = serve('/v1/customer', (qs) =>
      Number(qs.get('pageNumber')) <= 2
        ? customers(Number(qs.get('pageNumber')) * 500 - 499, 500, { maxPageSize: 500 })
        : [],
    );
    const pages = await readAll(readerFor(stream).reader);
    expect(pages.map((p) => p.length)).toEqual([500, 500, 0]);
    expect(q).toHaveLength(3);
  });

  it('an empty first page yields no records and stops', async () => {
    const q = serve('/v1/customer', () => []);
    const pages = await readAll(readerFor(visma()).reader);
    expect(pages).toEqual([[]]);
    expect(q).toHaveLength(1);
  });

  it('without total or cap, a page shorter than page_size is the last', async () => {
    const stream: Stream = {
      path: '/list',
      primary_key: 'id',
      records: 'items',
      pagination: { type: 'page_number', page_param: 'p', page_size: 3, start: 0 },
    };
    const q = serve('/list', (qs) => ({
      items: Number(qs.get('p')) === 0 ? [{ id: 1 }, { id: 2 }, { id: 3 }] : [{ id: 4 }],
    }));
    const pages = await readAll(readerFor(stream).reader);
    expect(pages.map((p) => p.length)).toEqual([3, 1]);
    expect(q).toEqual([{ p: '0' }, { p: '1' }]);
  });
});

describe('offset', () => {
  it('QuickBooks: {page.offset} and {page.size} inside the query text, STARTPOSITION from 1', async () => {
    // No saved cursor: the incremental {where} fragment is empty (first run).
    const stream = shippedConnector('quickbooks').streams!.customers;
    const q = serve('/query', (qs) => {
      const m = /STARTPOSITION (\d+) MAXRESULTS (\d+)/.exec(qs.get('query') ?? '');
      const start = Number(m?.[1]);
      const n = start === 1 ? 1000 : 7;
      return {
        QueryResponse: {
          Customer: Array.from({ length: n }, (_, i) => ({ Id: String(start + i) })),
          startPosition: start,
          maxResults: n,
        },
        time: 'x',
      };
    });
    const { reader } = readerFor(stream, { query: { minorversion: '75' } });
    const pages = await readAll(reader);
    expect(pages.map((p) => p.length)).toEqual([1000, 7]);
    expect(q).toEqual([
      { query: 'SELECT * FROM Customer STARTPOSITION 1 MAXRESULTS 1000', minorversion: '75' },
      { query: 'SELECT * FROM Customer STARTPOSITION 1001 MAXRESULTS 1000', minorversion: '75' },
    ]);
  });

  it('QuickBooks: a page without the entity key (no more rows) is the end', async () => {
    const stream = shippedConnector('quickbooks').streams!.invoices;
    const q = serve('/query', () => ({ QueryResponse: {}, time: 'x' }));
    const pages = await readAll(readerFor(stream).reader);
    expect(pages).toEqual([[]]);
    expect(q).toHaveLength(1);
  });

  it('offset_param and size_param go to the query; total stops the walk', async () => {
    const stream: Stream = {
      path: '/rows',
      primary_key: 'id',
      records: 'rows',
      pagination: { type: 'offset', offset_param: 'skip', size_param: 'top', page_size: 2, total: 'count' },
    };
    const q = serve('/rows', (qs) => {
      const skip = Number(qs.get('skip'));
      return { count: 5, rows: [{ id: skip }, { id: skip + 1 }].filter((r) => r.id < 5) };
    });
    const pages = await readAll(readerFor(stream).reader);
    expect(pages.flat()).toHaveLength(5);
    expect(q).toEqual([
      { skip: '0', top: '2' },
      { skip: '2', top: '2' },
      { skip: '4', top: '2' },
    ]);
  });
});

describe('cursor', () => {
  it('Zendesk: page[after] from meta.after_cursor while meta.has_more', async () => {
    const stream = shippedConnector('zendesk').streams!.organizations;
    const q = serve('/organizations', (_qs, n) =>
      n === 0
        ? {
            organizations: [{ id: 1 }, { id: 2 }],
            meta: { has_more: true, after_cursor: 'AFTER-1', before_cursor: 'B' },
          }
        : { organizations: [{ id: 3 }], meta: { has_more: false, after_cursor: 'AFTER-2', before_cursor: 'B2' } },
    );
    const pages = await readAll(readerFor(stream).reader);
    expect(pages.map((p) => p.length)).toEqual([2, 1]);
    expect(q).toEqual([{ 'page[size]': '100' }, { 'page[size]': '100', 'page[after]': 'AFTER-1' }]);
  });

  it('Pipedrive: additional_data.next_cursor until it is null', async () => {
    const stream = { ...shippedConnector('pipedrive').streams!.organizations, incremental: undefined };
    const q = serve('/organizations', (_qs, n) => ({
      success: true,
      data: [{ id: n + 1, update_time: '2026-01-01T00:00:00Z' }],
      additional_data: { next_cursor: n < 2 ? `c${n + 1}` : null },
    }));
    const pages = await readAll(readerFor(stream).reader);
    expect(pages).toHaveLength(3);
    expect(q.map((x) => x.cursor)).toEqual([undefined, 'c1', 'c2']);
    expect(q[0]).toEqual({ sort_by: 'update_time', sort_direction: 'asc', limit: '500' });
  });

  it('stop_when ends the walk even with a cursor in the body (Zendesk incremental end_of_stream)', async () => {
    const stream = { ...shippedConnector('zendesk').streams!.tickets, incremental: undefined };
    const q = serve('/incremental/tickets/cursor', (_qs, n) => ({
      tickets: [{ id: n }],
      after_cursor: `T${n}`,
      end_of_stream: n === 1,
    }));
    const pages = await readAll(readerFor(stream).reader);
    expect(pages).toHaveLength(2);
    expect(q.map((x) => x.cursor)).toEqual([undefined, 'T0']);
  });

  it('an empty cursor value ends the walk', async () => {
    const stream: Stream = {
      path: '/c',
      primary_key: 'id',
      records: 'data',
      pagination: { type: 'cursor', cursor_param: 'after', next_cursor: 'next' },
    };
    const q = serve('/c', (_qs, n) => ({ data: [{ id: n }], next: n === 0 ? 'x' : '' }));
    await readAll(readerFor(stream).reader);
    expect(q).toEqual([{}, { after: 'x' }]);
  });
});

describe('next_url', () => {
  it('follows the absolute URL in the body as is, until there is none', async () => {
    const stream: Stream = {
      path: '/items',
      primary_key: 'id',
      records: 'items',
      query: { filter: 'active' },
      pagination: { type: 'next_url', next_url: 'links.next', size_param: 'per_page', page_size: 2 },
    };
    const seen: string[] = [];
    nock(API)
      .get(/\/items.*/)
      .times(3)
      .reply((uri) => {
        seen.push(uri);
        const n = seen.length;
        return [
          200,
          { items: [{ id: n }], links: { next: n < 3 ? `${API}/items?page_token=t${n}&per_page=2` : null } },
        ];
      });
    const pages = await readAll(readerFor(stream).reader);
    expect(pages).toHaveLength(3);
    expect(seen).toEqual([
      '/items?filter=active&per_page=2',
      '/items?page_token=t1&per_page=2',
      '/items?page_token=t2&per_page=2',
    ]);
  });

  // Regression (was a bug): engine/read/reader.ts pages() passes the next_url value to the client as is, and engine/http/client.ts
  // once() does new URL(url) without a base: a relative next link ("/items?page=2", common in REST APIs) is an
  // "Invalid URL" TypeError that ends the run, instead of being resolved against the URL of the page it came from.
  it('a relative next URL is resolved against the page it came from', async () => {
    const stream: Stream = {
      path: '/items',
      primary_key: 'id',
      records: 'items',
      pagination: { type: 'next_url', next_url: 'next' },
    };
    const seen: string[] = [];
    nock(API)
      .get(/\/items.*/)
      .times(2)
      .reply((uri) => {
        seen.push(uri);
        return [200, { items: [{ id: seen.length }], next: seen.length === 1 ? '/items?page=2' : null }];
      });
    const pages = await readAll(readerFor(stream).reader);
    expect(pages).toHaveLength(2);
    expect(seen).toEqual(['/items', '/items?page=2']);
  });

  it('has_more false stops before following the URL', async () => {
    const stream: Stream = {
      path: '/items',
      primary_key: 'id',
      records: 'items',
      pagination: { type: 'next_url', next_url: 'next', has_more: 'more' },
    };
    const q = serve('/items', () => ({ items: [{ id: 1 }], next: `${API}/items?x=2`, more: false }));
    await readAll(readerFor(stream).reader);
    expect(q).toHaveLength(1);
  });
});

describe('paginator state', () => {
  it('two readers of the same stream each start at page 1 (a fresh paginator per chain)', async () => {
    const stream = visma();
    const q = serve('/v1/customer', (qs) => customers(Number(qs.get('pageNumber')) * 10, 2, { totalCount: 4 }));
    const a = readerFor(stream).reader.pages();
    const b = readerFor(stream).reader.pages();
    const a1 = await a.next();
    const b1 = await b.next();
    const a2 = await a.next();
    const b2 = await b.next();
    expect([a1.value, b1.value].map((p) => (p as { number: string }[])[0].number)).toEqual(['10', '10']);
    expect([a2.value, b2.value].map((p) => (p as { number: string }[])[0].number)).toEqual(['20', '20']);
    // Each reader asks for its page 2 before handing over its page 1 (read-ahead).
    expect(q.map((x) => x.pageNumber)).toEqual(['1', '2', '1', '2']);
    expect((await a.next()).done).toBe(true);
    expect((await b.next()).done).toBe(true);
  });

  it('requests the next page while the caller works on the current one, and never one past the last', async () => {
    const stream = visma();
    const q = serve('/v1/customer', (qs) => customers(Number(qs.get('pageNumber')) * 10, 2, { totalCount: 6 }));
    const pages = readerFor(stream).reader.pages();
    await pages.next();
    // The caller holds page 1; page 2 is already on its way.
    await new Promise((r) => setTimeout(r, 20));
    expect(q.map((x) => x.pageNumber)).toEqual(['1', '2']);
    await pages.next();
    await pages.next();
    expect((await pages.next()).done).toBe(true);
    expect(q.map((x) => x.pageNumber)).toEqual(['1', '2', '3']);
  });

  it('with a reported total, asks for two pages ahead once the stream has shown two full pages, and never past the last', async () => {
    const stream = visma();
    const q = serve('/v1/customer', (qs) => customers(Number(qs.get('pageNumber')) * 10, 2, { totalCount: 12 }));
    const pages = readerFor(stream).reader.pages();
    await pages.next();
    await pages.next();
    // The caller holds page 2: pages 3 and 4 are both on their way.
    await new Promise((r) => setTimeout(r, 20));
    expect(q.map((x) => x.pageNumber)).toEqual(['1', '2', '3', '4']);
    const rest: string[] = [];
    for (let p = await pages.next(); !p.done; p = await pages.next())
      rest.push((p.value as { number: string }[])[0].number);
    expect(rest).toEqual(['30', '40', '50', '60']);
    expect(q.map((x) => x.pageNumber)).toEqual(['1', '2', '3', '4', '5', '6']);
  });

  it('an offset guessed wrong (the source sent a shorter page) is dropped and the right page read', async () => {
    const stream: Stream = {
      path: '/items',
      primary_key: 'id',
      records: 'items',
      pagination: { type: 'offset', offset_param: 'offset', size_param: 'limit', page_size: 3, total: 'total' },
    };
    // Ten items in pages of three, but the page at offset 6 comes back with two.
    const ids = Array.from({ length: 10 }, (_, i) => i + 1);
    const q = serve('/items', (qs) => {
      const at = Number(qs.get('offset'));
      return { items: ids.slice(at, at + (at === 6 ? 2 : 3)).map((id) => ({ id })), total: ids.length };
    });
    const pages = await readAll(readerFor(stream).reader);
    expect(pages.flat().map((r) => (r as { id: number }).id)).toEqual(ids);
    // Offset 9 was the guess made beside offset 6 (as full as the page before); the chain went on at 8.
    expect(q.map((x) => x.offset).sort()).toEqual(['0', '3', '6', '8', '9']);
  });

  it('a caller that stops early leaves the page read ahead unread, and its failure unreported', async () => {
    const stream = visma();
    let n = 0;
    nock(API)
      .get('/v1/customer')
      .query(true)
      .times(2)
      .reply(() => (++n === 1 ? [200, customers(10, 2, { totalCount: 6 })] : [400, { message: 'bad page' }]));
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      for await (const page of readerFor(stream).reader.pages()) {
        expect(page).toHaveLength(2);
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
      expect(n).toBe(2);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('createPaginator returns independent instances', async () => {
    const p: Pagination = { type: 'offset', page_size: 2 };
    const x = createPaginator(p, 't');
    const y = createPaginator(p, 't');
    const nx = await x.next({ body: {}, records: [{}, {}] });
    expect(nx?.vars).toEqual({ page: { offset: 2, size: 2 } });
    expect(y.first().vars).toEqual({ page: { offset: 0, size: 2 } });
  });

  it('no pagination reads one page', async () => {
    expect(Object.keys(PAGINATORS)).toContain('none');
    const q = serve('/one', () => [{ id: 1 }]);
    const pages = await readAll(readerFor({ path: '/one', primary_key: 'id' }).reader);
    expect(pages).toEqual([[{ id: 1 }]]);
    expect(q).toHaveLength(1);
  });
});
