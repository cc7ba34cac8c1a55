import { afterAll, assert, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, manualClock } from '../../sandbox/framework/clock.js';
import { describeMutation } from '../../sandbox/index.js';
import { definition } from '../../sandbox/visma/definition.js';
import { VismaSimulator, type VismaSnapshot } from '../../sandbox/visma/index.js';
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
const admin = (path: string, body: unknown = {}) => postJson(`${sim.url}/__sim/visma${path}`, body);
const ap = () => sim.store.payables;

describe('supplier changes over the admin routes', () => {
  it('a supplier patch bumps lastModifiedDateTime and timeStamp, and a delta read finds exactly it', async () => {
    clock.set('2026-02-02T09:30:00.000Z');
    const before = (await vismaGet<Row>(sim, token, '/v1/supplier/50003')).body;
    const patch = {
      creditTerms: { id: '30' },
      supplierClass: { id: '2' },
      mainContact: { web: 'www.ny.no', email: 'ap@ny.no' },
    };
    const r = await admin('/suppliers/50003', patch);
    expect(r.status).toBe(200);
    const after = (await vismaGet<Row>(sim, token, '/v1/supplier/50003')).body;
    expect(after).toMatchObject({
      creditTerms: { id: '30', description: '30 days' },
      supplierClass: { id: '2', description: 'Foreign' },
      mainContact: { web: 'www.ny.no', email: 'ap@ny.no', phone1: (before.mainContact as Row).phone1 },
      lastModifiedDateTime: '2026-02-02T09:30:00.000Z',
    });
    expect(after.timeStamp).not.toBe(before.timeStamp);
    const delta = await vismaGet<Row[]>(sim, token, `/v1/supplier?${since('2026-02-02T09:00:00')}`);
    expect(delta.body.map((s) => s.number)).toEqual(['50003']);
  });

  it('deactivation and reactivation are edits that a status filter and a delta see', async () => {
    clock.set('2026-02-03T08:00:00.000Z');
    expect((await admin('/suppliers/50004/deactivate')).body).toMatchObject({
      status: 'Inactive',
      lastModifiedDateTime: '2026-02-03T08:00:00.000Z',
    });
    const inactive = await vismaGet<Row[]>(sim, token, '/v1/supplier?status=Inactive&pageSize=500');
    expect(inactive.body.map((s) => s.number)).toContain('50004');
    clock.set('2026-02-03T09:00:00.000Z');
    expect((await admin('/suppliers/50004/reactivate')).body).toMatchObject({ status: 'Active' });
    const delta = await vismaGet<Row[]>(sim, token, `/v1/supplier?${since('2026-02-03T08:30:00')}`);
    expect(delta.body.map((s) => s.number)).toEqual(['50004']);
  });

  it('refuses unknown suppliers, unknown fields and values the spec does not allow', async () => {
    expect((await admin('/suppliers/1', { name: 'x' })).status).toBe(404);
    expect((await admin('/suppliers/50005', { status: 'CreditHold' })).status).toBe(400);
    expect((await admin('/suppliers/50005', { website: 'x' })).status).toBe(400);
    expect((await admin('/suppliers/50005', { mainContact: { website: 'x' } })).status).toBe(400);
    expect((await admin('/suppliers/50005/deactivate')).status).toBe(200);
    expect(sim.supplier('50005')?.status).toBe('Inactive');
  });

  it('a renamed supplier shows its new name on its invoices', async () => {
    await admin('/suppliers/50006', { name: 'Nytt Navn AS' });
    const rows = await vismaGet<Row[]>(sim, token, '/v1/supplierInvoice?supplier=50006');
    expect(rows.body.length).toBeGreaterThan(0);
    for (const i of rows.body) expect(i.supplier).toMatchObject({ number: '50006', name: 'Nytt Navn AS' });
  });
});

describe('supplier invoice changes over the admin routes', () => {
  it('creates an invoice: the next reference number, due after the terms, in delta and supplier lists', async () => {
    clock.set('2026-02-04T08:00:00.000Z');
    const last = Number(ap().invoices.at(-1)!.referenceNumber);
    const terms = Number(ap().supplier('50007')!.creditTermsId);
    const r = await admin('/supplierInvoices', {
      supplierNumber: '50007',
      amount: 1250,
      date: '2026-02-04',
      description: 'Frakt',
    });
    expect(r.status).toBe(201);
    const due = new Date(Date.parse('2026-02-04') + terms * 86_400_000).toISOString();
    expect(r.body).toMatchObject({
      referenceNumber: String(last + 1),
      supplier: { number: '50007' },
      status: 'Open',
      amount: 1250,
      balance: 1250,
      date: '2026-02-04T00:00:00.000Z',
      dueDate: due,
      payDate: due,
      description: 'Frakt',
      supplierReference: `F-${last + 1}`,
      createdDateTime: '2026-02-04T08:00:00.000Z',
    });
    const delta = await vismaGet<Row[]>(sim, token, `/v1/supplierInvoice?${since('2026-02-04')}&pageSize=500`);
    expect(delta.body.map((i) => i.referenceNumber)).toEqual([String(last + 1)]);
    const bySupplier = await vismaGet<Row[]>(sim, token, '/v1/supplierInvoice?supplier=50007&pageSize=500');
    expect(bySupplier.body.at(-1)?.referenceNumber).toBe(String(last + 1));
  });

  it('a refused create takes no number; unknown suppliers are 404', async () => {
    const next = sim.store.counters.nextSupplierInvoiceRef;
    expect((await admin('/supplierInvoices', { supplierNumber: '50007', amount: 0 })).status).toBe(400);
    expect((await admin('/supplierInvoices', { supplierNumber: '50007', amount: 5, status: 'Paid' })).status).toBe(400);
    expect((await admin('/supplierInvoices', { amount: 5 })).status).toBe(400);
    expect((await admin('/supplierInvoices', { supplier: { number: '1' }, amount: 5 })).status).toBe(404);
    expect(sim.store.counters.nextSupplierInvoiceRef).toBe(next);
  });

  it('paying closes it: balance 0, status Closed, payDate and closedFinancialPeriod at the clock', async () => {
    clock.set('2026-02-05T12:00:00.000Z');
    const open = ap().invoices.find((i) => i.status === 'Open' && i.documentType === 'Invoice')!;
    const r = await admin(`/supplierInvoices/${open.referenceNumber}/pay`);
    expect(r.status).toBe(200);
    const got = (await vismaGet<Row>(sim, token, `/v1/supplierInvoice/${open.referenceNumber}`)).body;
    expect(got).toMatchObject({
      balance: 0,
      balanceInCurrency: 0,
      status: 'Closed',
      payDate: '2026-02-05T12:00:00.000Z',
      closedFinancialPeriod: '202602',
      lastModifiedDateTime: '2026-02-05T12:00:00.000Z',
    });
    // Reopened (a reversed payment): unpaid again, payDate back to the due date.
    const reopened = await admin(`/supplierInvoices/${open.referenceNumber}`, { status: 'Open', balance: open.amount });
    expect(reopened.body).toMatchObject({ status: 'Open', balance: open.amount, payDate: reopened.body.dueDate });
    expect(reopened.body).not.toHaveProperty('closedFinancialPeriod');
  });

  it('a new due date moves dueDate (and the planned payDate) and lastModifiedDateTime', async () => {
    clock.set('2026-02-06T07:00:00.000Z');
    const open = ap().invoices.find((i) => i.status === 'Open' && i.dueDateMs > Date.parse('2026-02-06'))!;
    const r = await admin(`/supplierInvoices/${open.referenceNumber}/due-date`, { dueDate: '2026-03-31' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      dueDate: '2026-03-31T00:00:00.000Z',
      payDate: '2026-03-31T00:00:00.000Z',
      lastModifiedDateTime: '2026-02-06T07:00:00.000Z',
    });
    const soon = await vismaGet<Row[]>(
      sim,
      token,
      '/v1/supplierInvoice?dueDate=2026-03-31&dueDateCondition=%3E%3D&pageSize=500',
    );
    expect(soon.body.map((i) => i.referenceNumber)).toContain(open.referenceNumber);
    expect((await admin(`/supplierInvoices/${open.referenceNumber}/due-date`, {})).status).toBe(400);
    expect((await admin(`/supplierInvoices/${open.referenceNumber}/due-date`, { dueDate: 'soon' })).status).toBe(400);
    expect((await admin('/supplierInvoices/1/due-date', { dueDate: '2026-03-31' })).status).toBe(404);
    expect((await admin(`/supplierInvoices/${open.referenceNumber}`, { documentDueDate: '2026-03-31' })).status).toBe(
      400,
    );
  });
});

describe('mutate with supplier counts', () => {
  it('changes the requested numbers, each record once, reproducibly; a delta finds exactly them', async () => {
    clock.set('2026-02-10T07:00:00.000Z');
    const req = {
      suppliers: 3,
      deactivateSuppliers: 2,
      supplierInvoices: 4,
      paySupplierInvoices: 3,
      rescheduleSupplierInvoices: 2,
    };
    const twin = new VismaSimulator({ seed: 9, size: 200, clock: clock.now });
    const res = await admin('/mutate', req);
    expect(res.status).toBe(200);
    const m = res.body as Record<string, string[]>;
    const lengths = [
      'suppliers',
      'deactivatedSuppliers',
      'createdSupplierInvoices',
      'paidSupplierInvoices',
      'rescheduledSupplierInvoices',
    ];
    expect(lengths.map((k) => m[k].length)).toEqual([3, 2, 4, 3, 2]);
    expect(new Set([...m.suppliers, ...m.deactivatedSuppliers]).size).toBe(5);
    expect(m.supplierInvoices).toHaveLength(9);
    for (const ref of m.paidSupplierInvoices)
      expect(sim.supplierInvoice(ref)).toMatchObject({ status: 'Closed', balance: 0 });
    for (const n of m.deactivatedSuppliers) expect(sim.supplier(n)?.status).toBe('Inactive');
    expect(m.customers).toEqual([]);

    const suppliers = await vismaGet<Row[]>(sim, token, `/v1/supplier?${since('2026-02-10')}&pageSize=500`);
    expect(suppliers.body.map((s) => s.number).sort()).toEqual([...m.suppliers, ...m.deactivatedSuppliers].sort());
    const invoices = await vismaGet<Row[]>(sim, token, `/v1/supplierInvoice?${since('2026-02-10')}&pageSize=500`);
    expect(invoices.body.map((i) => i.referenceNumber)).toEqual(m.supplierInvoices);

    expect(describeMutation(m as never)).toMatch(
      new RegExp(
        '^3 suppliers edited \\(.*\\); 2 suppliers deactivated .*; 4 new supplier invoices .*; ' +
          '3 supplier invoices paid .*; 2 supplier invoices due later',
      ),
    );
    // A twin with the same seed but a different history draws differently; two fresh ones the same.
    const fresh = () => new VismaSimulator({ seed: 9, size: 200, clock: clock.now }).mutate(req);
    expect(fresh()).toEqual(fresh());
    twin.mutate({ customers: 1 });
    expect(twin.mutate(req).suppliers).not.toEqual(fresh().suppliers);
  });

  it('asking for supplier changes leaves the customer-side changes what they were without them', () => {
    const fresh = () => new VismaSimulator({ seed: 11, size: 200, clock: clock.now });
    const plain = fresh().mutate({ customers: 3, invoices: 4, payInvoices: 2, deactivateCustomers: 1 });
    const both = fresh().mutate({
      customers: 3,
      invoices: 4,
      payInvoices: 2,
      deactivateCustomers: 1,
      suppliers: 2,
      supplierInvoices: 2,
    });
    const customerSide = (r: Record<string, string[]>) => ({
      ...r,
      ...Object.fromEntries(
        Object.keys(r)
          .filter((k) => /upplier/.test(k))
          .map((k) => [k, []]),
      ),
    });
    expect(plain.suppliers).toEqual([]);
    expect(both.suppliers).toHaveLength(2);
    expect(customerSide(both as never)).toEqual(plain);
  });

  it('the admin route refuses bad supplier counts', async () => {
    expect((await admin('/mutate', { paySupplierInvoices: -1 })).status).toBe(400);
    expect((await admin('/mutate', { rescheduleSupplierInvoices: 1.5 })).status).toBe(400);
  });
});

describe('snapshots and state', () => {
  const NOW = '2026-04-01T06:00:00.000Z';

  it('a compact snapshot keeps changed suppliers and supplier invoices; the restored one numbers on', () => {
    const a = new VismaSimulator({ seed: 31, size: 80, clock: fixedClock(NOW) });
    a.mutate({ suppliers: 2, supplierInvoices: 2, paySupplierInvoices: 1, rescheduleSupplierInvoices: 1 });
    a.deactivateSupplier('50010');
    const snap = JSON.parse(JSON.stringify(a.snapshot())) as VismaSnapshot;
    expect(snap.base).not.toBeNull();
    expect(snap.suppliers!.length).toBeGreaterThanOrEqual(2);
    expect(snap.supplierInvoices).toHaveLength(4);
    const b = new VismaSimulator({ snapshot: snap, clock: fixedClock(NOW) });
    expect(b.suppliers()).toEqual(a.suppliers());
    expect(b.supplierInvoices()).toEqual(a.supplierInvoices());
    const next = b.createSupplierInvoice({ supplierNumber: '50001', amount: 10 });
    expect(Number(next.referenceNumber)).toBe(Number(a.store.payables.invoices.at(-1)!.referenceNumber) + 1);
    expect(b.state()).toMatchObject({ changedSuppliers: snap.suppliers!.length, changedSupplierInvoices: 5 });
  });

  it('a full snapshot lists every supplier invoice and restores the same', () => {
    const a = new VismaSimulator({ seed: 32, size: 40, clock: fixedClock(NOW) });
    a.paySupplierInvoice(a.store.payables.invoices.find((i) => i.status === 'Open')!.referenceNumber);
    const full = JSON.parse(JSON.stringify(a.snapshot({ full: true }))) as VismaSnapshot;
    expect(full.base).toBeNull();
    expect(full.supplierInvoices).toHaveLength(a.store.payables.invoices.length);
    const b = new VismaSimulator({ snapshot: full, clock: fixedClock(NOW) });
    expect(b.supplierInvoices()).toEqual(a.supplierInvoices());
    expect(b.suppliers()).toEqual(a.suppliers());
  });

  it('an older snapshot gets supplier invoices from the seed; numbers and rowversions continue above them', () => {
    const a = new VismaSimulator({ seed: 33, size: 60, clock: fixedClock(NOW) });
    a.patchCustomer('10001', { creditLimit: 1 });
    const snap = JSON.parse(JSON.stringify(a.snapshot())) as VismaSnapshot;
    // What an older simulator saved: no supplier lists, no supplier invoice counter, a rowversion below theirs.
    delete snap.suppliers;
    delete snap.supplierInvoices;
    delete (snap.counters as Partial<VismaSnapshot['counters']>).nextSupplierInvoiceRef;
    const apVersions = a.store.payables.invoices.map((i) => i.rowVersion);
    snap.counters.rowVersion = Math.min(...apVersions) - 1;
    const b = new VismaSimulator({ snapshot: snap, clock: fixedClock(NOW) });
    expect(b.supplierInvoices()).toEqual(a.supplierInvoices());
    const created = b.store.payables.createInvoice({ supplierNumber: '50001', amount: 10 }, Date.parse(NOW));
    expect(Number(created.referenceNumber)).toBe(Number(a.store.payables.invoices.at(-1)!.referenceNumber) + 1);
    expect(created.rowVersion).toBeGreaterThan(Math.max(...apVersions));
  });

  it('/__sim/state counts suppliers and supplier invoices, and lists them with full=1', async () => {
    const s = await new VismaSimulator({ seed: 34, size: 40, clock: fixedClock(NOW) }).start();
    try {
      s.paySupplierInvoice(s.store.payables.invoices.find((i) => i.status === 'Open')!.referenceNumber);
      const state = (await (await fetch(`${s.url}/__sim/state`)).json()) as Record<string, number>;
      const ap = s.store.payables;
      expect(state).toMatchObject({
        suppliers: 10,
        supplierInvoices: ap.invoices.length,
        openSupplierInvoices: ap.invoices.filter((i) => i.status === 'Open').length,
        changedSuppliers: 0,
        changedSupplierInvoices: 1,
      });
      const full = (await (await fetch(`${s.url}/__sim/state?full=1`)).json()) as {
        records: { supplierInvoices: Row[] };
      };
      expect(full.records.supplierInvoices).toHaveLength(ap.invoices.length);
    } finally {
      await s.stop();
    }
  });
});

describe('a continued sandbox (definition.mutate)', () => {
  const NOW = '2026-05-01T06:00:00.000Z';
  const start = async (snapshot?: unknown) => {
    const s = await definition.start({ seed: 7, size: 60, clock: fixedClock(NOW), snapshot });
    assert(s instanceof VismaSimulator);
    return s;
  };

  it('changes suppliers only once a run has read them; the customer-side changes stay the same', async () => {
    const first = await start();
    try {
      const t = await vismaToken(first);
      await vismaGet(first, t, '/v1/customer');
      const customersOnly = JSON.parse(JSON.stringify(first.snapshot())) as VismaSnapshot;
      expect(customersOnly).not.toHaveProperty('suppliersRead');
      await vismaGet(first, t, '/v1/supplierInvoice?pageSize=1');
      const withSuppliers = JSON.parse(JSON.stringify(first.snapshot())) as VismaSnapshot;
      expect(withSuppliers.suppliersRead).toBe(true);

      const plain = new VismaSimulator({ seed: 7, snapshot: customersOnly, clock: fixedClock(NOW) });
      const expected = describeMutation(plain.mutate({ customers: 3, invoices: 4, payInvoices: 2 }));
      const zendeskLike = await start(customersOnly);
      const pipedriveLike = await start(withSuppliers);
      try {
        const text = definition.mutate!(zendeskLike);
        expect(text).toBe(expected);
        expect(text).not.toMatch(/supplier/);
        const withText = definition.mutate!(pipedriveLike);
        expect(withText.startsWith(`${expected}; `)).toBe(true);
        expect(withText).toMatch(
          /1 supplier edited .*; 1 new supplier invoice .*; 1 supplier invoice paid .*; 1 supplier invoice due later/,
        );
        // The flag survives the next save, so every later session changes suppliers too.
        expect(pipedriveLike.snapshot().suppliersRead).toBe(true);
      } finally {
        await zendeskLike.stop();
        await pipedriveLike.stop();
      }
    } finally {
      await first.stop();
    }
  });
});
