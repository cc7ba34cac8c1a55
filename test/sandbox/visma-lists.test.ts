import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../sandbox/framework/clock.js';
import { VismaSimulator } from '../../sandbox/visma/index.js';
import { vismaValidator, type Validate } from './helpers/spec.js';
import { vismaGet, vismaToken, type Row } from './helpers/visma-client.js';

const NOW = '2026-03-15T12:00:00.000Z';
let sim: VismaSimulator;
let token: string;
let validate: Validate;

beforeAll(async () => {
  validate = vismaValidator();
  sim = await new VismaSimulator({ seed: 42, size: 300, clock: fixedClock(NOW) }).start();
  token = await vismaToken(sim);
});
afterAll(() => sim.stop());

const get = (p: string) => vismaGet<Row[]>(sim, token, p);

describe('Visma list shapes', () => {
  it('the spec validator is not vacuous', () => {
    expect(validate('CustomerDto', { status: 'Sleeping' })).not.toEqual([]);
    expect(validate('CustomerDto', { lastModifiedDateTime: 'yesterday' })).not.toEqual([]);
    expect(validate('CustomerInvoiceDto', { amount: '12' })).not.toEqual([]);
  });

  it('customers conform to CustomerDto and carry metadata on every element', async () => {
    const r = await get('/v1/customer?pageSize=50&pageNumber=1');
    expect(r.status).toBe(200);
    expect(Array.isArray(r.body)).toBe(true);
    expect(r.body).toHaveLength(50);
    for (const c of r.body) {
      expect(validate('CustomerDto', c)).toEqual([]);
      expect(c.metadata).toEqual({ totalCount: 300, maxPageSize: 500 });
      expect(c.lastModifiedDateTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(c.timeStamp).toMatch(/^[A-Za-z0-9+/]{11}=$/);
    }
    expect(r.body[0].number).toBe('10001');
  });

  it('invoices conform to CustomerInvoiceDto and use referenceNumber/documentDueDate only', async () => {
    const r = await get('/v1/customerinvoice?pageSize=100');
    expect(r.status).toBe(200);
    for (const i of r.body) {
      expect(validate('CustomerInvoiceDto', i)).toEqual([]);
      expect(i).not.toHaveProperty('documentNumber');
      expect(i).not.toHaveProperty('dueDate');
      expect(typeof i.referenceNumber).toBe('string');
      expect(i.customer).toEqual({ number: expect.any(String), name: expect.any(String) });
    }
  });

  it('suppliers and contacts conform to SupplierDto and ContactDto', async () => {
    const s = await get('/v1/supplier');
    expect(s.body).toHaveLength(75);
    for (const x of s.body) expect(validate('SupplierDto', x)).toEqual([]);
    const c = await get('/v1/contact?pageSize=20');
    expect(c.body).toHaveLength(20);
    for (const x of c.body) expect(validate('ContactDto', x)).toEqual([]);
    expect(c.body[0].metadata?.totalCount).toBe(300);
  });

  it('single customer and invoice by key, 404 with the IPP body otherwise', async () => {
    const c = await vismaGet<Row>(sim, token, '/v1/customer/10005');
    expect(c.status).toBe(200);
    expect(c.body.number).toBe('10005');
    expect(validate('CustomerDto', c.body)).toEqual([]);
    expect(c.body).not.toHaveProperty('metadata');
    const missing = await vismaGet<Row>(sim, token, '/v1/customer/99999999');
    expect(missing.status).toBe(404);
    expect(missing.body.ExceptionType).toBe('IPPException');
    const ref = sim.store.invoices[3].referenceNumber;
    const i = await vismaGet<Row>(sim, token, `/v1/customerinvoice/${ref}`);
    expect(i.body.referenceNumber).toBe(ref);
  });
});

describe('Visma paging', () => {
  it('caps pageSize at maxPageSize silently and reports it', async () => {
    sim.setKnobs({ maxPageSize: 40 });
    try {
      const r = await get('/v1/customer?pageSize=1000&pageNumber=2');
      expect(r.status).toBe(200);
      expect(r.body).toHaveLength(40);
      expect(r.body[0].number).toBe('10041');
      expect(r.body[0].metadata).toEqual({ totalCount: 300, maxPageSize: 40 });
    } finally {
      sim.setKnobs({ maxPageSize: 500 });
    }
  });

  it('defaults pageNumber=1 and pageSize=defaultPageSize when missing', async () => {
    const r = await get('/v1/customer');
    expect(r.body).toHaveLength(100);
    expect(r.body[0].number).toBe('10001');
  });

  it('walks all pages in a stable order without overlaps, then returns []', async () => {
    const seen: string[] = [];
    for (let p = 1; ; p++) {
      const r = await get(`/v1/customerinvoice?pageSize=500&pageNumber=${p}`);
      if (r.body.length === 0) break;
      seen.push(...r.body.map((i) => String(i.referenceNumber)));
    }
    expect(seen).toHaveLength(sim.store.invoices.length);
    expect(new Set(seen).size).toBe(seen.length);
    const numeric = seen.map(Number);
    expect(numeric).toEqual([...numeric].sort((a, b) => a - b));
  });

  it('rejects a non-numeric or zero page parameter', async () => {
    expect((await get('/v1/customer?pageNumber=0')).status).toBe(400);
    expect((await get('/v1/customer?pageSize=abc')).status).toBe(400);
  });
});

describe('Visma delta filters', () => {
  const cutoff = '2025-06-01';
  const cutoffMs = Date.parse('2025-06-01T00:00:00Z');
  const modified = (r: Row) => Date.parse(String(r.lastModifiedDateTime));
  const all = async (q: string) => {
    const out: Row[] = [];
    for (let p = 1; ; p++) {
      const r = await get(`/v1/customerinvoice?${q}&pageSize=500&pageNumber=${p}`);
      expect(r.status).toBe(200);
      if (r.body.length === 0) return out;
      out.push(...r.body);
    }
  };

  it.each([
    ['>', (t: number) => t > cutoffMs],
    ['<', (t: number) => t < cutoffMs],
    ['>=', (t: number) => t >= cutoffMs],
    ['<=', (t: number) => t <= cutoffMs],
  ])('lastModifiedDateTimeCondition %s selects exactly the matching invoices', async (op, pred) => {
    const rows = await all(`lastModifiedDateTime=${cutoff}&lastModifiedDateTimeCondition=${encodeURIComponent(op)}`);
    const expected = sim.store.invoices.filter((i) => pred(i.modifiedMs)).length;
    expect(expected).toBeGreaterThan(0);
    expect(rows).toHaveLength(expected);
    for (const r of rows) expect(pred(modified(r))).toBe(true);
    expect(rows[0].metadata?.totalCount).toBe(expected);
  });

  it('>= and <= include a record modified exactly at the boundary, > and < do not', async () => {
    const inv = sim.store.invoices[10];
    const at = new Date(inv.modifiedMs).toISOString().slice(0, 23); // yyyy-MM-ddTHH:mm:ss.FFF
    const refsFor = async (op: string) =>
      (await all(`lastModifiedDateTime=${at}&lastModifiedDateTimeCondition=${encodeURIComponent(op)}`)).map(
        (r) => r.referenceNumber,
      );
    expect(await refsFor('>=')).toContain(inv.referenceNumber);
    expect(await refsFor('<=')).toContain(inv.referenceNumber);
    expect(await refsFor('>')).not.toContain(inv.referenceNumber);
    expect(await refsFor('<')).not.toContain(inv.referenceNumber);
  });

  it.each([
    '2025-06-01',
    '2025-06-01 00:00:00',
    '2025-06-01 00:00:00.000',
    '2025-06-01T00:00:00',
    '2025-06-01T00:00:00.000',
    '2025-06-01T00:00:00.5',
  ])('accepts the documented format %s (UTC)', async (value) => {
    const r = await get(
      `/v1/customer?lastModifiedDateTime=${encodeURIComponent(value)}&lastModifiedDateTimeCondition=%3E%3D&pageSize=1`,
    );
    expect(r.status).toBe(200);
    const expected = sim.store.customers.filter(
      (c) => c.modifiedMs >= cutoffMs + (value.endsWith('.5') ? 500 : 0),
    ).length;
    expect(r.body[0]?.metadata?.totalCount ?? 0).toBe(expected);
  });

  it.each([
    '2025-06-01T00:00:00Z',
    '2025-06-01T00:00:00.000Z',
    '2025-06-01T00:00:00+01:00',
    '01.06.2025',
    '2025-06-01 00:00',
    '2025-02-30',
  ])('rejects %s with the IPP error body', async (value) => {
    const r = await vismaGet<Record<string, string>>(
      sim,
      token,
      `/v1/customer?lastModifiedDateTime=${encodeURIComponent(value)}&lastModifiedDateTimeCondition=%3E`,
    );
    expect(r.status).toBe(400);
    expect(Object.keys(r.body).sort()).toEqual([
      'ExceptionDetails',
      'ExceptionFaultCode',
      'ExceptionMessage',
      'ExceptionMessageID',
      'ExceptionType',
    ]);
    expect(r.body.ExceptionType).toBe('IPPException');
    expect(r.body.ExceptionDetails).toBe('');
    expect(r.body.ExceptionMessageID.startsWith(`${r.body.ExceptionFaultCode}_`)).toBe(true);
  });

  it('requires value and condition together and a known operator', async () => {
    expect((await get('/v1/customer?lastModifiedDateTime=2025-06-01')).status).toBe(400);
    expect((await get('/v1/customer?lastModifiedDateTimeCondition=%3E')).status).toBe(400);
    expect((await get('/v1/customer?lastModifiedDateTime=2025-06-01&lastModifiedDateTimeCondition=%3D')).status).toBe(
      400,
    );
  });

  it('interprets filter values at the configured time-zone offset', async () => {
    sim.setKnobs({ timeZoneOffsetMinutes: 60 });
    try {
      const r = await get(
        `/v1/customer?lastModifiedDateTime=2025-06-01T01:00:00&lastModifiedDateTimeCondition=%3E%3D&pageSize=1`,
      );
      expect(r.body[0].metadata?.totalCount).toBe(sim.store.customers.filter((c) => c.modifiedMs >= cutoffMs).length);
      expect(String(r.body[0].lastModifiedDateTime)).toMatch(/\+01:00$/);
    } finally {
      sim.setKnobs({ timeZoneOffsetMinutes: 0 });
    }
  });

  it('timestampZone=none drops the Z suffix', async () => {
    sim.setKnobs({ timestampZone: 'none' });
    try {
      const r = await get('/v1/customer?pageSize=1');
      expect(String(r.body[0].lastModifiedDateTime)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$/);
    } finally {
      sim.setKnobs({ timestampZone: 'Z' });
    }
  });

  it('filters customers by status, invoices by customer, status and documentType', async () => {
    const onHold = await get('/v1/customer?status=OnHold&pageSize=500');
    expect(onHold.body.length).toBe(sim.store.customers.filter((c) => c.status === 'OnHold').length);
    expect(onHold.body.every((c) => c.status === 'OnHold')).toBe(true);

    const number = sim.store.invoices[0].customerNumber;
    const mine = await get(`/v1/customerinvoice?customer=${number}&pageSize=500`);
    expect(mine.body.length).toBe(sim.store.invoices.filter((i) => i.customerNumber === number).length);
    expect(mine.body.every((i) => (i.customer as { number: string }).number === number)).toBe(true);

    const open = await get(`/v1/customerinvoice?status=Open&documentType=Invoice&pageSize=500`);
    expect(open.body.every((i) => i.status === 'Open' && i.documentType === 'Invoice')).toBe(true);
    expect(open.body[0].metadata?.totalCount).toBe(
      sim.store.invoices.filter((i) => i.status === 'Open' && i.documentType === 'Invoice').length,
    );

    expect((await get('/v1/customer?status=Sleeping')).status).toBe(400);
  });
});

describe('Visma seed data', () => {
  const nowMs = Date.parse(NOW);

  it('has a realistic mix', () => {
    const customers = sim.store.customers;
    const invoices = sim.store.invoices;
    const statuses = new Set(customers.map((c) => c.status));
    for (const s of ['Active', 'OnHold', 'CreditHold', 'Inactive']) expect(statuses).toContain(s);
    expect(customers.filter((c) => c.status === 'Active').length / customers.length).toBeGreaterThan(0.7);
    expect(new Set(customers.map((c) => c.currencyId))).toEqual(new Set(['NOK', 'SEK', 'DKK', 'EUR']));
    expect(customers.some((c) => c.mainAddress.addressLine1 === undefined)).toBe(true);
    expect(customers.some((c) => c.mainContact.email === undefined)).toBe(true);
    expect(customers.some((c) => sim.store.invoicesOf(c.number).length === 0)).toBe(true);
    expect(invoices.length / customers.length).toBeGreaterThan(3.3);
    expect(invoices.length / customers.length).toBeLessThan(4.7);

    const open = invoices.filter((i) => i.status === 'Open');
    expect(open.every((i) => i.balance > 0)).toBe(true);
    expect(invoices.filter((i) => i.status === 'Closed').every((i) => i.balance === 0)).toBe(true);
    expect(open.some((i) => i.balance < i.amount)).toBe(true);
    const overdueDays = open
      .filter((i) => i.documentDueDateMs < nowMs)
      .map((i) => Math.ceil((nowMs - i.documentDueDateMs) / 86_400_000));
    expect(overdueDays.length).toBeGreaterThan(0);
    expect(Math.min(...overdueDays)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...overdueDays)).toBeLessThanOrEqual(181);

    const overLimit = customers.filter((c) => {
      const owed = sim.store
        .invoicesOf(c.number)
        .filter((i) => i.status === 'Open')
        .reduce((s, i) => s + i.balance, 0);
      return c.creditLimit > 0 && owed > c.creditLimit;
    });
    expect(overLimit.length).toBeGreaterThan(0);
  });

  it('keeps every seed timestamp before now', () => {
    const all = [...sim.store.customers, ...sim.store.invoices, ...sim.store.suppliers, ...sim.store.contacts];
    expect(all.every((r) => r.createdMs < nowMs && r.modifiedMs < nowMs && r.modifiedMs >= r.createdMs)).toBe(true);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const again = new VismaSimulator({ seed: 42, size: 300, clock: fixedClock(NOW) });
    expect(again.customers()).toEqual(sim.customers());
    expect(again.invoices().slice(0, 50)).toEqual(sim.invoices().slice(0, 50));
    const other = new VismaSimulator({ seed: 43, size: 300, clock: fixedClock(NOW) });
    expect(other.customers().map((c) => c.name)).not.toEqual(sim.customers().map((c) => c.name));
  });

  it('names look Nordic and are unique unless duplicates are asked for', () => {
    const names = sim.store.customers.map((c) => c.name);
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);
    expect(names.every((n) => / (AS|ASA|DA|AB|HB|KB|ApS|A\/S|I\/S|Oy|Oyj|Ky)$/.test(n))).toBe(true);
    const dup = new VismaSimulator({ seed: 42, size: 50, clock: fixedClock(NOW), knobs: { duplicateNames: 3 } });
    const dn = dup.store.customers.map((c) => c.name.toLowerCase());
    expect(dn.length - new Set(dn).size).toBeGreaterThan(0);
  });
});
