import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MarketoSimulator } from '../../sandbox/marketo/index.js';
import { companies, marketoClient, startMarketo, type MkClient } from './helpers/marketo-client.js';

let sim: MarketoSimulator;
let mk: MkClient;
beforeEach(async () => {
  sim = await startMarketo({ knobs: { customFields: [{ name: 'paymentTerms', dataType: 'string' }] } });
  mk = marketoClient(sim);
  await mk.post('/rest/v1/companies.json', {
    input: companies(7, 'C-', (i) => ({
      annualRevenue: i * 1000,
      ...(i === 3 ? { company: 'Twin' } : i === 5 ? { company: 'Twin' } : {}),
    })),
  });
});
afterEach(() => sim.stop());

const Q = '/rest/v1/companies.json?filterType=externalCompanyId';
const ext = (n: number) => Array.from({ length: n }, (_, i) => `C-${10000 + i}`).join(',');

describe('Query Companies: GET /rest/v1/companies.json', () => {
  it('returns id, the dedupe field, createdAt and updatedAt without `fields`, in filter-value order', async () => {
    const r = await mk.get('/rest/v1/companies.json?filterType=externalCompanyId&filterValues=C-10002,C-10000,missing');
    expect(r.body.success).toBe(true);
    expect(r.body.result).toEqual([
      {
        seq: 0,
        id: expect.any(Number),
        externalCompanyId: 'C-10002',
        createdAt: expect.stringMatching(/Z$/),
        updatedAt: expect.any(String),
      },
      {
        seq: 1,
        id: expect.any(Number),
        externalCompanyId: 'C-10000',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
    ]);
  });

  it('returns the named fields with id and externalCompanyId, leaving out nulls', async () => {
    const r = await mk.get(`${Q}&filterValues=C-10000,C-10002&fields=company,annualRevenue,paymentTerms`);
    expect(r.body.result).toEqual([
      { seq: 0, id: expect.any(Number), externalCompanyId: 'C-10000', company: 'Company 0', annualRevenue: 0 },
      { seq: 1, id: expect.any(Number), externalCompanyId: 'C-10002', company: 'Company 2', annualRevenue: 2000 },
    ]);
  });

  it('filters by id, by company name (several may match) and by the key aliases', async () => {
    const id = sim.findCompany('C-10004')!.id as number;
    expect((await mk.get(`/rest/v1/companies.json?filterType=id&filterValues=${id}`)).body.result?.[0]).toMatchObject({
      externalCompanyId: 'C-10004',
    });
    expect((await mk.get(`/rest/v1/companies.json?filterType=idField&filterValues=${id}`)).body.result).toHaveLength(1);
    expect(
      (await mk.get('/rest/v1/companies.json?filterType=dedupeFields&filterValues=C-10001')).body.result,
    ).toHaveLength(1);
    const twins = await mk.get('/rest/v1/companies.json?filterType=company&filterValues=Twin');
    expect(twins.body.result?.map((c) => c.externalCompanyId)).toEqual(['C-10003', 'C-10005']);
  });

  it('pages with nextPageToken while moreResult is true', async () => {
    const seen: unknown[] = [];
    let url = `/rest/v1/companies.json?filterType=externalCompanyId&filterValues=${ext(7)}&batchSize=3`;
    const pages: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await mk.get(url);
      seen.push(...r.body.result!.map((c) => c.externalCompanyId));
      pages.push(r.body.moreResult === true);
      if (!r.body.moreResult) {
        expect(r.body.nextPageToken).toBeUndefined();
        break;
      }
      expect(r.body.nextPageToken).toMatch(/^[A-Z2-7]+=*$/);
      url = `${Q}&filterValues=${ext(7)}&batchSize=3&nextPageToken=${r.body.nextPageToken}`;
    }
    expect(pages).toEqual([true, true, false]);
    expect(seen).toEqual(ext(7).split(','));
  });

  it('refuses a token from another query, an unknown filterType or field, and too many values', async () => {
    const first = await mk.get(
      `/rest/v1/companies.json?filterType=externalCompanyId&filterValues=${ext(7)}&batchSize=2`,
    );
    const other = await mk.get(`${Q}&filterValues=C-10000&nextPageToken=${first.body.nextPageToken}`);
    expect(other.body).toMatchObject({ success: false, errors: [{ code: '1003' }] });
    expect((await mk.get('/rest/v1/companies.json?filterType=annualRevenue&filterValues=1')).body.errors?.[0]).toEqual({
      code: '1011',
      message: "Field 'annualRevenue' not supported",
    });
    expect((await mk.get('/rest/v1/companies.json?filterType=nope&filterValues=1')).body.errors?.[0].code).toBe('1006');
    expect((await mk.get('/rest/v1/companies.json?filterType=id&filterValues=1&fields=nope')).body.errors?.[0]).toEqual(
      { code: '1006', message: "Field 'nope' not found" },
    );
    expect((await mk.get('/rest/v1/companies.json?filterType=id')).body.errors?.[0]).toEqual({
      code: '701',
      message: 'filterValues cannot be blank',
    });
    const many = Array.from({ length: 301 }, (_, i) => String(i)).join(',');
    expect((await mk.get(`/rest/v1/companies.json?filterType=id&filterValues=${many}`)).body.errors?.[0].code).toBe(
      '1003',
    );
    expect(
      (await mk.get('/rest/v1/companies.json?filterType=id&filterValues=1&batchSize=301')).body.errors?.[0].code,
    ).toBe('1003');
  });

  it('takes the query in a form body with POST ?_method=GET (the way around 414)', async () => {
    const long = `/rest/v1/companies.json?filterType=externalCompanyId&filterValues=${'C-10000,'.repeat(1100)}C-10001`;
    expect((await mk.get(long)).status).toBe(414);
    const form = new URLSearchParams({
      filterType: 'externalCompanyId',
      filterValues: 'C-10000,C-10001',
      fields: 'company',
    });
    const r = await mk.post('/rest/v1/companies.json?_method=GET', form.toString(), {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(r.body.result?.map((c) => c.company)).toEqual(['Company 0', 'Company 1']);
  });
});
