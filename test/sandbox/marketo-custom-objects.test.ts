import { afterEach, assert, describe, expect, it } from 'vitest';
import { definition } from '../../sandbox/marketo/definition.js';
import { AR_SNAPSHOT_OBJECT, ERP_COMPANY_FIELDS, MarketoSimulator } from '../../sandbox/marketo/index.js';
import { marketoClient, startMarketo } from './helpers/marketo-client.js';

let sim: MarketoSimulator | undefined;
afterEach(() => sim?.stop());

const CO = '/rest/v1/customobjects/ar_snapshot_c';

describe('Marketo custom objects (targets.md 3.6)', () => {
  it('syncs by dedupe fields with marketoGUID results, queries, describes and deletes', async () => {
    sim = await startMarketo({ knobs: { customObjects: [AR_SNAPSHOT_OBJECT] } });
    const mk = marketoClient(sim);
    const first = await mk.post(`${CO}.json`, {
      input: [
        { externalCompanyId: 'C-1', outstandingBalance: 120.5, openInvoiceCount: 2 },
        { externalCompanyId: 'C-2' },
        { externalCompanyId: 'C-1' },
      ],
    });
    expect(first.body.result).toEqual([
      { seq: 0, status: 'created', marketoGUID: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      { seq: 1, status: 'created', marketoGUID: expect.any(String) },
      { seq: 2, status: 'skipped', reasons: [{ code: '1036', message: 'Duplicate object found in input' }] },
    ]);
    const again = await mk.post(`${CO}.json`, { input: [{ externalCompanyId: 'C-1', outstandingBalance: 0 }] });
    expect(again.body.result).toEqual([{ seq: 0, status: 'updated', marketoGUID: first.body.result![0].marketoGUID }]);
    const q = await mk.get(
      `${CO}.json?filterType=dedupeFields&filterValues=C-1&fields=outstandingBalance,openInvoiceCount`,
    );
    expect(q.body.result).toEqual([
      { seq: 0, marketoGUID: first.body.result![0].marketoGUID, outstandingBalance: 0, openInvoiceCount: 2 },
    ]);
    const d = await mk.get(`${CO}/describe.json`);
    expect(d.body.result?.[0]).toMatchObject({
      name: 'ar_snapshot_c',
      idField: 'marketoGUID',
      dedupeFields: ['externalCompanyId'],
    });
    expect((await mk.get('/rest/v1/customobjects.json')).body.result?.map((t) => t.name)).toEqual(['ar_snapshot_c']);
    const del = await mk.post(`${CO}/delete.json`, {
      deleteBy: 'idField',
      input: [{ marketoGUID: first.body.result![1].marketoGUID }, { marketoGUID: 'nope' }],
    });
    expect(del.body.result?.map((r) => r.status)).toEqual(['deleted', 'skipped']);
    expect(sim.customObjects('ar_snapshot_c')).toHaveLength(1);
  });

  it('idField only with updateOnly; unknown fields 1006; an unknown type is 610', async () => {
    sim = await startMarketo({ knobs: { customObjects: [AR_SNAPSHOT_OBJECT] } });
    const mk = marketoClient(sim);
    const r = await mk.post(`${CO}.json`, { dedupeBy: 'idField', input: [{ marketoGUID: 'x' }] });
    expect(r.body.result?.[0].reasons).toEqual([{ code: '1003', message: 'Invalid data' }]);
    const u = await mk.post(`${CO}.json`, { input: [{ externalCompanyId: 'C-1', nope: 1 }] });
    expect(u.body.result?.[0].reasons).toEqual([{ code: '1006', message: "Field 'nope' not found" }]);
    expect((await mk.post('/rest/v1/customobjects/car_c.json', { input: [{ vin: '1' }] })).body.errors?.[0].code).toBe(
      '610',
    );
  });
});

describe('Marketo simulator definition (sandbox registry)', () => {
  it('starts a target with the ERP preset fields and ar_snapshot_c, and shows the companies a run wrote', async () => {
    expect(definition).toMatchObject({ system: 'marketo', role: 'target' });
    const s = await definition.start({ seed: 3, size: 10 });
    assert(s instanceof MarketoSimulator);
    sim = s;
    expect(s.connection).toMatchObject({
      connector: 'marketo',
      base_url: `${s.url}/rest`,
      token_url: `${s.url}/identity/oauth/token`,
    });
    expect(Object.keys(s.connection.values).sort()).toEqual(['client_id', 'client_secret', 'munchkin_id']);
    const names = (sim.knobs().customFields as Array<{ name: string }>).map((f) => f.name);
    expect(names).toEqual(ERP_COMPANY_FIELDS.map((f) => f.name));
    const mk = marketoClient(sim);
    const r = await mk.post('/rest/v1/companies.json', {
      input: [
        { externalCompanyId: 'C-1', company: 'Plain' },
        { externalCompanyId: 'C-2', company: 'Rich', paymentTerms: '30D', isOverdue: true },
      ],
    });
    const ids = r.body.result!.map((x) => String(x.id));
    const ex = definition.examples!(s, [...ids, ids[0]], 5);
    expect(ex.title).toBe('Companies this run wrote in (simulated) Marketo');
    expect(ex.records.map((c) => c.company)).toEqual(['Rich', 'Plain']);
    expect(ex.view!(ex.records[0])).toEqual({
      heading: 'Rich (externalCompanyId C-2)',
      fields: { paymentTerms: '30D', isOverdue: true },
    });
    expect(definition.examples!(s, [], 5).records).toEqual([]);
  });

  it('a snapshot keeps its own fields rather than the preset', async () => {
    const plain = new MarketoSimulator({ seed: 3, knobs: { customFields: [{ name: 'only', dataType: 'string' }] } });
    const s = await definition.start({ seed: 3, size: 10, snapshot: plain.snapshot() });
    assert(s instanceof MarketoSimulator);
    sim = s;
    expect((sim.knobs().customFields as Array<{ name: string }>).map((f) => f.name)).toEqual(['only']);
  });
});
