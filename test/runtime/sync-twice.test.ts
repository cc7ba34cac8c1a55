// runSync end to end on a tiny temp project (a source with one stream, a target with one upsert)
// against nock: the first run creates, a second run over the same source data writes nothing.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connections } from '../../engine/config/types.generated.js';
import { StateStore } from '../../engine/store/state.js';
import { SecretBox } from '../../engine/store/crypto.js';
import type { SyncEvent } from '../../engine/sync/events.js';
import { runSync } from '../../engine/sync/run.js';
import { parseBody, removeTempDirs, tempDir, useNock } from './helpers.js';

useNock();

const SRC = 'https://src.test';
const DST = 'https://dst.test';
const TOKEN = 'dst-bearer-token-0001';
const MASTER_KEY = 'f'.repeat(64);

const files: Record<string, string> = {
  'connectors/src.yaml': `
name: src
base_url: ${SRC}/api
auth: { type: none }
retry: { min_delay: 1ms, max_delay: 2ms }
streams:
  items:
    path: /items
    records: items
    primary_key: id
    version: updated
    pagination: { type: page_number, page_param: page, size_param: per_page, page_size: 2 }
    incremental:
      type: datetime
      field: updated
      params: { since: "{cursor}" }
      format: iso8601
      lookback: 1m
`,
  'connectors/dst.yaml': `
name: dst
base_url: ${DST}/v1
variables:
  token: { required: true, secret: true }
auth: { type: bearer, token: "{token}" }
retry: { min_delay: 1ms, max_delay: 2ms }
operations:
  upsert_things:
    match_key: external_id
    upsert:
      writer: single
      method: POST
      path: /things/upsert
      body: { envelope: thing }
      results: { id: thing.id }
`,
  'mappings/src-dst/mapping.yaml': `
name: src-dst
source: { connector: src }
target: { connector: dst }
flows:
  things:
    from: items
    to: upsert_things
    transform: '{"external_id": $string(id), "name": $trim(name)}'
`,
};

const connections: Connections['connections'] = {
  src: { connector: 'src' },
  dst: { connector: 'dst', values: { token: TOKEN } },
};

interface Item {
  id: number;
  name: string;
  updated: string;
  note?: string;
}

/** The source API: pages of 2, filtered by ?since= like a real delta endpoint. */
function sourceApi(items: () => Item[]) {
  const seen: Record<string, string>[] = [];
  nock(SRC)
    .persist()
    .get('/api/items')
    .query(true)
    .reply((uri) => {
      const q = Object.fromEntries(new URL(uri, SRC).searchParams);
      seen.push(q);
      const since = q.since ? Date.parse(q.since) : -Infinity;
      const all = items().filter((i) => Date.parse(i.updated) >= since);
      const page = Number(q.page);
      return [200, { items: all.slice((page - 1) * 2, page * 2) }];
    });
  return seen;
}

/** The target API: upsert by external_id, 201 on create and 200 on update; records every write. */
function targetApi() {
  const writes: { auth?: string; body: Record<string, unknown> }[] = [];
  const store = new Map<string, number>();
  nock(DST)
    .persist()
    .post('/v1/things/upsert')
    .reply(function (_uri, body) {
      const b = parseBody(body) as { thing: { external_id: string } };
      writes.push({ auth: this.req.headers.authorization, body: b });
      const known = store.get(b.thing.external_id);
      const id = known ?? 1000 + store.size;
      store.set(b.thing.external_id, id);
      return [known === undefined ? 201 : 200, { thing: { id, ...b.thing } }];
    });
  return { writes, store };
}

let root: string;
let statePath: string;
const savedKey = process.env.MLC_MASTER_KEY;

beforeEach(() => {
  process.env.MLC_MASTER_KEY = MASTER_KEY;
  root = tempDir('mlc-sync-');
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  statePath = join(root, '.mlc', 'state.db');
});

afterEach(() => {
  if (savedKey === undefined) delete process.env.MLC_MASTER_KEY;
  else process.env.MLC_MASTER_KEY = savedKey;
  removeTempDirs();
});

const sync = (events?: SyncEvent[]) =>
  runSync({ root, mapping: 'src-dst', connections, statePath, onEvent: (e) => events?.push(e) });

describe('runSync twice', () => {
  it('the first run creates everything; a second run over the same source makes zero write requests', async () => {
    const data: Item[] = [
      { id: 1, name: ' Alpha ', updated: '2026-04-01T10:00:00.000Z' },
      { id: 2, name: 'Beta', updated: '2026-04-01T11:00:00.000Z' },
      { id: 3, name: 'Gamma', updated: '2026-04-01T12:00:00.000Z' },
    ];
    const reads = sourceApi(() => data);
    const target = targetApi();

    const first = await sync();
    expect(first.status).toBe('ok');
    expect(first.error).toBeUndefined();
    expect(first.flows).toHaveLength(1);
    expect(first.flows[0]).toMatchObject({
      flow: 'things',
      read: 3,
      affected: 3,
      created: 3,
      updated: 0,
      unchanged: 0,
      failed: 0,
      requests: { source: 2, target: 3 },
    });
    expect(target.writes.map((w) => w.body).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(
      [
        { thing: { external_id: '1', name: 'Alpha' } },
        { thing: { external_id: '2', name: 'Beta' } },
        { thing: { external_id: '3', name: 'Gamma' } },
      ],
    );
    expect(target.writes.every((w) => w.auth === `Bearer ${TOKEN}`)).toBe(true);
    expect(reads.map((q) => q.since)).toEqual([undefined, undefined]);

    // Same source data: the cursor re-reads the boundary (lookback) but nothing changed.
    const events: SyncEvent[] = [];
    const second = await sync(events);
    expect(second.status).toBe('ok');
    expect(target.writes).toHaveLength(3);
    expect(second.flows[0].requests.target).toBe(0);
    expect(second.flows[0].created + second.flows[0].updated + second.flows[0].failed).toBe(0);
    expect(second.flows[0].affected === 0 || second.flows[0].unchanged === second.flows[0].affected).toBe(true);
    expect(reads.at(-1)?.since).toBe('2026-04-01T11:59:00.000Z');
    expect(events.find((e) => e.type === 'stage')).toMatchObject({ stream: 'items', changed: 0 });

    // The state knows each target id, and the run history has both runs.
    const state = await StateStore.open(statePath, { secrets: SecretBox.fromKey(MASTER_KEY), lock: false });
    try {
      expect(state.all<{ key: string; target_id: string }>('SELECT key, target_id FROM targets ORDER BY key')).toEqual([
        { key: '1', target_id: '1000' },
        { key: '2', target_id: '1001' },
        { key: '3', target_id: '1002' },
      ]);
      expect(state.all<{ status: string }>('SELECT status FROM runs ORDER BY started_at')).toEqual([
        { status: 'ok' },
        { status: 'ok' },
      ]);
      expect(state.get<{ n: number }>('SELECT count(*) AS n FROM pending')?.n).toBe(0);
    } finally {
      state.abandon();
    }
  });

  it('a source change that maps to the same payload is "unchanged" with no write; a real change is one update', async () => {
    const data: Item[] = [
      { id: 1, name: 'Alpha', updated: '2026-04-01T10:00:00.000Z' },
      { id: 2, name: 'Beta', updated: '2026-04-01T11:00:00.000Z' },
    ];
    sourceApi(() => data);
    const target = targetApi();
    expect((await sync()).flows[0].created).toBe(2);

    // A field the mapping does not use changed: new version, same payload.
    data[0] = { ...data[0], note: 'internal', updated: '2026-04-02T09:00:00.000Z' };
    const second = await sync();
    expect(second.flows[0]).toMatchObject({
      affected: 1,
      unchanged: 1,
      created: 0,
      updated: 0,
      failed: 0,
      requests: { target: 0 },
    });
    expect(target.writes).toHaveLength(2);

    // A mapped field changed: exactly one write, reported as updated.
    data[1] = { ...data[1], name: 'Beta 2', updated: '2026-04-03T09:00:00.000Z' };
    const third = await sync();
    expect(third.flows[0]).toMatchObject({
      affected: 1,
      updated: 1,
      created: 0,
      unchanged: 0,
      requests: { target: 1 },
    });
    expect(target.writes.at(-1)?.body).toEqual({ thing: { external_id: '2', name: 'Beta 2' } });

    // And once more with nothing new: nothing written.
    const fourth = await sync();
    expect(fourth.flows[0].requests.target).toBe(0);
    expect(target.writes).toHaveLength(3);
  });

  // Regression (was a bug): engine/write/single.ts singleWriter() reports successes through ctx.onOutcomes but only returns failures,
  // and engine/sync/process.ts processFlow() records outcomes (failed count, failure queue, audit, pending mark) only in
  // its onOutcomes callback; from the returned list it takes conflicts only. A record a single-writer target rejects
  // (422) therefore vanishes from the run: failed 0, no failure reason, status "ok".
  it('a record the target rejects is reported: status failed_records, its reason (without the token) queued', async () => {
    const data: Item[] = [{ id: 7, name: 'Bad', updated: '2026-04-01T10:00:00.000Z' }];
    sourceApi(() => data);
    nock(DST)
      .persist()
      .post('/v1/things/upsert')
      .reply(() => [422, { error: `invalid record (request had Bearer ${TOKEN})` }]);
    const first = await sync();
    expect(first.status).toBe('failed_records');
    expect(first.flows[0].failed).toBe(1);
    expect(first.flows[0].failures[0].reason).toContain('invalid record');
    expect(first.flows[0].failures[0].reason).not.toContain(TOKEN);
  });

  it('a record the target rejected is written again on the next run, and then left alone', async () => {
    const data: Item[] = [{ id: 7, name: 'Bad', updated: '2026-04-01T10:00:00.000Z' }];
    sourceApi(() => data);
    let reject = true;
    let writes = 0;
    nock(DST)
      .persist()
      .post('/v1/things/upsert')
      .reply(() => {
        writes++;
        return reject ? [422, { error: 'invalid record' }] : [201, { thing: { id: 70 } }];
      });
    const first = await sync();
    expect(first.flows[0].created).toBe(0);
    reject = false;
    const second = await sync();
    expect(second.status).toBe('ok');
    expect(second.flows[0]).toMatchObject({ affected: 1, created: 1, failed: 0 });
    expect(writes).toBe(2);
    const third = await sync();
    expect(third.flows[0].requests.target).toBe(0);
    expect(writes).toBe(2);
  });
});
