/**
 * The Zendesk simulator's answers to the calls the engine makes, and the engine's request
 * bodies, checked against Zendesk's OpenAPI (shared/api/specs/zendesk-openapi.yaml).
 *
 * Stricter than the spec where the spec is silent and lenient only where it says so: an object
 * schema that lists its properties is closed (no undocumented fields) unless the spec itself
 * gives `additionalProperties`; `oneOf` stays a oneOf, so a job row that fits two row schemas
 * fails; request bodies may not carry readOnly properties. Every place where the spec is
 * wrong or silent, and the check departs from it, is a named patch below with its reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Connector, Mapping } from '../../engine/config/types.generated.js';
import { evaluate } from '../../engine/map/expression.js';
import { batchBody, singleBody } from '../../engine/write/body.js';
import type { WriteItem } from '../../engine/write/types.js';
import { ZendeskSimulator } from '../../sandbox/zendesk/index.js';
import { waitForJob, zendeskClient, type ZdClient } from './helpers/zendesk-client.js';

// ajv and ajv-formats are CommonJS; under NodeNext their default export sits on `.default`.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

const ROOT = join(import.meta.dirname, '..', '..');
const SPEC = '/work/shared/api/specs/zendesk-openapi.yaml';
const S = (name: string) => ({ $ref: `zd#/components/schemas/${name}` });

type Schema = Record<string, unknown>;
type Check = (schema: Schema | string, data: unknown) => string[];

/** Closes every object schema that lists properties, unless the spec set additionalProperties. */
function closeObjects(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(closeObjects);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const n = node as Schema;
  if (n.properties && typeof n.properties === 'object' && !('additionalProperties' in n))
    n.additionalProperties = false;
  for (const [k, v] of Object.entries(n)) if (k !== 'example' && k !== 'examples') closeObjects(v);
}

function loadSchemas(): { schemas: Record<string, Schema>; parameters: Record<string, Schema> } {
  const spec = parse(readFileSync(SPEC, 'utf8')) as {
    components: { schemas: Record<string, Schema>; parameters: Record<string, Schema> };
  };
  const schemas = structuredClone(spec.components.schemas);
  closeObjects(schemas);

  // Spec gap: FailedResult requires `id`, but a failed create has no id to give. The simulator
  // then sends the record's `index` instead (targets.md 1.4), so that row shape is allowed as a
  // fourth branch; it requires index and forbids id, so it never overlaps FailedResult.
  schemas.FailedWithoutIdResult = {
    type: 'object',
    properties: {
      action: { type: 'string' },
      index: { type: 'integer' },
      error: { type: 'string' },
      details: { type: 'string' },
      success: { type: 'boolean', enum: [false] },
    },
    required: ['action', 'index', 'error', 'details', 'success'],
    additionalProperties: false,
  };
  (schemas.JobStatusResultObject.oneOf as Schema[]).push(S('FailedWithoutIdResult'));

  // Spec gap: custom field values are typed string-or-number only, but an unset field is null in
  // every organization Zendesk returns, and null is how a client clears one (the engine does).
  const orgFields = (schemas.OrganizationObject.properties as Record<string, Schema>).organization_fields;
  orgFields.additionalProperties = { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'null' }] };

  return { schemas, parameters: spec.components.parameters };
}

function checker(schemas: Record<string, Schema>, forRequests: boolean): Check {
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  addFormats(ajv);
  // Zendesk's spec uses two formats JSON Schema does not define.
  for (const f of ['datetime', 'url']) ajv.addFormat(f, true);
  if (forRequests) {
    // A client must not send what only the server sets (url, created_at, ...).
    ajv.removeKeyword('readOnly');
    ajv.addKeyword({
      keyword: 'readOnly',
      schemaType: 'boolean',
      errors: false,
      validate: (readOnly: boolean) => !readOnly,
    });
  }
  ajv.addSchema({ $id: 'zd', components: { schemas } });
  return (schema, data) => {
    const validate = ajv.compile(typeof schema === 'string' ? S(schema) : schema);
    return validate(data)
      ? []
      : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  };
}

/**
 * A cursor page: the list response's own properties plus `meta` and `links`. The spec's
 * OrganizationsResponse and OrganizationFieldsResponse list only the offset keys although both
 * endpoints document cursor pagination; the links and meta come from the spec's one cursor page
 * that requires them (CustomObjectRecordsResponse: next/prev and cursors present, null when none).
 */
function cursorPage(list: string, key: string): Schema {
  const part = (schema: string, prop: string) => ({ $ref: `zd#/components/schemas/${schema}/properties/${prop}` });
  return {
    type: 'object',
    properties: {
      [key]: part(list, key),
      links: part('CustomObjectRecordsResponse', 'links'),
      meta: part('CustomObjectRecordsResponse', 'meta'),
    },
    required: [key, 'links', 'meta'],
    additionalProperties: false,
  };
}

let schemas: Record<string, Schema>;
let parameters: Record<string, Schema>;
let response: Check;
let request: Check;
let connector: Connector;
let mapping: Mapping;

beforeAll(() => {
  ({ schemas, parameters } = loadSchemas());
  response = checker(schemas, false);
  request = checker(schemas, true);
  connector = parse(readFileSync(join(ROOT, 'connectors', 'zendesk.yaml'), 'utf8')) as Connector;
  mapping = parse(readFileSync(join(ROOT, 'mappings', 'visma-zendesk', 'mapping.yaml'), 'utf8')) as Mapping;
});

let sim: ZendeskSimulator;
let zd: ZdClient;
beforeEach(async () => {
  sim = await new ZendeskSimulator({ seed: 21, knobs: { rateLimitEnabled: false } }).start();
  zd = zendeskClient(sim);
});
afterEach(() => sim.stop());

const upsertOp = () => connector.operations!.upsert_organizations;

/** What the flagship mapping's transform produces for each of its fixtures (its `expect`). */
function fixturePayloads(): Record<string, unknown>[] {
  const dir = join(ROOT, 'mappings', 'visma-zendesk', 'fixtures');
  const names = [
    'good-standing',
    'overdue-buckets',
    'credit-hold',
    'over-credit-limit',
    'no-invoices',
    'missing-address-and-email',
  ];
  return names.map(
    (n) => (parse(readFileSync(join(dir, `${n}.yaml`), 'utf8')) as { expect: Record<string, unknown> }).expect,
  );
}

const items = (payloads: Record<string, unknown>[], ids?: number[]): WriteItem[] =>
  payloads.map((payload, i) => ({
    key: String(payload.external_id),
    matchValue: String(payload.external_id),
    payload,
    ...(ids ? { targetId: String(ids[i]) } : {}),
  }));

/** The mapping's custom fields created the way provisioning does: definition JSONata, then the create body. */
async function provisionBodies(): Promise<unknown[]> {
  const set = connector.custom_fields!.organization_fields;
  const fields = mapping.flows.organizations.custom_fields ?? [];
  const out: unknown[] = [];
  for (const f of fields) {
    const payload = (await evaluate(set.definition, f, 'organization_fields definition')) as Record<string, unknown>;
    out.push(singleBody({ key: f.key, matchValue: f.key, payload }, set.create));
  }
  return out;
}

type JobBody = { job_status: { id: string; status: string; results: unknown[] | null } };

describe('engine request bodies against the spec', () => {
  it('create_many and update_many batch bodies ({organizations: [...]}) hold valid organization objects', () => {
    // The spec gives create_many and update_many no requestBody; their descriptions say "an array
    // of up to 100 organization objects" and show the batch form {"organizations": [{"id": 1, ...}]}.
    const many = {
      type: 'object',
      properties: { organizations: { type: 'array', items: S('OrganizationObject'), minItems: 1, maxItems: 100 } },
      required: ['organizations'],
      additionalProperties: false,
    };
    const withId = {
      ...many,
      properties: {
        organizations: {
          type: 'array',
          items: { allOf: [S('OrganizationObject'), { required: ['id'] }] },
          minItems: 1,
          maxItems: 100,
        },
      },
    };
    const payloads = fixturePayloads();
    const create = batchBody(items(payloads), upsertOp().create!);
    expect(request(many, create)).toEqual([]);
    const update = batchBody(
      items(
        payloads,
        payloads.map((_, i) => 1000 + i),
      ),
      upsertOp().update!,
    );
    expect(request(withId, update)).toEqual([]);
    // The check can fail: a body with a server-set property, an undocumented one or a wrong type is refused.
    expect(request(many, { organizations: [{ name: 'x', colour: 'red' }] })).not.toEqual([]);
    expect(request(many, { organizations: [{ name: 'x', url: 'https://x' }] })).not.toEqual([]);
    expect(request(many, { organizations: [{ name: 'x', organization_fields: { a: true } }] })).not.toEqual([]);
  });

  it('custom field creation bodies ({organization_field: {...}}) are valid OrganizationFieldObjects', async () => {
    // No requestBody in the spec for CreateOrganizationField either; it answers OrganizationFieldResponse.
    const body = {
      type: 'object',
      properties: { organization_field: S('OrganizationFieldObject') },
      required: ['organization_field'],
      additionalProperties: false,
    };
    const bodies = await provisionBodies();
    expect(bodies.length).toBeGreaterThan(10);
    for (const b of bodies) expect(request(body, b)).toEqual([]);
    // And the simulator accepts each of them, answering in the documented shape.
    for (const b of bodies) {
      const r = await zd.post('/api/v2/organization_fields', b);
      expect(r.status).toBe(201);
      expect(response('OrganizationFieldResponse', r.body)).toEqual([]);
    }
  });

  it('query parameters the engine sends match the parameter schemas (search external_id excepted: the spec is wrong)', () => {
    const param = (name: string, value: string) => response(parameters[name].schema as Schema, value);
    expect(param('OrganizationExternalIds', 'ERP-C-000123,ERP-C-000124')).toEqual([]);
    expect(param('OrganizationIds', '35436,20057623')).toEqual([]);
    // Known spec error, check skipped on purpose: OrganizationExternalId (search?external_id=) is
    // typed integer, but external ids are strings ("ERP-C-000123"; targets.md 1.2). The engine
    // looks organizations up with show_many?external_ids= instead. Asserted so that a corrected
    // spec shows up here and the check can be turned on.
    expect(param('OrganizationExternalId', 'ERP-C-000123')).not.toEqual([]);
  });
});

describe('simulator answers against the spec', () => {
  it('job statuses: queued and completed, single and show_many, with create, update and both failed row kinds', async () => {
    await zd.post('/api/v2/organizations', { organization: { name: 'Taken AS' } });
    const payloads = fixturePayloads();
    const create = await zd.post<JobBody>('/api/v2/organizations/create_many', {
      organizations: [...payloads, { name: 'Taken AS', external_id: 'dup' }],
    });
    expect(create.status).toBe(200);
    expect(create.body.job_status.status).toBe('queued');
    expect(response('JobStatusResponse', create.body)).toEqual([]);

    const queued = await zd.get(`/api/v2/job_statuses/show_many?ids=${create.body.job_status.id}`);
    expect(response('JobStatusesResponse', queued.body)).toEqual([]);
    const created = await waitForJob(zd, create.body.job_status.id);
    expect(created.status).toBe('completed');
    expect(response('JobStatusObject', created)).toEqual([]);
    const rows = created.results as Record<string, unknown>[];
    expect(rows.slice(0, payloads.length).every((r) => Object.keys(r).sort().join() === 'id,index')).toBe(true);
    expect(rows[payloads.length]).toMatchObject({ action: 'create', index: payloads.length, success: false });

    const ids = payloads.map((p) => Number(sim.findOrganization(String(p.external_id))!.id));
    const update = await zd.put<JobBody>(
      '/api/v2/organizations/update_many',
      batchBody(items(payloads.slice(0, 2), ids.slice(0, 2)), upsertOp().update!),
    );
    expect(response('JobStatusResponse', update.body)).toEqual([]);
    const missing = await zd.put<JobBody>('/api/v2/organizations/update_many', {
      organizations: [{ id: 987654, notes: 'x' }],
    });
    await waitForJob(zd, update.body.job_status.id);
    await waitForJob(zd, missing.body.job_status.id);
    const both = await zd.get<{ job_statuses: Array<{ results: Record<string, unknown>[] }> }>(
      `/api/v2/job_statuses/show_many.json?ids=${update.body.job_status.id},${missing.body.job_status.id}`,
    );
    expect(response('JobStatusesResponse', both.body)).toEqual([]);
    expect(both.body.job_statuses[0].results[0]).toEqual({
      action: 'update',
      id: ids[0],
      status: 'Updated',
      success: true,
    });
    expect(both.body.job_statuses[1].results[0]).toEqual({
      action: 'update',
      id: 987654,
      error: 'RecordNotFound',
      details: 'Not found',
      success: false,
    });
  });

  it('the all_fields knob answers rows the spec does not allow (the check can tell the shapes apart)', async () => {
    sim.setKnobs({ jobResultShape: 'all_fields' });
    const r = await zd.post<JobBody>('/api/v2/organizations/create_many', {
      organizations: [{ name: 'A', external_id: 'a' }],
    });
    const done = await waitForJob(zd, r.body.job_status.id);
    // {index, id, action, status, success} fits both CreateResourceResult and UpdateResourceResult
    // as published, and neither once closed: the oneOf fails either way.
    expect(response('JobStatusObject', done)).not.toEqual([]);
  });

  it('organizations: cursor pages, show_many by external_ids, and the answer to a create', async () => {
    for (const p of fixturePayloads())
      expect((await zd.post('/api/v2/organizations', { organization: p })).status).toBe(201);
    await zd.post('/api/v2/organization_fields', {
      organization_field: { key: 'credit_limit', title: 'Credit limit', type: 'decimal' },
    });
    const page = cursorPage('OrganizationsResponse', 'organizations');
    let url: string | null = '/api/v2/organizations.json?page[size]=4';
    let pages = 0;
    while (url) {
      const r: { body: { links: { next: string | null } } } = await zd.get(url.replace(sim.url, ''));
      expect(response(page, r.body)).toEqual([]);
      url = r.body.links.next;
      pages++;
    }
    expect(pages).toBe(2);
    const many = await zd.get(
      `/api/v2/organizations/show_many?external_ids=${fixturePayloads()
        .slice(0, 3)
        .map((p) => String(p.external_id))
        .join(',')}`,
    );
    expect(response('OrganizationsResponse', many.body)).toEqual([]);
    expect((many.body as { organizations: unknown[] }).organizations).toHaveLength(3);
    const one = await zd.post('/api/v2/organizations', { organization: { name: 'Solo AS', external_id: 'solo' } });
    expect(response('OrganizationResponse', one.body)).toEqual([]);
  });

  it('organization_fields: a cursor-paged list and a create answer', async () => {
    for (const b of await provisionBodies()) await zd.post('/api/v2/organization_fields', b);
    const page = cursorPage('OrganizationFieldsResponse', 'organization_fields');
    const first = await zd.get<{ links: { next: string | null }; organization_fields: unknown[] }>(
      '/api/v2/organization_fields?page[size]=100',
    );
    expect(response(page, first.body)).toEqual([]);
    expect(first.body.organization_fields.length).toBeGreaterThan(10);
    expect(first.body.links.next).toBeNull();
    const offset = await zd.get('/api/v2/organization_fields');
    expect(response('OrganizationFieldsResponse', offset.body)).toEqual([]);
    const dropdown = await zd.post('/api/v2/organization_fields', {
      organization_field: {
        key: 'tier',
        title: 'Tier',
        type: 'dropdown',
        custom_field_options: [{ name: 'Gold', value: 'gold' }],
      },
    });
    expect(response('OrganizationFieldResponse', dropdown.body)).toEqual([]);
  });
});
