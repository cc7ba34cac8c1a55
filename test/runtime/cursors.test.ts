// Delta cursors: datetime formats and zones, lookback, the high-water mark, vars fragments,
// epoch seconds and response tokens; directly and through StreamReader.
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cursor } from '../../engine/config/types.generated.js';
import { createCursor } from '../../engine/read/cursors.js';
import { formatInstant, parseInstant } from '../../engine/read/datetime-format.js';
import { StreamReader } from '../../engine/read/reader.js';
import { API, fakeClock, makeClient, shippedConnector, testConnector, useNock } from './helpers.js';

useNock();

// A zone with an offset (and DST), so "local" differs from UTC. Restored afterwards.
const savedTz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'America/New_York';
});
afterAll(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

const visma = () => shippedConnector('visma').streams!.customers.incremental!;
const quickbooks = () => shippedConnector('quickbooks').streams!.customers.incremental!;
const pipedrive = () => shippedConnector('pipedrive').streams!.organizations.incremental!;

describe('datetime cursor', () => {
  it('Visma: yyyy-MM-dd HH:mm:ss.SSS in UTC, lookback 5m subtracted, both params', () => {
    const c = createCursor(visma(), '2026-03-10T12:00:00.250Z', 'visma customers');
    expect(c.request()).toEqual({
      query: { lastModifiedDateTime: '2026-03-10 11:55:00.250', lastModifiedDateTimeCondition: '>=' },
      vars: {},
      firstPageOnly: false,
    });
  });

  it('no saved cursor: no params and empty vars fragments', () => {
    expect(createCursor(visma(), undefined, 'x').request()).toEqual({ query: {}, vars: {}, firstPageOnly: false });
    expect(createCursor(quickbooks(), undefined, 'x').request()).toEqual({
      query: {},
      vars: { where: '' },
      firstPageOnly: false,
    });
  });

  it("QuickBooks: the vars fragment carries the cursor with a literal '+00:00'", () => {
    const c = createCursor(quickbooks(), '2026-03-10T12:00:00.000Z', 'x');
    expect(c.request().vars).toEqual({ where: " WHERE MetaData.LastUpdatedTime >= '2026-03-10T11:55:00+00:00'" });
  });

  it("Pipedrive: RFC 3339 with a quoted 'Z', lookback 2m", () => {
    const c = createCursor(pipedrive(), '2026-03-10T00:01:00.000Z', 'x');
    expect(c.request().query).toEqual({ updated_since: '2026-03-09T23:59:00Z' });
  });

  it('iso8601 (and no format) write toISOString', () => {
    const base: Cursor = { type: 'datetime', field: 'm', params: { since: '{cursor}' } };
    expect(createCursor({ ...base, format: 'iso8601' }, '2026-03-10T12:00:00Z', 'x').request().query).toEqual({
      since: '2026-03-10T12:00:00.000Z',
    });
    expect(createCursor(base, '2026-03-10T12:00:00Z', 'x').request().query).toEqual({
      since: '2026-03-10T12:00:00.000Z',
    });
  });

  it('XXX writes the offset of the zone: Z in UTC, -04:00 / -05:00 in New York local time', () => {
    const summer = Date.UTC(2026, 6, 1, 12, 0, 0);
    const winter = Date.UTC(2026, 0, 15, 12, 0, 0);
    expect(formatInstant(summer, "yyyy-MM-dd'T'HH:mm:ssXXX", 'UTC')).toBe('2026-07-01T12:00:00Z');
    expect(formatInstant(summer, "yyyy-MM-dd'T'HH:mm:ssXXX", 'local')).toBe('2026-07-01T08:00:00-04:00');
    expect(formatInstant(winter, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", 'local')).toBe('2026-01-15T07:00:00.000-05:00');
    const c = createCursor(
      {
        type: 'datetime',
        field: 'm',
        params: { since: '{cursor}' },
        format: "yyyy-MM-dd'T'HH:mm:ssXXX",
        timezone: 'local',
        lookback: '1h',
      },
      '2026-07-01T12:00:00Z',
      'x',
    );
    expect(c.request().query).toEqual({ since: '2026-07-01T07:00:00-04:00' });
  });

  it('quoted literals are copied, pattern letters outside quotes are not', () => {
    expect(formatInstant(Date.UTC(2026, 1, 3, 4, 5, 6, 7), "'at' dd.MM.yyyy 'T' HH:mm:ss.SSS")).toBe(
      'at 03.02.2026 T 04:05:06.007',
    );
  });

  it('timestamps without an offset are read in the cursor timezone', () => {
    const utc = createCursor({ type: 'datetime', field: 't', timezone: 'UTC' }, undefined, 'x');
    utc.observeRecord({ t: '2026-07-01 10:00:00.000' });
    expect(utc.result()).toBe('2026-07-01T10:00:00.000Z');
    const local = createCursor({ type: 'datetime', field: 't', timezone: 'local' }, undefined, 'x');
    local.observeRecord({ t: '2026-07-01T10:00:00' });
    expect(local.result()).toBe('2026-07-01T14:00:00.000Z');
    // An explicit offset wins over the zone.
    const withOffset = createCursor({ type: 'datetime', field: 't', timezone: 'local' }, undefined, 'x');
    withOffset.observeRecord({ t: '2026-07-01T10:00:00+02:00' });
    expect(withOffset.result()).toBe('2026-07-01T08:00:00.000Z');
  });

  it('parseInstant: offsets, Z, epoch numbers, date-only in UTC, unreadable -> NaN', () => {
    expect(parseInstant('2026-07-01T10:00:00Z')).toBe(Date.UTC(2026, 6, 1, 10));
    expect(parseInstant('2026-07-01T10:00:00-0700')).toBe(Date.UTC(2026, 6, 1, 17));
    expect(parseInstant('2026-07-01')).toBe(Date.UTC(2026, 6, 1));
    expect(parseInstant(1_780_000_000)).toBe(1_780_000_000_000);
    expect(parseInstant(1_780_000_000_123)).toBe(1_780_000_000_123);
    expect(parseInstant('yesterday')).toBeNaN();
    expect(parseInstant(null)).toBeNaN();
  });

  // Regression (was a bug): engine/read/datetime-format.ts parseInstant(): for zone "local" a date-only value goes to Date.parse as is,
  // and ECMAScript reads date-only ISO strings as UTC, so "2026-07-01" becomes UTC midnight rather than local
  // midnight, unlike date-times without an offset (local) and unlike the UTC branch, which appends the time explicitly.
  it('parseInstant: a date-only value in zone local is local midnight', () => {
    expect(parseInstant('2026-07-01', 'local')).toBe(new Date(2026, 6, 1).getTime());
  });

  it('the high-water mark only advances', () => {
    const c = createCursor({ type: 'datetime', field: 'meta.updated' }, '2026-03-10T12:00:00.000Z', 'x');
    c.observeRecord({ meta: { updated: '2026-03-10T11:00:00Z' } });
    expect(c.result()).toBe('2026-03-10T12:00:00.000Z');
    c.observeRecord({ meta: { updated: '2026-03-10T13:30:00Z' } });
    c.observeRecord({ meta: { updated: '2026-03-10T12:30:00Z' } });
    c.observeRecord({ meta: {} });
    expect(c.result()).toBe('2026-03-10T13:30:00.000Z');
  });

  it('nothing read keeps the saved cursor; nothing saved and nothing read gives no cursor', () => {
    expect(createCursor(visma(), '2026-03-10T12:00:00.000Z', 'x').result()).toBe('2026-03-10T12:00:00.000Z');
    expect(createCursor(visma(), undefined, 'x').result()).toBeUndefined();
  });

  // Regression (was a bug): an unreadable timestamp threw, and one bad record stopped every run.
  it('an unreadable timestamp is a failure of that record naming the stream and field, and does not move the mark', () => {
    const c = createCursor(visma(), '2026-03-10T12:00:00.000Z', 'stream customers', Date.UTC(2026, 2, 11));
    for (const bad of [null, 'not a date', '1762000000']) {
      const note = c.observeRecord({ lastModifiedDateTime: bad });
      expect(note?.level).toBe('failure');
      expect(note?.message).toContain(
        `stream customers: lastModifiedDateTime ${JSON.stringify(bad)} cannot be read as a timestamp`,
      );
    }
    expect(c.result()).toBe('2026-03-10T12:00:00.000Z');
  });
});

describe('epoch_seconds cursor', () => {
  const spec: Cursor = {
    type: 'epoch_seconds',
    field: 'updated_at',
    params: { start_time: '{cursor}' },
    lookback: '1m',
  };

  it('lookback in seconds, the mark from seconds or milliseconds, as a string', () => {
    const c = createCursor(spec, '1780000000', 'x');
    expect(c.request().query).toEqual({ start_time: '1779999940' });
    c.observeRecord({ updated_at: 1_780_000_100 });
    c.observeRecord({ updated_at: 1_780_000_050_999 });
    c.observeRecord({ updated_at: '2026-05-28T20:30:00Z' });
    expect(c.result()).toBe(String(Date.UTC(2026, 4, 28, 20, 30) / 1000));
  });

  it('without a saved value there are no params and no records keep it undefined', () => {
    const c = createCursor(spec, undefined, 'x');
    expect(c.request().query).toEqual({});
    expect(c.result()).toBeUndefined();
    c.observeRecord({ updated_at: 5 });
    expect(c.result()).toBe('5');
  });

  it('an older record does not move the mark back', () => {
    const c = createCursor(spec, '1780000000', 'x');
    c.observeRecord({ updated_at: 1_700_000_000 });
    expect(c.result()).toBe('1780000000');
  });
});

describe('response_token cursor', () => {
  const tickets = () => shippedConnector('zendesk').streams!.tickets;

  it('first run: start_param=0 on the first request; the saved token otherwise; first page only', () => {
    const spec = tickets().incremental!;
    expect(createCursor(spec, undefined, 'x').request()).toEqual({
      query: { start_time: '0' },
      vars: {},
      firstPageOnly: true,
    });
    expect(createCursor(spec, 'TOKEN-9', 'x').request()).toEqual({
      query: { cursor: 'TOKEN-9' },
      vars: {},
      firstPageOnly: true,
    });
  });

  it('the result is the last token a page carried', async () => {
    const c = createCursor(tickets().incremental!, 'T0', 'x');
    await c.observePage({ after_cursor: 'T1' });
    await c.observePage({ after_cursor: null });
    expect(c.result()).toBe('T1');
    await c.observePage({ after_cursor: 'T2' });
    expect(c.result()).toBe('T2');
  });

  it('through StreamReader: start_time only on the first page, later pages use the pagination cursor', async () => {
    const seen: Record<string, string>[] = [];
    nock(API)
      .get('/incremental/tickets/cursor')
      .query(true)
      .times(3)
      .reply((uri) => {
        seen.push(Object.fromEntries(new URL(uri, API).searchParams));
        const n = seen.length;
        return [
          200,
          { tickets: [{ id: n, updated_at: '2026-01-01T00:00:00Z' }], after_cursor: `AC${n}`, end_of_stream: n === 3 },
        ];
      });
    const { client } = makeClient(testConnector());
    const reader = new StreamReader({ client, baseUrl: API, vars: {}, name: 'tickets', stream: tickets() });
    for await (const _p of reader.pages()) {
      // Read every page; the requests are what is checked.
    }
    expect(seen).toEqual([{ start_time: '0' }, { cursor: 'AC1' }, { cursor: 'AC2' }]);
    expect(reader.cursor()).toBe('AC3');
  });

  it('through StreamReader with a saved token: cursor=<saved> first, and `full` ignores it', async () => {
    const seen: Record<string, string>[] = [];
    nock(API)
      .get('/incremental/tickets/cursor')
      .query(true)
      .times(2)
      .reply((uri) => {
        seen.push(Object.fromEntries(new URL(uri, API).searchParams));
        return [200, { tickets: [], after_cursor: 'NEXT', end_of_stream: true }];
      });
    const { client } = makeClient(testConnector());
    const r1 = new StreamReader({ client, baseUrl: API, vars: {}, name: 'tickets', stream: tickets(), saved: 'SAVED' });
    for await (const _p of r1.pages()) {
      // Read every page; the requests are what is checked.
    }
    const r2 = new StreamReader({
      client,
      baseUrl: API,
      vars: {},
      name: 'tickets',
      stream: tickets(),
      saved: 'SAVED',
      full: true,
    });
    for await (const _p of r2.pages()) {
      // Read every page; the requests are what is checked.
    }
    expect(seen).toEqual([{ cursor: 'SAVED' }, { start_time: '0' }]);
    expect(r1.cursor()).toBe('NEXT');
  });
});

describe('datetime cursor through StreamReader', () => {
  it('Visma: the params go on every page, and cursor() is the newest record time', async () => {
    const seen: Record<string, string>[] = [];
    nock(API)
      .get('/v1/customer')
      .query(true)
      .times(2)
      .reply((uri) => {
        seen.push(Object.fromEntries(new URL(uri, API).searchParams));
        const page = seen.length;
        const recs = [
          {
            number: `${page}a`,
            lastModifiedDateTime: page === 1 ? '2026-03-10T12:30:00.000' : '2026-03-10T12:10:00.000',
            metadata: { totalCount: 4 },
          },
          {
            number: `${page}b`,
            lastModifiedDateTime: page === 1 ? '2026-03-10T12:20:00.000' : '2026-03-10T12:40:00.123',
            metadata: { totalCount: 4 },
          },
        ];
        return [200, recs];
      });
    // The read happens after the data was stamped (a record stamped after the read's start is not trusted).
    const { client } = makeClient(testConnector(), { clock: fakeClock(Date.UTC(2026, 2, 11)) });
    const reader = new StreamReader({
      client,
      baseUrl: API,
      vars: {},
      name: 'customers',
      stream: shippedConnector('visma').streams!.customers,
      saved: '2026-03-10T12:05:00.000Z',
    });
    for await (const _p of reader.pages()) {
      // Read every page; the requests are what is checked.
    }
    expect(seen.map((q) => [q.lastModifiedDateTime, q.lastModifiedDateTimeCondition, q.pageNumber])).toEqual([
      ['2026-03-10 12:00:00.000', '>=', '1'],
      ['2026-03-10 12:00:00.000', '>=', '2'],
    ]);
    expect(reader.cursor()).toBe('2026-03-10T12:40:00.123Z');
  });

  it('QuickBooks: the WHERE fragment appears inside the query text once a cursor exists', async () => {
    let query = '';
    nock(API)
      .get('/query')
      .query(true)
      .reply((uri) => {
        query = new URL(uri, API).searchParams.get('query') ?? '';
        return [200, { QueryResponse: {} }];
      });
    // The read happens after the data was stamped (a record stamped after the read's start is not trusted).
    const { client } = makeClient(testConnector(), { clock: fakeClock(Date.UTC(2026, 2, 11)) });
    const reader = new StreamReader({
      client,
      baseUrl: API,
      vars: {},
      name: 'customers',
      stream: shippedConnector('quickbooks').streams!.customers,
      saved: '2026-03-10T12:05:00.000Z',
    });
    for await (const _p of reader.pages()) {
      // Read every page; the requests are what is checked.
    }
    expect(query).toBe(
      "SELECT * FROM Customer WHERE MetaData.LastUpdatedTime >= '2026-03-10T12:00:00+00:00' STARTPOSITION 1 MAXRESULTS 1000",
    );
    expect(reader.cursor()).toBe('2026-03-10T12:05:00.000Z');
  });
});
