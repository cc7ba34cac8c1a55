import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../sandbox/framework/clock.js';
import { VismaSimulator } from '../../sandbox/visma/index.js';
import { vismaGet, vismaToken, type Row } from './helpers/visma-client.js';
import { postJson } from './helpers/zendesk-client.js';

const clock = manualClock('2026-02-01T10:00:00.000Z');
let sim: VismaSimulator;
let token: string;

beforeAll(async () => {
  // The clock jumps days ahead between tests; keep the token alive across them.
  sim = await new VismaSimulator({ seed: 9, size: 200, clock: clock.now, knobs: { expiresIn: 10_000_000 } }).start();
  token = await vismaToken(sim);
});
afterAll(() => sim.stop());

const since = (iso: string) => `lastModifiedDateTime=${encodeURIComponent(iso)}&lastModifiedDateTimeCondition=%3E%3D`;

describe('Visma mutations', () => {
  it('patching a customer over the admin endpoint bumps lastModifiedDateTime and timeStamp', async () => {
    clock.set('2026-02-02T09:30:00.000Z');
    const before = (await vismaGet<Row>(sim, token, '/v1/customer/10010')).body;
    const r = await postJson(`${sim.url}/__sim/visma/customers/10010`, {
      creditLimit: 123456,
      mainContact: { email: 'ny@example.no' },
    });
    expect(r.status).toBe(200);
    const after = (await vismaGet<Row>(sim, token, '/v1/customer/10010')).body;
    expect(after.creditLimit).toBe(123456);
    expect((after.mainContact as Record<string, unknown>).email).toBe('ny@example.no');
    expect(after.lastModifiedDateTime).toBe('2026-02-02T09:30:00.000Z');
    expect(after.timeStamp).not.toBe(before.timeStamp);
    expect(after.name).toBe(before.name);

    const delta = await vismaGet<Row[]>(sim, token, `/v1/customer?${since('2026-02-02T09:00:00')}`);
    expect(delta.body.map((c) => c.number)).toEqual(['10010']);
  });

  it('null removes an optional value; unknown fields and bad values are refused', async () => {
    const ok = await postJson(`${sim.url}/__sim/visma/customers/10011`, { mainAddress: { addressLine1: null } });
    expect(ok.status).toBe(200);
    expect(sim.customer('10011')?.mainAddress).not.toHaveProperty('addressLine1');
    expect((await postJson(`${sim.url}/__sim/visma/customers/10011`, { documentNumber: 'x' })).status).toBe(400);
    expect((await postJson(`${sim.url}/__sim/visma/customers/10011`, { status: 'Sleeping' })).status).toBe(400);
    expect((await postJson(`${sim.url}/__sim/visma/customers/999`, { name: 'x' })).status).toBe(404);
  });

  it('paying an invoice sets balance 0 and status Closed, at the clock time', async () => {
    clock.set('2026-02-03T12:00:00.000Z');
    const open = sim.store.invoices.find((i) => i.status === 'Open')!;
    const r = await postJson(`${sim.url}/__sim/visma/invoices/${open.referenceNumber}/pay`, {});
    expect(r.status).toBe(200);
    const got = (await vismaGet<Row>(sim, token, `/v1/customerinvoice/${open.referenceNumber}`)).body;
    expect(got).toMatchObject({
      balance: 0,
      balanceInCurrency: 0,
      status: 'Closed',
      lastModifiedDateTime: '2026-02-03T12:00:00.000Z',
    });
  });

  it('patches and creates invoices; new ones get the next reference number and appear in delta and customer filters', async () => {
    clock.set('2026-02-04T08:00:00.000Z');
    const ref = sim.store.invoices[5].referenceNumber;
    const p = await postJson(`${sim.url}/__sim/visma/invoices/${ref}`, { invoiceText: 'Endret', balance: 10 });
    expect(p.status).toBe(200);
    expect(sim.invoice(ref)).toMatchObject({
      invoiceText: 'Endret',
      balance: 10,
      lastModifiedDateTime: '2026-02-04T08:00:00.000Z',
    });

    const last = Number(sim.store.invoices[sim.store.invoices.length - 1].referenceNumber);
    const c = await postJson(`${sim.url}/__sim/visma/invoices`, {
      customerNumber: '10020',
      amount: 2500,
      documentDueDate: '2026-02-20',
    });
    expect(c.status).toBe(201);
    expect(c.body.referenceNumber).toBe(String(last + 1));
    expect(c.body).toMatchObject({
      status: 'Open',
      amount: 2500,
      balance: 2500,
      customer: { number: '10020' },
      documentDueDate: '2026-02-20T00:00:00.000Z',
    });
    const delta = await vismaGet<Row[]>(sim, token, `/v1/customerinvoice?${since('2026-02-04')}&pageSize=500`);
    expect(delta.body.map((i) => i.referenceNumber).sort()).toEqual([ref, String(last + 1)].sort());
    const byCustomer = await vismaGet<Row[]>(sim, token, `/v1/customerinvoice?customer=10020&pageSize=500`);
    expect(byCustomer.body.map((i) => i.referenceNumber)).toContain(String(last + 1));
    expect((await postJson(`${sim.url}/__sim/visma/invoices`, { customerNumber: '10020', amount: -1 })).status).toBe(
      400,
    );
    expect((await postJson(`${sim.url}/__sim/visma/invoices`, { customerNumber: '1', amount: 5 })).status).toBe(404);
  });

  it('mutate changes the requested numbers of records, reproducibly, and delta finds exactly them', async () => {
    clock.set('2026-02-05T07:00:00.000Z');
    const res = await postJson(`${sim.url}/__sim/visma/mutate`, { customers: 5, invoices: 4, payInvoices: 3 });
    expect(res.status).toBe(200);
    const body = res.body as {
      customers: string[];
      invoices: string[];
      paidInvoices: string[];
      createdInvoices: string[];
    };
    expect(body.customers).toHaveLength(5);
    expect(body.paidInvoices).toHaveLength(3);
    expect(body.invoices.length).toBe(7);
    for (const ref of body.paidInvoices) expect(sim.invoice(ref)).toMatchObject({ status: 'Closed', balance: 0 });

    const cust = await vismaGet<Row[]>(sim, token, `/v1/customer?${since('2026-02-05')}&pageSize=500`);
    expect(cust.body.map((c) => c.number).sort()).toEqual([...body.customers].sort());
    const inv = await vismaGet<Row[]>(sim, token, `/v1/customerinvoice?${since('2026-02-05')}&pageSize=500`);
    expect(inv.body.map((i) => i.referenceNumber).sort()).toEqual([...body.invoices].sort());

    // Same seed, same history: same changes.
    const twin = new VismaSimulator({ seed: 9, size: 200, clock: clock.now });
    twin.mutate({ customers: 1 }); // advance the mutation counter like the earlier calls did not: results must differ from a fresh first call
    const fresh1 = new VismaSimulator({ seed: 9, size: 200, clock: clock.now }).mutate({
      customers: 5,
      invoices: 4,
      payInvoices: 3,
    });
    const fresh2 = new VismaSimulator({ seed: 9, size: 200, clock: clock.now }).mutate({
      customers: 5,
      invoices: 4,
      payInvoices: 3,
    });
    expect(fresh1).toEqual(fresh2);
    expect(twin.mutate({ customers: 5, invoices: 4, payInvoices: 3 })).not.toEqual(fresh1);
  });

  it('admin mutate rejects bad counts', async () => {
    expect((await postJson(`${sim.url}/__sim/visma/mutate`, { customers: -1 })).status).toBe(400);
    expect((await postJson(`${sim.url}/__sim/visma/mutate`, { customers: 'x' })).status).toBe(400);
  });
});
