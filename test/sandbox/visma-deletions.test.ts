// Deactivated and deleted customers in the Visma simulator (issue 20): what a sync can see of
// them, and what listing every customer number costs a reconcile.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../sandbox/framework/clock.js';
import { describeMutation } from '../../sandbox/index.js';
import { VismaSimulator } from '../../sandbox/visma/index.js';
import { vismaGet, vismaToken, type Row } from './helpers/visma-client.js';
import { postJson } from './helpers/zendesk-client.js';

const clock = manualClock('2026-03-01T10:00:00.000Z');
let sim: VismaSimulator;
let token: string;

beforeAll(async () => {
  sim = await new VismaSimulator({ seed: 4, size: 120, clock: clock.now, knobs: { expiresIn: 10_000_000 } }).start();
  token = await vismaToken(sim);
});
afterAll(() => sim.stop());

const since = (iso: string) => `lastModifiedDateTime=${encodeURIComponent(iso)}&lastModifiedDateTimeCondition=%3E%3D`;
const numbers = (rows: Row[]) => rows.map((r) => String(r.number));

async function del(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${sim.url}${path}`, { method: 'DELETE' });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Every customer, page by page; stops at metadata.totalCount, so a full last page costs no extra request. */
async function allCustomers(s: VismaSimulator, pageSize: number): Promise<{ rows: Row[]; requests: number }> {
  const t = await vismaToken(s);
  const rows: Row[] = [];
  let requests = 0;
  for (let page = 1; ; page++) {
    const r = await vismaGet<Row[]>(s, t, `/v1/customer?pageSize=${pageSize}&pageNumber=${page}`);
    requests++;
    rows.push(...r.body);
    const total = r.body[0]?.metadata?.totalCount ?? 0;
    if (r.body.length < pageSize || rows.length >= total) return { rows, requests };
  }
}

/** A customer with no invoices, and one with some. */
function customers(s: VismaSimulator): { bare: string; invoiced: string } {
  const bare = s.store.customers.find((c) => s.store.invoicesOf(c.number).length === 0 && c.status === 'Active')!;
  const invoiced = s.store.customers.find((c) => s.store.invoicesOf(c.number).length > 1)!;
  return { bare: bare.number, invoiced: invoiced.number };
}

describe('deactivation', () => {
  it('sets status Inactive and back to Active, each time a change a delta read finds', async () => {
    const number = sim.store.customers.find((c) => c.status === 'Active')!.number;
    clock.set('2026-03-02T08:00:00.000Z');
    const off = await postJson(`${sim.url}/__sim/visma/customers/${number}/deactivate`, {});
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ number, status: 'Inactive', lastModifiedDateTime: '2026-03-02T08:00:00.000Z' });
    const delta = await vismaGet<Row[]>(sim, token, `/v1/customer?${since('2026-03-02T07:00:00')}`);
    expect(delta.body.map((c) => [c.number, c.status])).toEqual([[number, 'Inactive']]);
    const inactive = await vismaGet<Row[]>(sim, token, '/v1/customer?status=Inactive&pageSize=500');
    expect(numbers(inactive.body)).toContain(number);

    clock.set('2026-03-03T08:00:00.000Z');
    const on = await postJson(`${sim.url}/__sim/visma/customers/${number}/reactivate`, {});
    expect(on.body).toMatchObject({ number, status: 'Active', lastModifiedDateTime: '2026-03-03T08:00:00.000Z' });
    const again = await vismaGet<Row[]>(sim, token, `/v1/customer?${since('2026-03-03T07:00:00')}`);
    expect(again.body.map((c) => [c.number, c.status])).toEqual([[number, 'Active']]);
    expect((await postJson(`${sim.url}/__sim/visma/customers/999/deactivate`, {})).status).toBe(404);
  });
});

describe('hard delete', () => {
  it('a deleted customer is gone from reads, lists and delta reads (no tombstone)', async () => {
    const { bare } = customers(sim);
    const before = await vismaGet<Row[]>(sim, token, '/v1/customer?pageSize=500');
    clock.set('2026-03-04T08:00:00.000Z');
    await postJson(`${sim.url}/__sim/visma/customers/${bare}`, { creditLimit: 1000 });
    const r = await del(`/__sim/visma/customers/${bare}`);
    expect(r).toEqual({ status: 200, body: { customer: bare, deletedInvoices: [], orphanedInvoices: [] } });
    expect((await vismaGet(sim, token, `/v1/customer/${bare}`)).status).toBe(404);
    const after = await vismaGet<Row[]>(sim, token, '/v1/customer?pageSize=500');
    expect(numbers(after.body)).toEqual(numbers(before.body).filter((n) => n !== bare));
    expect(after.body[0].metadata?.totalCount).toBe(before.body.length - 1);
    // Changed, then deleted, in the delta window: the delta says nothing at all about it.
    const delta = await vismaGet<Row[]>(sim, token, `/v1/customer?${since('2026-03-04T07:00:00')}`);
    expect(delta.body).toEqual([]);
    expect((await del(`/__sim/visma/customers/${bare}`)).status).toBe(404);
  });

  it('refuses a customer with invoices (409, invoices untouched) until they are deleted first', async () => {
    const { invoiced } = customers(sim);
    const refs = sim.store.invoicesOf(invoiced).map((i) => i.referenceNumber);
    const refused = await del(`/__sim/visma/customers/${invoiced}`);
    expect(refused.status).toBe(409);
    expect(String(refused.body.error)).toMatch(/has \d+ invoice\(s\).*customerDeleteWithInvoices/);
    expect(sim.customer(invoiced)).toBeDefined();
    expect(sim.store.invoicesOf(invoiced).map((i) => i.referenceNumber)).toEqual(refs);

    for (const ref of refs) expect((await del(`/__sim/visma/invoices/${ref}`)).body).toEqual({ invoice: ref });
    expect((await vismaGet(sim, token, `/v1/customerinvoice/${refs[0]}`)).status).toBe(404);
    expect((await del(`/__sim/visma/customers/${invoiced}`)).status).toBe(200);
  });

  it('knob cascade deletes the invoices with the customer; orphan leaves them listed', async () => {
    const knobs = { customerDeleteWithInvoices: 'cascade' };
    const s = await new VismaSimulator({ seed: 4, size: 60, clock: clock.now, knobs }).start();
    try {
      const t = await vismaToken(s);
      const { invoiced } = customers(s);
      const refs = s.store.invoicesOf(invoiced).map((i) => i.referenceNumber);
      expect(s.deleteCustomer(invoiced)).toEqual({ customer: invoiced, deletedInvoices: refs, orphanedInvoices: [] });
      expect((await vismaGet<Row[]>(s, t, `/v1/customerinvoice?customer=${invoiced}`)).body).toEqual([]);
      expect(s.store.invoices.some((i) => refs.includes(i.referenceNumber))).toBe(false);

      s.setKnobs({ customerDeleteWithInvoices: 'orphan' });
      const other = customers(s).invoiced;
      const kept = s.store.invoicesOf(other).map((i) => i.referenceNumber);
      expect(s.deleteCustomer(other)).toEqual({ customer: other, deletedInvoices: [], orphanedInvoices: kept });
      const listed = await vismaGet<Row[]>(s, t, `/v1/customerinvoice?customer=${other}&pageSize=500`);
      expect(listed.body.map((i) => i.referenceNumber)).toEqual(kept);
      expect((await vismaGet(s, t, `/v1/customer/${other}`)).status).toBe(404);
      expect(() => {
        s.setKnobs({ customerDeleteWithInvoices: 'sometimes' });
      }).toThrow(/refuse, cascade, orphan/);
    } finally {
      await s.stop();
    }
  });
});

describe('mutate with deactivations, reactivations and deletions', () => {
  it('changes the requested numbers of customers, each once, and says so in words', () => {
    const s = new VismaSimulator({ seed: 11, size: 200, clock: clock.now });
    clock.set('2026-03-05T08:00:00.000Z');
    const wasInactive = new Set(s.store.customers.filter((c) => c.status === 'Inactive').map((c) => c.number));
    const req = { customers: 2, deactivateCustomers: 3, reactivateCustomers: 2, deleteCustomers: 2 };
    const m = s.mutate(req);
    const counts = [m.deactivatedCustomers, m.reactivatedCustomers, m.deletedCustomers].map((l) => l.length);
    expect(counts).toEqual([3, 2, 2]);
    const all = [...m.customers, ...m.deactivatedCustomers, ...m.reactivatedCustomers, ...m.deletedCustomers];
    expect(new Set(all).size).toBe(all.length);
    for (const n of m.deactivatedCustomers) expect(s.customer(n)?.status).toBe('Inactive');
    for (const n of m.reactivatedCustomers) {
      expect(wasInactive.has(n)).toBe(true);
      expect(s.customer(n)?.status).toBe('Active');
    }
    // Under the default policy only customers without invoices can go.
    for (const n of m.deletedCustomers) {
      expect(s.customer(n)).toBeUndefined();
      expect(s.store.invoicesOf(n)).toHaveLength(0);
    }
    expect(m.deletedInvoices).toEqual([]);
    const text = describeMutation(m);
    expect(text).toMatch(/3 customers deactivated \(\d+, \d+, \d+\); 2 customers reactivated .*; 2 customers deleted/);

    const twin = new VismaSimulator({ seed: 11, size: 200, clock: clock.now });
    expect(twin.mutate(req)).toEqual(m);
  });

  it('a request without lifecycle counts changes the same records it always did', () => {
    const fresh = () => new VismaSimulator({ seed: 11, size: 200, clock: clock.now });
    const plain = fresh().mutate({ customers: 3, invoices: 4, payInvoices: 2 });
    const zeros = fresh().mutate({
      customers: 3,
      invoices: 4,
      payInvoices: 2,
      deactivateCustomers: 0,
      deleteCustomers: 0,
    });
    expect(zeros).toEqual(plain);
    expect(plain.deletedCustomers).toEqual([]);
  });

  it('with cascade, deleted customers take their invoices; the admin route takes the new counts', async () => {
    const knobs = { customerDeleteWithInvoices: 'cascade' };
    const s = await new VismaSimulator({ seed: 11, size: 200, clock: clock.now, knobs }).start();
    try {
      const r = await postJson(`${s.url}/__sim/visma/mutate`, { deleteCustomers: 4, invoices: 3 });
      expect(r.status).toBe(200);
      const m = r.body as { deletedCustomers: string[]; deletedInvoices: string[]; invoices: string[] };
      expect(m.deletedCustomers).toHaveLength(4);
      for (const ref of m.deletedInvoices) expect(s.invoice(ref)).toBeUndefined();
      // Invoices this mutation changed keep their customer.
      for (const ref of m.invoices) expect(s.invoice(ref)).toBeDefined();
      expect((await postJson(`${s.url}/__sim/visma/mutate`, { deleteCustomers: -1 })).status).toBe(400);
    } finally {
      await s.stop();
    }
  });
});

describe('snapshots keep deletions', () => {
  it('a compact snapshot (seed recipe + changes) restores without the deleted records', () => {
    const knobs = { customerDeleteWithInvoices: 'cascade' };
    const s = new VismaSimulator({ seed: 5, size: 80, clock: clock.now, knobs });
    const { bare, invoiced } = customers(s);
    const refs = s.store.invoicesOf(invoiced).map((i) => i.referenceNumber);
    s.deleteCustomer(bare);
    s.deleteCustomer(invoiced);
    s.deactivateCustomer(s.store.customers[0].number);
    const snap = s.snapshot();
    expect(snap.base).not.toBeNull();
    expect(snap.deletedCustomers?.sort()).toEqual([bare, invoiced].sort());
    const back = new VismaSimulator({ snapshot: JSON.parse(JSON.stringify(snap)) as unknown, clock: clock.now });
    expect(back.customers()).toEqual(s.customers());
    expect(back.invoices()).toEqual(s.invoices());
    for (const ref of refs) expect(back.invoice(ref)).toBeUndefined();
    // And again: the restored store remembers its deletions for the next snapshot.
    expect(back.snapshot().deletedCustomers?.sort()).toEqual([bare, invoiced].sort());
  });
});

describe('the cheapest listing of every customer number (a reconcile)', () => {
  it('has no field selection in the spec: pages are capped at maxPageSize, N customers cost ceil(N/max)', async () => {
    const knobs = { rateLimitEnabled: false };
    const s = await new VismaSimulator({ seed: 2, size: 10_000, clock: clock.now, knobs }).start();
    try {
      const t = await vismaToken(s);
      const probe = await vismaGet<Row[]>(s, t, '/v1/customer?pageSize=100000&pageNumber=1');
      const max = probe.body[0].metadata!.maxPageSize;
      expect(probe.body).toHaveLength(max);
      const { rows, requests } = await allCustomers(s, max);
      expect(rows).toHaveLength(10_000);
      expect(requests).toBe(Math.ceil(10_000 / max));
      expect(requests).toBe(20);
      // Each row is the whole CustomerDto: listing keys costs what a full customer read costs.
      const whole = ['number', 'name', 'status', 'mainAddress', 'lastModifiedDateTime'];
      expect(Object.keys(rows[0])).toEqual(expect.arrayContaining(whole));
      s.deleteCustomer(customers(s).bare);
      expect((await allCustomers(s, max)).rows).toHaveLength(9_999);
    } finally {
      await s.stop();
    }
  }, 60_000);
});
