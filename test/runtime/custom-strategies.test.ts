// Custom strategies end to end: a project names JavaScript modules for each kind (auth, paginator,
// cursor, writer, result reader, webhook verifier, mapping function); loadCustomModules imports and
// binds them, and the engine then uses them exactly where it uses the built-in strategies.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuth } from '../../engine/auth/registry.js';
import { customFunctionsOf, loadCustomModules, loadMappingFunctions } from '../../engine/config/custom-modules.js';
import { loadProject } from '../../engine/config/project.js';
import type { Connector, CustomResults, Write } from '../../engine/config/types.generated.js';
import { runFixtures } from '../../engine/map/fixtures.js';
import { FlowMapper } from '../../engine/map/flow-mapper.js';
import { createCursor } from '../../engine/read/cursors.js';
import { StreamReader } from '../../engine/read/reader.js';
import { planMapping } from '../../engine/sync/plan.js';
import { verifyWebhook } from '../../engine/webhook/verifiers.js';
import { WRITERS } from '../../engine/write/registry.js';
import { readResults } from '../../engine/write/results.js';
import type { WriteOutcome } from '../../engine/write/types.js';
import { API, makeClient, memoryTokens, removeTempDirs, repoRoot, tempDir, useNock } from './helpers.js';

useNock();

const MODULES: Record<string, string> = {
  // Pages by a "next page" token the API puts in a response header-like body field.
  'connectors/strategies/token-pager.mjs': `
    export function createPaginator(spec, label) {
      const param = spec.options.param;
      return {
        first: () => ({ query: {}, vars: {} }),
        async next(page) {
          const token = page.body.paging && page.body.paging[spec.options.token];
          return token ? { query: { [param]: String(token) }, vars: {} } : null;
        },
      };
    }`,
  'connectors/strategies/version-cursor.mjs': `
    export function createCursor(spec, saved, label) {
      let max = saved === undefined ? -1 : Number(saved);
      return {
        request: () => ({ query: saved === undefined ? {} : { [spec.options.param]: saved }, vars: {}, firstPageOnly: false }),
        observeRecord(r) { if (r.version > max) max = r.version; return undefined; },
        observePage: async () => {},
        result: () => (max < 0 ? saved : String(max)),
        warnings: [],
      };
    }`,
  'connectors/strategies/signed-auth.mjs': `
    export function createAuth(spec, ctx) {
      const key = ctx.vars[spec.options.key_variable];
      return { apply: async (req) => { req.headers['x-signed'] = 'v1:' + key; }, invalidate: () => {} };
    }`,
  'connectors/strategies/prefix-verifier.mjs': `
    export function verify(spec, req, vars) {
      const got = req.headers[spec.options.header];
      return got === spec.options.prefix + vars.hook_secret ? { ok: true } : { ok: false, reason: 'bad token' };
    }`,
  'connectors/strategies/ndjson-writer.mjs': `
    export async function write(items, ctx) {
      const res = await ctx.client.request({
        method: 'POST',
        url: ctx.client.url(ctx.baseUrl, ctx.spec.path),
        json: items.map((i) => i.payload),
      });
      return items.map((i, n) => ({ key: i.key, ok: true, action: 'created', targetId: String(res.body.ids[n]) }));
    }`,
  'connectors/strategies/flag-results.mjs': `
    export async function readResults(spec, container, items) {
      return items.map((i, n) => container.flags[n] === 'Y'
        ? { key: i.key, ok: true, action: 'updated', targetId: i.targetId }
        : { key: i.key, ok: false, error: 'flag ' + container.flags[n] });
    }`,
  'connectors/strategies/no-results.mjs': `
    export async function readResults() { return []; }`,
  'mappings/fy/functions/fiscal-year.mjs': `
    export default function fiscalYear(date, startMonth) {
      if (!date) return undefined;
      const [y, m] = date.split('-').map(Number);
      return m >= (startMonth ?? 7) ? y + 1 : y;
    }`,
};

const CONNECTOR = `
name: acme
base_url: ${API}
variables:
  api_key: { required: true, secret: true }
  hook_secret: { secret: true }
auth: { type: custom, module: ./strategies/signed-auth.mjs, options: { key_variable: api_key } }
streams:
  items:
    path: /items
    records: data
    primary_key: id
    pagination: { type: custom, module: ./strategies/token-pager.mjs, options: { param: page_token, token: next } }
    incremental: { type: custom, module: ./strategies/version-cursor.mjs, options: { param: since_version } }
operations:
  put_items:
    match_key: external_id
    create: { writer: custom, module: ./strategies/ndjson-writer.mjs, method: POST, path: /items/ndjson }
    update:
      writer: batch
      method: PUT
      path: /items/bulk
      results: { type: custom, module: ./strategies/flag-results.mjs }
  put_quiet:
    match_key: external_id
    upsert: { writer: batch, method: PUT, path: /items/bulk, results: { type: custom, module: ./strategies/no-results.mjs } }
webhook: { verifier: custom, module: ./strategies/prefix-verifier.mjs, options: { header: x-hook, prefix: "tok-" } }
`;

const MAPPING = `
name: fy
source: { connector: visma }
target: { connector: zendesk }
functions:
  fiscalYear: { module: ./functions/fiscal-year.mjs, params: [date, start_month?] }
flows:
  organizations:
    from: customers
    to: upsert_organizations
    transform: '{ "external_id": number, "name": name, "fiscal_year": $fiscalYear(createdDate, 7) }'
`;

const FIXTURE = `
flow: organizations
now: "2026-11-21T12:00:00Z"
record: { number: "10001", name: Fjord AS, createdDate: "2026-09-01" }
expect: { external_id: "10001", name: Fjord AS, fiscal_year: 2027 }
`;

let root: string;
let acme: Connector;

beforeAll(async () => {
  root = tempDir('mlc-custom-');
  const files: Record<string, string> = {
    ...MODULES,
    'connectors/acme.yaml': CONNECTOR,
    'mappings/fy/mapping.yaml': MAPPING,
    'mappings/fy/fixtures/autumn.yaml': FIXTURE,
  };
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  for (const c of ['visma.yaml', 'zendesk.yaml'])
    writeFileSync(
      join(root, 'connectors', c),
      await import('node:fs').then((fs) => fs.readFileSync(join(repoRoot, 'connectors', c))),
    );
  const project = loadProject(root);
  expect(project.diagnostics).toEqual([]);
  expect(await loadCustomModules(project)).toEqual([]);
  acme = project.connectors.get('acme')!.data!;
});
afterAll(removeTempDirs);

describe('custom strategies, loaded from the project and used by the engine', () => {
  it('a custom paginator and a custom cursor walk a nock API', async () => {
    const seen: Partial<Record<string, string>>[] = [];
    nock(API)
      .get('/items')
      .query(true)
      .times(3)
      .reply((uri) => {
        const q: Partial<Record<string, string>> = Object.fromEntries(new URL(uri, API).searchParams);
        seen.push(q);
        const page = Number(q.page_token ?? 1);
        return [200, { data: [{ id: page, version: page * 10 }], paging: page < 3 ? { next: page + 1 } : {} }];
      });
    const { client } = makeClient({ ...acme, auth: { type: 'none' } });
    const reader = new StreamReader({
      client,
      baseUrl: API,
      vars: {},
      name: 'items',
      stream: acme.streams!.items,
      saved: '5',
    });
    const pages: unknown[][] = [];
    for await (const p of reader.pages()) pages.push(p);
    expect(pages.flat().map((r) => (r as { id: number }).id)).toEqual([1, 2, 3]);
    expect(seen).toEqual([
      { since_version: '5' },
      { since_version: '5', page_token: '2' },
      { since_version: '5', page_token: '3' },
    ]);
    expect(reader.cursor()).toBe('30');
  });

  it('a custom cursor is created from the registry like a built-in one', () => {
    const t = createCursor(acme.streams!.items.incremental!, undefined, 'items');
    expect(t.request().query).toEqual({});
    t.observeRecord({ version: 7 });
    expect(t.result()).toBe('7');
  });

  it('a custom auth signs requests with a connection value', async () => {
    const { client } = makeClient(acme);
    const auth = createAuth(acme.auth, {
      connection: 'acme',
      vars: { api_key: 'k1' },
      baseUrl: API,
      http: client,
      tokens: memoryTokens(),
      now: () => 0,
    });
    const req = { headers: {} as Record<string, string>, query: {} };
    await auth.apply(req);
    expect(req.headers).toEqual({ 'x-signed': 'v1:k1' });
  });

  it('a custom webhook verifier accepts its token and refuses anything else', () => {
    const req = (token: string) => ({ headers: { 'x-hook': token }, rawBody: '{}', now: 0 });
    expect(verifyWebhook(acme.webhook!, req('tok-s3cret'), { hook_secret: 's3cret' })).toEqual({ ok: true });
    expect(verifyWebhook(acme.webhook!, req('tok-wrong'), { hook_secret: 's3cret' })).toEqual({
      ok: false,
      reason: 'bad token',
    });
  });

  it('a custom writer sends through the connection client; its outcomes reach onOutcomes once', async () => {
    const sent: unknown[] = [];
    nock(API)
      .post('/items/ndjson')
      .reply((_uri, body) => {
        sent.push(body);
        return [200, { ids: [101, 102] }];
      });
    const { client } = makeClient({ ...acme, auth: { type: 'none' }, retry: { attempts: 0 } });
    const got: WriteOutcome[] = [];
    const spec = acme.operations!.put_items.create as Write;
    const items = ['a', 'b'].map((k) => ({ key: k, matchValue: k, payload: { external_id: k } }));
    await WRITERS.custom(items, {
      client,
      baseUrl: API,
      vars: {},
      spec,
      kind: 'create',
      label: 'operation put_items',
      onOutcomes: (o) => void got.push(...o),
    });
    expect(sent).toEqual([[{ external_id: 'a' }, { external_id: 'b' }]]);
    expect(got).toEqual([
      { key: 'a', ok: true, action: 'created', targetId: '101' },
      { key: 'b', ok: true, action: 'created', targetId: '102' },
    ]);
  });

  it('a custom result reader reads per-record results of a batch', async () => {
    const spec = (acme.operations!.put_items.update as { results: CustomResults }).results;
    const items = [
      { key: 'a', matchValue: 'a', payload: {}, targetId: '1' },
      { key: 'b', matchValue: 'b', payload: {}, targetId: '2' },
    ];
    expect(await readResults(spec, { flags: ['Y', 'N'] }, items, 'update', 'op')).toEqual([
      { key: 'a', ok: true, action: 'updated', targetId: '1' },
      { key: 'b', ok: false, error: 'flag N' },
    ]);
    // A reader that answers fewer items than were sent fails them all, never passes one silently.
    const quiet = (acme.operations!.put_quiet.upsert as { results: CustomResults }).results;
    expect(await readResults(quiet, {}, items, 'upsert', 'op')).toEqual([
      {
        key: 'a',
        ok: false,
        error: 'op: custom result reader ./strategies/no-results.mjs gave 0 outcomes for 2 records',
      },
      {
        key: 'b',
        ok: false,
        error: 'op: custom result reader ./strategies/no-results.mjs gave 0 outcomes for 2 records',
      },
    ]);
  });

  it('a custom mapping function runs through the mapping fixtures (mlc test)', async () => {
    const plan = planMapping({ root, mapping: 'fy', requireConnections: false });
    const results = await runFixtures(plan, join(root, 'mappings', 'fy', 'fixtures'));
    expect(results.map((r) => ({ ok: r.ok, error: r.error, payload: r.payload }))).toEqual([
      { ok: true, error: undefined, payload: { external_id: '10001', name: 'Fjord AS', fiscal_year: 2027 } },
    ]);
  });

  it('a mapping file loads its own functions by path, as the map worker thread does', async () => {
    const other = join(root, 'mappings', 'fy2', 'mapping.yaml');
    mkdirSync(join(root, 'mappings', 'fy2', 'functions'), { recursive: true });
    writeFileSync(join(root, 'mappings', 'fy2', 'functions', 'double.mjs'), 'export default (x) => x * 2;\n');
    writeFileSync(
      other,
      MAPPING.replace('name: fy', 'name: fy2').replace(
        'fiscalYear: { module: ./functions/fiscal-year.mjs, params: [date, start_month?] }',
        'twice: { module: ./functions/double.mjs, params: [x] }',
      ),
    );
    expect(customFunctionsOf(other)).toEqual({});
    expect(await loadMappingFunctions(other)).toEqual([]);
    expect(Object.keys(customFunctionsOf(other))).toEqual(['twice']);
    const flow = {
      from: 'customers',
      to: 'upsert_organizations',
      transform: '{ "external_id": number, "n": $twice(n) }',
    };
    const mapper = new FlowMapper('fy2', 'organizations', flow, { match_key: 'external_id' }, other, () => new Date(0));
    expect((await mapper.map({ number: '1', n: 21 })).payload).toEqual({ external_id: '1', n: 42 });
    // A call its declared params do not allow fails the record, never computes a value.
    const wrong = new FlowMapper(
      'fy2',
      'organizations',
      { ...flow, transform: '{ "external_id": number, "n": $twice(n, 1) }' },
      { match_key: 'external_id' },
      other,
      () => new Date(0),
    );
    await expect(wrong.map({ number: '1', n: 21 })).rejects.toThrow('$twice takes 1 argument ($twice(x)), got 2');
  });
});
