// The key listing of a reconcile (engine/read/key-listing.ts): only a complete listing counts, and
// what makes one incomplete is said. Page numbers with a total (Visma), cursors without one.
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import type { Stream } from '../../engine/config/types.generated.js';
import { listKeys } from '../../engine/read/key-listing.js';
import { API, makeClient, testConnector, useNock } from './helpers.js';

useNock();

const numbered: Stream = {
  path: '/customers',
  records: '$',
  primary_key: 'number',
  pagination: {
    type: 'page_number',
    page_param: 'pageNumber',
    size_param: 'pageSize',
    page_size: 2,
    total: '$[0].metadata.totalCount',
  },
  incremental: {
    type: 'datetime',
    field: 'changed',
    params: { changedSince: '{cursor}' },
    format: 'iso8601',
  },
};

const cursored: Stream = {
  path: '/items',
  records: 'items',
  primary_key: 'id',
  pagination: { type: 'cursor', cursor_param: 'after', next_cursor: 'next', page_size: 2, size_param: 'limit' },
};

const rows = (numbers: number[], total: number) =>
  numbers.map((n) => ({ number: String(n), metadata: { totalCount: total } }));

/** Answers each request with `answer(query)`: [status, body]. Returns the queries seen. */
function serve(path: string, answer: (q: URLSearchParams) => [number, unknown]) {
  const queries: Record<string, string>[] = [];
  nock(API)
    .get(path)
    .query(true)
    .times(50)
    .reply((uri) => {
      const q = new URL(uri, API).searchParams;
      queries.push(Object.fromEntries(q));
      return answer(q);
    });
  return queries;
}

const list = (stream: Stream, o: { query?: Record<string, string>; pageSize?: number } = {}) => {
  const { client } = makeClient(testConnector({ errors: [{ status: [400], action: 'fail_record' }] }));
  return listKeys({ client, baseUrl: API, vars: {}, name: 's', stream, ...o });
};

describe('key listing for a reconcile', () => {
  it('lists every key at its own page size and query, without delta parameters', async () => {
    const queries = serve('/customers', (q) => {
      const page = Number(q.get('pageNumber'));
      return [200, page === 1 ? rows([1, 2, 3], 5) : rows([4, 5], 5)];
    });
    const r = await list(numbered, { query: { fields: 'number' }, pageSize: 3 });
    expect(r).toEqual({ complete: true, keys: ['1', '2', '3', '4', '5'], pages: 2 });
    expect(queries).toEqual([
      { fields: 'number', pageNumber: '1', pageSize: '3' },
      { fields: 'number', pageNumber: '2', pageSize: '3' },
    ]);
  });

  it('asks for the page after the next meanwhile, never a page twice or past the total', async () => {
    const queries = serve('/customers', (q) => {
      const page = Number(q.get('pageNumber'));
      return [
        200,
        rows(
          [2 * page - 1, 2 * page].filter((n) => n <= 7),
          7,
        ),
      ];
    });
    const r = await list(numbered);
    expect(r).toEqual({ complete: true, keys: ['1', '2', '3', '4', '5', '6', '7'], pages: 4 });
    expect(queries.map((q) => q.pageNumber).sort()).toEqual(['1', '2', '3', '4']);
  });

  it('is incomplete when a page fails, however many keys it had', async () => {
    serve('/customers', (q) => (q.get('pageNumber') === '2' ? [400, { message: 'no' }] : [200, rows([1, 2], 6)]));
    const r = await list(numbered);
    expect(r).toMatchObject({ complete: false, listed: 2, pages: 1 });
    expect(r.complete || r.reason).toMatch(/^page 2 failed: /);
  });

  it('is incomplete when the keys do not add up to the total, or the totals change between pages', async () => {
    // Page 3 is empty: the paging ends one key short.
    serve('/customers', (q) => {
      const page = Number(q.get('pageNumber'));
      return [200, page === 1 ? rows([1, 2], 5) : page === 2 ? rows([3, 4], 5) : []];
    });
    expect(await list(numbered)).toMatchObject({
      complete: false,
      listed: 4,
      reason: '4 keys listed but the source reported a total of 5',
    });
    nock.cleanAll();
    serve('/customers', (q) => [200, q.get('pageNumber') === '1' ? rows([1, 2], 4) : rows([3], 3)]);
    const changed = await list(numbered);
    expect(changed.complete).toBe(false);
    expect(changed.complete || changed.reason).toMatch(/different totals \(4, 3\)/);
  });

  it('is incomplete when a record has no key (it could be any of the mirror\u2019s)', async () => {
    serve('/customers', () => [200, [{ number: '1', metadata: { totalCount: 2 } }, { metadata: { totalCount: 2 } }]]);
    const r = await list(numbered);
    expect(r).toMatchObject({ complete: false, reason: 'record 2 of page 1 has no usable primary key number' });
  });

  it('follows a cursor to its end where the source reports no total', async () => {
    const queries = serve('/items', (q) => {
      const after = q.get('after');
      if (!after) return [200, { items: [{ id: 1 }, { id: 2 }], next: 'c2' }];
      return [200, { items: [{ id: 3 }], next: null }];
    });
    expect(await list(cursored)).toEqual({ complete: true, keys: ['1', '2', '3'], pages: 2 });
    expect(queries).toEqual([{ limit: '2' }, { limit: '2', after: 'c2' }]);
  });

  it('is incomplete when the server repeats its cursor', async () => {
    serve('/items', () => [200, { items: [{ id: 1 }], next: 'same' }]);
    const r = await list(cursored);
    expect(r).toMatchObject({ complete: false, reason: 'page 3 repeats an earlier request: the paging never ended' });
  });
});
