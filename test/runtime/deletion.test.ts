// Deletions and deactivations at the source (issue 20) on a tiny temp project against nock: a
// status or a tombstone marks a record deleted, and its flow's on_delete says what the target
// gets (a mark payload, an archive, a delete, or nothing but an audit row).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connections, Connector, Mapping } from '../../engine/config/types.generated.js';
import type { AuditRow } from '../../engine/store/backend.js';
import { SecretBox } from '../../engine/store/crypto.js';
import { auditOf } from '../../engine/store/history.js';
import { openState } from '../../engine/store/open.js';
import { StateStore } from '../../engine/store/state.js';
import { recordDeletions } from '../../engine/sync/deletion-record.js';
import { runSync } from '../../engine/sync/run.js';
import { parseBody, removeTempDirs, tempDir, useNock } from './helpers.js';

useNock();

const SRC = 'https://src.test';
const DST = 'https://dst.test';
const MASTER_KEY = 'e'.repeat(64);

const SOURCE = `
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
    deletion:
      status: "active = false"
      tombstone: "deleted = true"
      webhook_operations: [Delete]
  parts:
    path: /parts
    records: parts
    primary_key: id
    version: updated
    deletion: { status: "voided = true" }
`;

const TARGET = `
name: dst
base_url: ${DST}/v1
auth: { type: none }
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
  archive_thing:
    match_key: external_id
    update: { writer: single, method: PUT, path: "/things/{id}/archive" }
  delete_thing:
    match_key: external_id
    update: { writer: single, method: DELETE, path: "/things/{id}" }
`;

const MARK = `'{"external_id": $string(id), "name": name, "status": deletion.kind = "status" ? "inactive" : "deleted", "why": $deletion.detail}'`;

function mappingYaml(onDelete: string): string {
  return `
name: src-dst
source: { connector: src }
target: { connector: dst }
flows:
  things:
    from: items
    to: upsert_things
    join:
      parts: { from: parts, on: item_id }
    transform: '{"external_id": $string(id), "name": name, "parts": $count(parts)}'
    on_delete: ${onDelete}
`;
}

interface Item {
  id: number;
  updated: string;
  name?: string;
  active?: boolean;
  deleted?: boolean;
}
interface Part {
  id: string;
  item_id: number;
  updated: string;
  voided?: boolean;
}

const connections: Connections['connections'] = { src: { connector: 'src' }, dst: { connector: 'dst' } };

let root: string;
let statePath: string;
let items: Item[];
let parts: Part[];
/** What the target received, in order */
let requests: { method: string; path: string; body: Record<string, unknown> }[];
const savedKey = process.env.MLC_MASTER_KEY;

function project(onDelete: string): void {
  const files: Record<string, string> = {
    'connectors/src.yaml': SOURCE,
    'connectors/dst.yaml': TARGET,
    'mappings/src-dst/mapping.yaml': mappingYaml(onDelete),
  };
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
}

function apis(): void {
  nock(SRC)
    .persist()
    .get('/api/items')
    .reply(() => [200, { items }]);
  nock(SRC)
    .persist()
    .get('/api/parts')
    .reply(() => [200, { parts }]);
  const ids = new Map<string, number>();
  nock(DST)
    .persist()
    .post('/v1/things/upsert')
    .reply((_uri, body) => {
      const b = parseBody(body) as { thing: { external_id: string } };
      requests.push({ method: 'POST', path: '/v1/things/upsert', body: b });
      const known = ids.get(b.thing.external_id);
      ids.set(b.thing.external_id, known ?? 1000 + ids.size);
      return [known === undefined ? 201 : 200, { thing: { id: ids.get(b.thing.external_id), ...b.thing } }];
    })
    .put(/\/v1\/things\/\d+\/archive/)
    .reply((uri, body) => {
      requests.push({ method: 'PUT', path: uri, body: parseBody(body) });
      return [200, {}];
    })
    .delete(/\/v1\/things\/\d+/)
    .reply((uri) => {
      requests.push({ method: 'DELETE', path: uri, body: {} });
      return [204, ''];
    });
}

const at = (minute: number) => `2026-04-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
const sync = (dryRun = false) => runSync({ root, mapping: 'src-dst', connections, statePath, dryRun });
const writes = () => requests.filter((r) => r.method === 'POST').map((r) => r.body.thing as Record<string, unknown>);

async function state<T>(fn: (s: StateStore) => T): Promise<T> {
  const s = await StateStore.open(statePath, { secrets: SecretBox.fromKey(MASTER_KEY), lock: false });
  try {
    return fn(s);
  } finally {
    s.abandon();
  }
}
const auditOfRun = (runId: string) => state((s) => auditOf(s, runId));
const evidenceOf = (a: AuditRow | undefined) => (a?.evidence ? (JSON.parse(a.evidence) as Record<string, string>) : {});

beforeEach(() => {
  process.env.MLC_MASTER_KEY = MASTER_KEY;
  root = tempDir('mlc-del-');
  statePath = join(root, '.mlc', 'state.db');
  requests = [];
  items = [
    { id: 1, name: 'Alpha', active: true, updated: at(0) },
    { id: 2, name: 'Beta', active: true, updated: at(0) },
    { id: 3, name: 'Gamma', active: true, updated: at(0) },
  ];
  parts = [
    { id: 'p1', item_id: 2, updated: at(0) },
    { id: 'p2', item_id: 2, updated: at(0) },
  ];
  apis();
});

afterEach(() => {
  if (savedKey === undefined) delete process.env.MLC_MASTER_KEY;
  else process.env.MLC_MASTER_KEY = savedKey;
  nock.cleanAll();
  removeTempDirs();
});

describe('deletions at the source', () => {
  it('mark: a deactivated record is written through the mark transform once, with its evidence audited; reactivated, it is written back', async () => {
    project(`{ action: mark, transform: ${MARK} }`);
    expect((await sync()).flows[0]).toMatchObject({ created: 3, failed: 0 });

    items[0] = { ...items[0], active: false, updated: at(1) };
    const r2 = await sync();
    expect(r2.status, r2.error).toBe('ok');
    // A mark is an update of the target record, counted as a mark too.
    expect(r2.flows[0]).toMatchObject({ created: 0, updated: 1, failed: 0, deleted: { marked: 1 } });
    expect(writes().at(-1)).toEqual({
      external_id: '1',
      name: 'Alpha',
      status: 'inactive',
      why: 'active = false (active: false)',
    });
    const marked = (await auditOfRun(r2.runId)).find((a) => a.key === '1');
    expect(marked?.action).toBe('marked_deleted');
    expect(evidenceOf(marked)).toMatchObject({ kind: 'status', detail: 'active = false (active: false)' });

    // The mark is written: a second run writes nothing.
    const before = requests.length;
    const r3 = await sync();
    expect(r3.flows[0].deleted).toBeUndefined();
    expect(requests.length).toBe(before);

    // Back to active: the normal payload is written again.
    items[0] = { ...items[0], active: true, updated: at(2) };
    const r4 = await sync();
    expect(r4.flows[0]).toMatchObject({ updated: 1, failed: 0 });
    expect(r4.flows[0].deleted).toBeUndefined();
    expect(writes().at(-1)).toEqual({ external_id: '1', name: 'Alpha', parts: 0 });
    expect((await auditOfRun(r4.runId)).find((a) => a.key === '1')?.action).toBe('updated');
  });

  it('a tombstone marks from the last live copy; a tombstone of a record never written writes nothing', async () => {
    project(`{ action: mark, transform: ${MARK} }`);
    await sync();
    items[2] = { id: 3, deleted: true, updated: at(1) };
    items.push({ id: 9, deleted: true, updated: at(1) });
    const r2 = await sync();
    expect(r2.flows[0]).toMatchObject({ created: 0, updated: 1, failed: 0, skipped: 1, deleted: { marked: 1 } });
    expect(writes().slice(3)).toEqual([
      { external_id: '3', name: 'Gamma', status: 'deleted', why: 'deleted = true (deleted: true)' },
    ]);
    // Read again, the tombstone changes nothing.
    const before = requests.length;
    await sync();
    expect(requests.length).toBe(before);
  });

  it('a deleted child drops out of its parent, which is written again', async () => {
    project(`{ action: mark, transform: ${MARK} }`);
    await sync();
    expect(writes().find((w) => w.external_id === '2')).toMatchObject({ parts: 2 });
    parts[1] = { ...parts[1], voided: true, updated: at(1) };
    const r2 = await sync();
    expect(r2.flows[0]).toMatchObject({ updated: 1, failed: 0 });
    expect(writes().at(-1)).toEqual({ external_id: '2', name: 'Beta', parts: 1 });
  });

  it('archive calls the archive operation with the target id; delete calls the delete one and forgets the target record', async () => {
    project('{ action: archive, operation: archive_thing }');
    await sync();
    items[0] = { ...items[0], active: false, updated: at(1) };
    const r2 = await sync();
    expect(r2.flows[0]).toMatchObject({ updated: 0, failed: 0, deleted: { archived: 1 } });
    expect(requests.filter((r) => r.method !== 'POST').map((r) => `${r.method} ${r.path}`)).toEqual([
      'PUT /v1/things/1000/archive',
    ]);
    const archived = (await auditOfRun(r2.runId)).find((a) => a.key === '1');
    expect(archived).toMatchObject({ action: 'archived', target_id: '1000' });
    expect(evidenceOf(archived).kind).toBe('status');

    project('{ action: delete, operation: delete_thing }');
    items[1] = { ...items[1], deleted: true, updated: at(2) };
    const r3 = await sync();
    // The changed on_delete re-maps every record (the flow's fingerprint): the archived one is deleted too.
    expect(r3.flows[0]).toMatchObject({ failed: 0, deleted: { archived: 0, deleted: 2 } });
    const deletes = requests.filter((r) => r.method === 'DELETE').map((r) => r.path);
    expect(deletes.sort()).toEqual(['/v1/things/1000', '/v1/things/1001']);
    const audit = await auditOfRun(r3.runId);
    expect(audit.filter((a) => a.action === 'deleted').map((a) => a.key)).toEqual(['1', '2']);
    expect(evidenceOf(audit.find((a) => a.key === '2')).kind).toBe('tombstone');
    const targets = await state((s) => s.all<{ key: string }>('SELECT key FROM targets ORDER BY key'));
    expect(targets.map((t) => t.key)).toEqual(['3']);
    // Forgotten, they are not deleted again.
    const before = requests.length;
    await sync();
    expect(requests.length).toBe(before);
  });

  it('ignore writes nothing, and audits the deletion', async () => {
    project('{ action: ignore }');
    await sync();
    const before = requests.length;
    items[2] = { ...items[2], active: false, updated: at(1) };
    const r2 = await sync();
    expect(r2.flows[0]).toMatchObject({ updated: 0, failed: 0, deleted: { ignored: 1 } });
    expect(requests.length).toBe(before);
    const ignored = (await auditOfRun(r2.runId)).find((a) => a.key === '3');
    expect(ignored?.action).toBe('delete_ignored');
    expect(evidenceOf(ignored).kind).toBe('status');
  });

  it('a dry run lists the planned mark with its evidence and writes nothing', async () => {
    project(`{ action: mark, transform: ${MARK} }`);
    await sync();
    const before = requests.length;
    items[0] = { ...items[0], active: false, updated: at(1) };
    const dry = await sync(true);
    expect(requests.length).toBe(before);
    expect(dry.flows[0].deleted).toEqual({ marked: 1, archived: 0, deleted: 0, ignored: 0 });
    const planned = dry.flows[0].planned?.filter((p) => p.action !== 'unchanged');
    expect(planned).toMatchObject([{ key: '1', action: 'mark', payload: { status: 'inactive' } }]);
    expect(planned?.[0].deletion).toMatchObject({ kind: 'status', detail: 'active = false (active: false)' });
    // Nothing was stored: the real run still marks.
    expect((await sync()).flows[0].deleted).toMatchObject({ marked: 1 });
  });

  it('webhook deletions: operations the stream lists are marked with the event id, and their flow is pending', async () => {
    project(`{ action: mark, transform: ${MARK} }`);
    await sync();
    const { parse } = await import('yaml');
    const connector = parse(SOURCE) as Connector;
    const mapping = parse(mappingYaml(`{ action: mark, transform: ${MARK} }`)) as Mapping;
    const store = await openState(statePath, { secrets: SecretBox.fromKey(MASTER_KEY) });
    try {
      const marked = await recordDeletions(
        store,
        { connection: 'src', connector, mapping },
        'items',
        [
          { key: '2', operation: 'Delete', id: 'evt-7' },
          { key: '3', operation: 'Update', id: 'evt-8' },
        ],
        'webhook-run',
      );
      expect(marked).toEqual(['2']);
      expect(await store.pending.keys({ mapping: 'src-dst', flow: 'things' })).toEqual(['2']);
      expect((await store.deletions.load({ connection: 'src', stream: 'items' }, ['2', '3'])).get('2')).toMatchObject({
        kind: 'webhook',
        detail: 'operation Delete, event evt-7',
        runId: 'webhook-run',
      });
    } finally {
      await store.close();
    }
    // Gone from the source too (a record listed again would lose its mark).
    items.splice(1, 1);
    const r2 = await sync();
    expect(r2.flows[0]).toMatchObject({ failed: 0, deleted: { marked: 1 } });
    expect(writes().at(-1)).toMatchObject({
      external_id: '2',
      status: 'deleted',
      why: 'operation Delete, event evt-7',
    });
  });
});
