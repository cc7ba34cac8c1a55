import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../sandbox/framework/clock.js';
import { VismaSimulator } from '../../sandbox/visma/index.js';
import { vismaGet, vismaToken, type Row } from './helpers/visma-client.js';

// One large data set: paging must not sort or scan per page. No timing assertions (shared CI cores).
let sim: VismaSimulator;
let token: string;

beforeAll(async () => {
  sim = await new VismaSimulator({ seed: 1, size: 100_000, clock: fixedClock('2026-05-01T00:00:00Z') }).start();
  token = await vismaToken(sim);
}, 60_000);
afterAll(() => sim.stop());

describe('Visma at 100,000 customers', () => {
  it('seeds about 400,000 invoices', () => {
    expect(sim.store.customers).toHaveLength(100_000);
    expect(sim.store.invoices.length).toBeGreaterThan(360_000);
    expect(sim.store.invoices.length).toBeLessThan(440_000);
  });

  it('serves first, middle and last pages with the right numbers', async () => {
    const first = await vismaGet<Row[]>(sim, token, '/v1/customer?pageSize=500&pageNumber=1');
    expect(first.body[0].number).toBe('10001');
    const mid = await vismaGet<Row[]>(sim, token, '/v1/customer?pageSize=500&pageNumber=101');
    expect(mid.body[0].number).toBe('60001');
    const last = await vismaGet<Row[]>(sim, token, '/v1/customer?pageSize=500&pageNumber=200');
    expect(last.body).toHaveLength(500);
    expect(last.body[499].number).toBe('110000');
    expect(last.body[499].metadata?.totalCount).toBe(100_000);
    const beyond = await vismaGet<Row[]>(sim, token, '/v1/customer?pageSize=500&pageNumber=201');
    expect(beyond.body).toEqual([]);
  });

  it('pages through a delta query over all invoices', async () => {
    const q = 'lastModifiedDateTime=2026-04-01&lastModifiedDateTimeCondition=%3E%3D&pageSize=500';
    const p1 = await vismaGet<Row[]>(sim, token, `/v1/customerinvoice?${q}&pageNumber=1`);
    const total = p1.body[0].metadata!.totalCount;
    expect(total).toBe(sim.store.invoices.filter((i) => i.modifiedMs >= Date.parse('2026-04-01T00:00:00Z')).length);
    const pages = Math.ceil(total / 500);
    const lastPage = await vismaGet<Row[]>(sim, token, `/v1/customerinvoice?${q}&pageNumber=${pages}`);
    expect(lastPage.body.length).toBe(total - (pages - 1) * 500);
  });
});
