// The read path never loses, never loops, never hangs (issue 10, items 2, 3, 8, 9, 10): future
// timestamps and the delta cursor, answers of the wrong shape, servers that repeat themselves,
// a total wait budget per request, and timeouts in seconds.
import nock from 'nock';
import { afterAll, describe, expect, it } from 'vitest';
import type { Cursor, Stream } from '../../engine/config/types.generated.js';
import { closeDefaultDispatcher } from '../../engine/http/client.js';
import { Redactor } from '../../engine/http/redact.js';
import { loadProject } from '../../engine/config/project.js';
import { createCursor } from '../../engine/read/cursors.js';
import { StreamReader } from '../../engine/read/reader.js';
import type { LiveConnection } from '../../engine/runtime/connection.js';
import { openState } from '../../engine/store/open.js';
import { provisionFields } from '../../engine/sync/provision.js';
import {
  API,
  failure,
  fakeClock,
  localServer,
  makeClient,
  repoRoot,
  shippedConnector,
  testConnector,
  useNock,
} from './helpers.js';

useNock();
afterAll(() => closeDefaultDispatcher());

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);

async function readAll(reader: StreamReader): Promise<unknown[][]> {
  const pages: unknown[][] = [];
  for await (const p of reader.pages()) pages.push(p);
  return pages;
}

/** Answers every GET of `path` with `answer(query, n)`; counts the requests. */
function serve(path: string, answer: (q: URLSearchParams, n: number) => [number, unknown, Record<string, string>?]) {
  const calls: Record<string, string>[] = [];
  nock(API)
    .get(path)
    .query(true)
    .times(200)
    .reply((uri) => {
      const q = new URL(uri, API).searchParams;
      calls.push(Object.fromEntries(q));
      const [status, body, headers] = answer(q, calls.length - 1);
      return [
        status,
        typeof body === 'string' ? body : JSON.stringify(body),
        { 'content-type': 'application/json', ...headers },
      ];
    });
  return calls;
}

function reader(stream: Stream, o: { saved?: string; redactor?: Redactor; query?: Record<string, string> } = {}) {
  const { client } = makeClient(testConnector(), { clock: fakeClock(NOW), redactor: o.redactor, query: o.query });
  return new StreamReader({ client, baseUrl: API, vars: {}, name: 's', stream, saved: o.saved });
}

describe('item 2: a future timestamp never moves the delta cursor', () => {
  const visma = () => shippedConnector('visma').streams!.customers;

  it('a record stamped in the future is read, noted as a warning, and the cursor stays at the newest trusted time', async () => {
    serve('/v1/customer', () => [
      200,
      [
        { number: '1', lastModifiedDateTime: '2026-06-01T11:00:00.000', metadata: { totalCount: 3 } },
        { number: '2', lastModifiedDateTime: '9999-12-31T23:59:59Z', metadata: { totalCount: 3 } },
        { number: '3', lastModifiedDateTime: '2026-06-01T12:03:00.000', metadata: { totalCount: 3 } },
      ],
    ]);
    const r = reader(visma(), { saved: '2026-06-01T10:00:00.000Z' });
    const pages = await readAll(r);
    expect(pages.flat()).toHaveLength(3);
    // 12:03 is within the 5-minute skew of the read's start (12:00); 9999 is not.
    expect(r.cursor()).toBe('2026-06-01T12:03:00.000Z');
    expect([...r.page.notes]).toEqual([
      [
        1,
        {
          level: 'warning',
          message: expect.stringContaining('lastModifiedDateTime "9999-12-31T23:59:59Z" lies in the future'),
        },
      ],
    ]);
  });

  it('future_skew is configurable, and epoch_seconds cursors follow the same rule', () => {
    const c: Cursor = { type: 'epoch_seconds', field: 'updated_at', future_skew: '1h' };
    const t = createCursor(c, String(NOW / 1000 - 60), 'stream t', NOW);
    expect(t.observeRecord({ updated_at: NOW / 1000 + 1800 })).toBeUndefined();
    expect(t.observeRecord({ updated_at: NOW / 1000 + 7200 })?.level).toBe('warning');
    expect(t.result()).toBe(String(NOW / 1000 + 1800));
  });

  it('a saved cursor already in the future (poisoned earlier) is discarded: the stream is read in full, with a warning', async () => {
    const calls = serve('/v1/customer', () => [
      200,
      [{ number: '1', lastModifiedDateTime: '2026-06-01T09:00:00.000', metadata: { totalCount: 1 } }],
    ]);
    const r = reader(visma(), { saved: '9999-12-31T23:59:59.000Z' });
    await readAll(r);
    expect(calls[0].lastModifiedDateTime).toBeUndefined();
    expect(r.warnings.join()).toMatch(/saved cursor 9999-12-31T23:59:59.000Z lies in the future; it was discarded/);
    expect(r.cursor()).toBe('2026-06-01T09:00:00.000Z');
  });
});

describe('item 3: an answer of the wrong shape is an error of that request', () => {
  it('an object where the records array is expected is an error, not a page', async () => {
    serve('/v1/customer', () => [200, { message: 'Too many requests in this session' }]);
    const err = await failure(readAll(reader(shippedConnector('visma').streams!.customers)));
    expect(err.message).toContain('stream s: GET https://api.test/v1/customer');
    expect(err.message).toContain('expected an array of records at "$", found an object');
    expect(err.message).toContain('Too many requests in this session');
  });

  it('an HTML page with status 200 is an error naming the URL without secrets and quoting a short excerpt', async () => {
    const redactor = new Redactor();
    redactor.add('sekret-api-key');
    const html = `<!DOCTYPE html><html><head><title>Sign in</title></head><body>${'x'.repeat(5000)}</body></html>`;
    nock(API).get('/organizations').query(true).reply(200, html, { 'content-type': 'text/html' });
    const err = await failure(
      readAll(
        reader(shippedConnector('zendesk').streams!.organizations, { redactor, query: { api_key: 'sekret-api-key' } }),
      ),
    );
    expect(err.message).toMatch(/GET https:\/\/api\.test\/organizations\?.*api_key=\*\*\*/);
    expect(err.message).toContain(
      'expected a JSON answer, got an HTML page with status 200: "<!DOCTYPE html><html><head><title>Sign in</title>',
    );
    expect(err.message).not.toContain('sekret-api-key');
    expect(err.message.length).toBeLessThan(400);
  });

  it('invalid JSON on a 200 is retried, then an error quoting an excerpt', async () => {
    const { client } = makeClient(testConnector({ retry: { attempts: 1 } }), { clock: fakeClock(NOW) });
    serve('/items', () => [200, '{"items": [1, 2, tru']);
    const err = await failure(client.request({ url: `${API}/items`, expect: 'json' }));
    expect(err.message).toContain('GET https://api.test/items');
    expect(err.message).toContain('malformed JSON in a 200 response: "{\\"items\\": [1, 2, tru"');
  });

  it('QuickBooks leaves the entity key out of an empty page: declared empty_when_missing, that is the end, not an error', async () => {
    serve('/query', () => [200, { QueryResponse: {}, time: 'x' }]);
    expect(await readAll(reader(shippedConnector('quickbooks').streams!.customers))).toEqual([[]]);
  });

  it('Zendesk organization_fields answered by an HTML 200: provisioning fails clearly and records nothing as provisioned', async () => {
    const project = loadProject(repoRoot);
    const mapping = project.mappings.get('visma-zendesk')!.data!;
    const [flowName, flow] = Object.entries(mapping.flows)[0];
    const connector = shippedConnector('zendesk');
    const { client } = makeClient(connector, { clock: fakeClock(NOW) });
    const target = { name: 'zendesk', connector, baseUrl: API, vars: {}, client } as unknown as LiveConnection;
    nock(API)
      .get('/organization_fields')
      .query(true)
      .reply(200, '<html><body>Help Center is closed</body></html>', { 'content-type': 'text/html; charset=utf-8' });
    const created = nock(API).post('/organization_fields').reply(201, {});
    const store = await openState(null);
    try {
      const p = provisionFields({
        store,
        mapping: mapping.name,
        flowName,
        flow,
        op: connector.operations![flow.to],
        target,
        dryRun: false,
      });
      await expect(p).rejects.toThrow(
        /GET https:\/\/api\.test\/organization_fields.*expected a JSON answer, got an HTML page with status 200: "<html><body>Help Center is closed/,
      );
      expect(created.isDone()).toBe(false);
      expect(await store.provisioned.get({ mapping: mapping.name, flow: flowName }, 'zendesk')).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});

describe('item 8: pagination that never ends is stopped with a clear error', () => {
  it('a cursor the server repeats (has_more true, the same cursor) stops the stream', async () => {
    const calls = serve('/organizations', (_q, n) => [
      200,
      { organizations: [{ id: n + 1 }], meta: { has_more: true, after_cursor: 'SAME' } },
    ]);
    const err = await failure(readAll(reader(shippedConnector('zendesk').streams!.organizations)));
    expect(err.message).toMatch(
      /page 2 leads to a page already read .*the server repeats its cursor; the stream was stopped/,
    );
    expect(calls.length).toBeLessThanOrEqual(3);
  });

  it('a server that ignores pageNumber while reporting a huge totalCount (identical pages) stops the stream', async () => {
    const calls = serve('/v1/customer', () => [
      200,
      [{ number: '1', metadata: { totalCount: 10_000_000, maxPageSize: 1 } }],
    ]);
    const err = await failure(
      readAll(reader({ ...shippedConnector('visma').streams!.customers, incremental: undefined })),
    );
    expect(err.message).toContain('page 2 is identical to page 1: the server ignores the paging parameters');
    expect(calls.length).toBeLessThanOrEqual(4);
  });

  it('a next URL the server repeats stops the stream', async () => {
    const stream: Stream = {
      path: '/items',
      primary_key: 'id',
      records: 'items',
      pagination: { type: 'next_url', next_url: 'next' },
    };
    const calls = serve('/items', (_q, n) => [200, { items: [{ id: n }], next: `${API}/items?page=2` }]);
    const err = await failure(readAll(reader(stream)));
    expect(err.message).toContain(`next URL ${API}/items?page=2`);
    expect(calls.length).toBeLessThanOrEqual(3);
  });

  it('pages are capped by pagination.max_pages (a server that never sends a short page)', async () => {
    const stream: Stream = {
      path: '/items',
      primary_key: 'id',
      records: 'items',
      pagination: { type: 'page_number', page_param: 'page', page_size: 1, max_pages: 5 },
    };
    const calls = serve('/items', (q) => [200, { items: [{ id: q.get('page') }] }]);
    const err = await failure(readAll(reader(stream)));
    expect(err.message).toContain('more than pagination.max_pages (5) pages');
    expect(calls.length).toBe(5);
  });
});

describe('item 9: every request has a total wait budget', () => {
  it('Retry-After: 86400 stops the request within the default 5-minute budget, saying when the server asked to come back', async () => {
    const clock = fakeClock(NOW);
    const { client } = makeClient(testConnector(), { clock });
    const calls = serve('/items', () => [429, { error: 'quota' }, { 'retry-after': '86400' }]);
    const err = await failure(client.request({ url: `${API}/items` }));
    expect(err.scope).toBe('run');
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(5 * 60_000);
    expect(clock.sleeps.every((ms) => ms <= 120_000)).toBe(true);
    expect(calls.length).toBeLessThanOrEqual(3);
    expect(err.message).toContain('gave up after 240 s of retries and waits (retry.budget 300 s)');
    // Asked at the third answer, after two capped waits of 120 s.
    expect(err.message).toContain(
      `the server asked to come back at ${new Date(NOW + 240_000 + 86_400_000).toISOString()}`,
    );
  });

  it('429 waits count against the budget (retry.budget configurable): short Retry-Afters do not go on for 50 rounds', async () => {
    const clock = fakeClock(NOW);
    const { client } = makeClient(testConnector({ retry: { budget: '10s' } }), { clock });
    const calls = serve('/items', () => [429, {}, { 'retry-after': '1' }]);
    const err = await failure(client.request({ url: `${API}/items` }));
    expect(calls.length).toBe(11);
    expect(clock.sleeps).toEqual(Array(10).fill(1000));
    expect(err.message).toContain('retry.budget 10 s');
  });
});

describe('item 10: timeouts in seconds', () => {
  it('defaults: connect 10 s, read 30 s, budget 5 min; each overridable in the connector', () => {
    expect(makeClient(testConnector()).client.timeouts).toEqual({
      connectMs: 10_000,
      readMs: 30_000,
      budgetMs: 300_000,
    });
    expect(
      makeClient(testConnector({ connect_timeout: '2s', timeout: '5s', retry: { budget: '1m' } })).client.timeouts,
    ).toEqual({ connectMs: 2000, readMs: 5000, budgetMs: 60_000 });
  });

  it('a server that accepts the connection and never answers is a clear error after the read timeout', async () => {
    const srv = await localServer(() => new Promise(() => undefined));
    try {
      const { client } = makeClient(testConnector({ base_url: srv.url, timeout: '200ms', retry: { attempts: 0 } }));
      const t0 = performance.now();
      const err = await failure(client.request({ url: `${srv.url}/hang` }));
      expect(err.message).toContain('no answer within 200 ms');
      expect(performance.now() - t0).toBeLessThan(2000);
    } finally {
      await srv.close();
    }
  });
});
