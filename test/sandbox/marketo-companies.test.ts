import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MarketoSimulator } from '../../sandbox/marketo/index.js';
import { companies, marketoClient, startMarketo, type MkClient } from './helpers/marketo-client.js';

let sim: MarketoSimulator;
let mk: MkClient;
beforeEach(async () => {
  sim = await startMarketo({
    knobs: {
      customFields: [
        { name: 'paymentTerms', dataType: 'string', length: 10 },
        { name: 'openInvoiceCount', dataType: 'integer' },
      ],
    },
  });
  mk = marketoClient(sim);
});
afterEach(() => sim.stop());

const sync = (input: unknown[], extra: Record<string, unknown> = {}) =>
  mk.post('/rest/v1/companies.json', { action: 'createOrUpdate', dedupeBy: 'dedupeFields', input, ...extra });

describe('Sync Companies: POST /rest/v1/companies.json (targets.md 3.4)', () => {
  it('creates, then updates, with one result per record in input order', async () => {
    const first = await sync(companies(3));
    expect(first.status).toBe(200);
    expect(first.body.success).toBe(true);
    expect(first.body.result).toEqual([0, 1, 2].map((seq) => ({ seq, status: 'created', id: expect.any(Number) })));
    const again = await sync([
      { externalCompanyId: 'C-10001', paymentTerms: '30D' },
      { externalCompanyId: 'C-99999', company: 'New' },
    ]);
    expect(again.body.result).toEqual([
      { seq: 0, status: 'updated', id: first.body.result![1].id },
      { seq: 1, status: 'created', id: expect.any(Number) },
    ]);
    expect(sim.findCompany('C-10001')).toMatchObject({ company: 'Company 1', paymentTerms: '30D' });
  });

  it('defaults to createOrUpdate by dedupeFields', async () => {
    const r = await mk.post('/rest/v1/companies.json', { input: companies(1) });
    expect(r.body.result).toEqual([{ seq: 0, status: 'created', id: expect.any(Number) }]);
  });

  it('skips the same externalCompanyId repeated in one call with 1036 (the first is written)', async () => {
    const r = await sync([
      { externalCompanyId: 'A', company: 'One' },
      { externalCompanyId: 'B', company: 'Two' },
      { externalCompanyId: 'A', company: 'dup' },
    ]);
    expect(r.body.result?.map((x) => x.status)).toEqual(['created', 'created', 'skipped']);
    expect(r.body.result?.[2]).toEqual({
      seq: 2,
      status: 'skipped',
      reasons: [{ code: '1036', message: 'Duplicate object found in input' }],
    });
    expect(sim.findCompany('A')?.company).toBe('One');
    sim.setKnobs({ duplicateInput: 'all' });
    const all = await sync([{ externalCompanyId: 'X' }, { externalCompanyId: 'X' }]);
    expect(all.body.result?.map((x) => x.reasons)).toEqual([
      [expect.objectContaining({ code: '1036' })],
      [expect.objectContaining({ code: '1036' })],
    ]);
    expect(sim.findCompany('X')).toBeUndefined();
  });

  it('skips a record naming a field the instance lacks (1006); the knob makes it response-level', async () => {
    const r = await sync([
      { externalCompanyId: 'A', company: 'ok' },
      { externalCompanyId: 'B', nonExistingField: 1 },
    ]);
    expect(r.body.result?.[0].status).toBe('created');
    expect(r.body.result?.[1]).toEqual({
      seq: 1,
      status: 'skipped',
      reasons: [{ code: '1006', message: "Field 'nonExistingField' not found" }],
    });
    sim.setKnobs({ unknownFieldError: 'response' });
    const whole = await sync([{ externalCompanyId: 'C' }, { externalCompanyId: 'D', nope: 1 }]);
    expect(whole).toMatchObject({
      status: 200,
      body: { success: false, errors: [{ code: '1006', message: "Field 'nope' not found" }] },
    });
    expect(sim.findCompany('C')).toBeUndefined();
  });

  it('checks values against the field types and lengths (1001) and a missing key (1002)', async () => {
    const r = await sync([
      { externalCompanyId: 'A', openInvoiceCount: 'many' },
      { externalCompanyId: 'B', paymentTerms: 'far too long for ten' },
      { company: 'no key' },
      { externalCompanyId: 'C', openInvoiceCount: '3', paymentTerms: 'NET30' },
    ]);
    const reasons = r.body.result?.map(
      (x) => (x.reasons as Array<{ code: string }> | undefined)?.[0]?.code ?? x.status,
    );
    expect(reasons).toEqual(['1001', '1001', '1002', 'created']);
    expect(sim.findCompany('C')).toMatchObject({ openInvoiceCount: 3, paymentTerms: 'NET30' });
    sim.setKnobs({ overlongStrings: 'truncate' });
    await sync([{ externalCompanyId: 'B', paymentTerms: 'far too long for ten' }]);
    expect(sim.findCompany('B')?.paymentTerms).toBe('far too lo');
  });

  it('null and "" clear a field', async () => {
    await sync([{ externalCompanyId: 'A', company: 'Acme', paymentTerms: '30D', openInvoiceCount: 2 }]);
    await sync([{ externalCompanyId: 'A', paymentTerms: null, openInvoiceCount: '' }]);
    const c = sim.findCompany('A')!;
    expect(c.company).toBe('Acme');
    expect(c).not.toHaveProperty('paymentTerms');
    expect(c).not.toHaveProperty('openInvoiceCount');
  });

  it('createOnly skips existing companies, updateOnly skips missing ones (1013 by default)', async () => {
    await sync([{ externalCompanyId: 'A' }]);
    const create = await sync([{ externalCompanyId: 'A' }, { externalCompanyId: 'B' }], { action: 'createOnly' });
    expect(create.body.result?.map((x) => x.status)).toEqual(['skipped', 'created']);
    expect(create.body.result?.[0].reasons).toEqual([{ code: '1017', message: 'Object already exists' }]);
    const update = await sync([{ externalCompanyId: 'A' }, { externalCompanyId: 'Z' }], { action: 'updateOnly' });
    expect(update.body.result?.map((x) => x.status)).toEqual(['updated', 'skipped']);
    expect(update.body.result?.[1].reasons).toEqual([{ code: '1013', message: 'Record not found' }]);
    sim.setKnobs({ updateOnlyMissingCode: '1004' });
    expect((await sync([{ externalCompanyId: 'Z' }], { action: 'updateOnly' })).body.result?.[0].reasons).toEqual([
      { code: '1004', message: 'Lead not found' },
    ]);
  });

  it('updates by id with dedupeBy idField; idField with createOnly is invalid data (1003)', async () => {
    const id = (await sync([{ externalCompanyId: 'A', company: 'Old' }])).body.result![0].id as number;
    const r = await sync(
      [
        { id, company: 'New' },
        { id: 999_999, company: 'Ghost' },
      ],
      { dedupeBy: 'idField' },
    );
    expect(r.body.result).toEqual([
      { seq: 0, status: 'updated', id },
      { seq: 1, status: 'skipped', reasons: [{ code: '1013', message: 'Record not found' }] },
    ]);
    expect(sim.findCompany('A')?.company).toBe('New');
    const bad = await sync([{ id, company: 'X' }], { dedupeBy: 'idField', action: 'createOnly' });
    expect(bad.body.result?.[0].reasons).toEqual([{ code: '1003', message: 'Invalid data' }]);
  });

  it('refuses more than 300 records in one call, and accepts exactly 300', async () => {
    const over = await sync(companies(301));
    expect(over).toMatchObject({ status: 200, body: { success: false, errors: [{ code: '1003' }] } });
    expect(sim.companies()).toHaveLength(0);
    const ok = await sync(companies(300));
    expect(ok.body.result).toHaveLength(300);
  });

  it('answers a body over 1 MB with HTTP 413, and just under it normally', async () => {
    const pad = (n: number) => companies(1, 'C-', () => ({ company: 'x'.repeat(n) }));
    const overhead = JSON.stringify({ action: 'createOrUpdate', dedupeBy: 'dedupeFields', input: pad(0) }).length;
    sim.setKnobs({ overlongStrings: 'truncate' });
    const at = await sync(pad(1_000_000 - overhead));
    expect(at.status).toBe(200);
    const over = await sync(pad(1_000_001 - overhead));
    expect(over.status).toBe(413);
  });

  it('answers bad JSON with 609, an unknown path with 610, a wrong method with 605, all at HTTP 200', async () => {
    expect((await mk.post('/rest/v1/companies.json', '{"input": [')).body).toMatchObject({
      success: false,
      errors: [{ code: '609', message: 'Invalid JSON' }],
    });
    expect((await mk.post('/rest/v1/companies/sync.json', { input: [] })).body).toMatchObject({
      success: false,
      errors: [{ code: '610' }],
    });
    expect((await mk.get('/rest/v1/companies/delete.json')).body).toMatchObject({
      success: false,
      errors: [{ code: '605' }],
    });
    expect((await mk.post('/rest/v1/companies.json', { input: [] })).body).toMatchObject({
      success: false,
      errors: [{ code: '701' }],
    });
  });

  it('answers a POST body that is not declared JSON with 612', async () => {
    const r = await mk.post('/rest/v1/companies.json', JSON.stringify({ input: companies(1) }), {
      'content-type': 'text/plain',
    });
    expect(r.body).toMatchObject({ success: false, errors: [{ code: '612', message: 'Invalid Content Type' }] });
  });

  it('on a CRM-enabled instance skips every record with 1018, or fails the call (knob)', async () => {
    sim.setKnobs({ crmEnabled: true });
    const r = await sync(companies(2));
    expect(r.body.result).toEqual(
      [0, 1].map((seq) => ({ seq, status: 'skipped', reasons: [{ code: '1018', message: 'CRM Enabled' }] })),
    );
    sim.setKnobs({ crmEnabledError: 'response' });
    expect((await sync(companies(2))).body).toMatchObject({ success: false, errors: [{ code: '1018' }] });
    expect(sim.companies()).toHaveLength(0);
  });
});

describe('Describe and field schema', () => {
  it('describes the company object with system, standard and the instance custom fields', async () => {
    const r = await mk.get('/rest/v1/companies/describe.json');
    const d = r.body.result![0] as {
      idField: string;
      dedupeFields: string[];
      searchableFields: string[][];
      fields: Array<Record<string, unknown>>;
    };
    expect(d).toMatchObject({
      name: 'Company',
      idField: 'id',
      dedupeFields: ['externalCompanyId'],
      searchableFields: [['externalCompanyId'], ['id'], ['company']],
    });
    const byName = Object.fromEntries(d.fields.map((f) => [f.name, f]));
    expect(byName.externalCompanyId).toEqual({
      name: 'externalCompanyId',
      displayName: 'External Company Id',
      dataType: 'string',
      length: 100,
      updateable: false,
    });
    expect(byName.company).toMatchObject({ dataType: 'string', length: 255, updateable: true });
    expect(byName.paymentTerms).toEqual({
      name: 'paymentTerms',
      displayName: 'paymentTerms',
      dataType: 'string',
      length: 10,
      updateable: true,
    });
  });

  it('custom fields are set by the admin route, so a mapping can meet a missing one', async () => {
    const res = await fetch(`${sim.url}/__sim/marketo/fields`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customFields: [{ name: 'accountStatus', dataType: 'string' }] }),
    });
    expect(res.status).toBe(200);
    const names = (
      (await mk.get('/rest/v1/companies/describe.json')).body.result![0].fields as Array<{ name: string }>
    ).map((f) => f.name);
    expect(names).toContain('accountStatus');
    expect(names).not.toContain('paymentTerms');
    expect((await sync([{ externalCompanyId: 'A', paymentTerms: 'x' }])).body.result?.[0].reasons).toEqual([
      { code: '1006', message: "Field 'paymentTerms' not found" },
    ]);
    const bad = await fetch(`${sim.url}/__sim/marketo/fields`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customFields: [{ name: 'company', dataType: 'string' }] }),
    });
    expect(bad.status).toBe(400);
  });

  it('lists writable fields with schema metadata and pages them', async () => {
    const first = await mk.get('/rest/v1/companies/schema/fields.json?batchSize=5');
    expect(first.body.result).toHaveLength(5);
    expect(first.body.result?.[0]).toMatchObject({ name: 'annualRevenue', isCustom: false, description: null });
    expect(first.body.moreResult).toBe(true);
    const rest = await mk.get(`/rest/v1/companies/schema/fields.json?nextPageToken=${first.body.nextPageToken}`);
    expect(rest.body.moreResult).toBe(false);
    expect(rest.body.result?.map((f) => f.name)).toContain('paymentTerms');
    expect((await mk.get('/rest/v1/companies/schema/fields/paymentTerms.json')).body.result?.[0]).toMatchObject({
      isCustom: true,
    });
  });
});

describe('Delete Companies', () => {
  it('deletes by externalCompanyId or id; a missing one is skipped with 1013', async () => {
    const ids = (await sync(companies(3))).body.result!.map((r) => r.id);
    const r = await mk.post('/rest/v1/companies/delete.json', {
      deleteBy: 'dedupeFields',
      input: [{ externalCompanyId: 'C-10000' }, { externalCompanyId: 'nope' }],
    });
    expect(r.body.result).toEqual([
      { seq: 0, id: ids[0], status: 'deleted' },
      { seq: 1, status: 'skipped', reasons: [{ code: '1013', message: 'Record not found' }] },
    ]);
    const byId = await mk.post('/rest/v1/companies/delete.json', { deleteBy: 'idField', input: [{ id: ids[2] }] });
    expect(byId.body.result).toEqual([{ seq: 0, id: ids[2], status: 'deleted' }]);
    expect(sim.companies().map((c) => c.externalCompanyId)).toEqual(['C-10001']);
  });
});
