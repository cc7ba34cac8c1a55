/**
 * Supplier invoices (AP301000) and the supplier and customer fields the Marketo and Pipedrive
 * mappings read, checked against the Visma OpenAPI (shared/api/specs/visma-openapi.yaml).
 * SupplierInvoiceDto and SupplierDto are checked closed: a field the spec does not list fails.
 */
import { readFileSync } from 'node:fs';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../sandbox/framework/clock.js';
import { VismaSimulator } from '../../sandbox/visma/index.js';
import { vismaValidator, type Validate } from './helpers/spec.js';
import { vismaGet, vismaToken, type Row } from './helpers/visma-client.js';

// ajv and ajv-formats are CommonJS; under NodeNext their default export sits on `.default`.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

const NOW = '2026-03-15T12:00:00.000Z';
const NOW_MS = Date.parse(NOW);
const DAY_MS = 86_400_000;
let sim: VismaSimulator;
let token: string;
let closed: Validate;
let open: Validate;

type Schema = Record<string, unknown>;

/** Every object schema that lists properties refuses others (the spec never sets additionalProperties). */
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

function closedValidator(): Validate {
  const spec = JSON.parse(readFileSync('/work/shared/api/specs/visma-openapi.yaml', 'utf8')) as { components: Schema };
  const components = structuredClone(spec.components);
  closeObjects(components);
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  addFormats(ajv);
  ajv.addSchema({ $id: 'vc', components });
  return (name, data) => {
    const v = ajv.getSchema(`vc#/components/schemas/${name}`)!;
    return v(data)
      ? []
      : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  };
}

beforeAll(async () => {
  closed = closedValidator();
  open = vismaValidator();
  sim = await new VismaSimulator({ seed: 42, size: 300, clock: fixedClock(NOW) }).start();
  token = await vismaToken(sim);
});
afterAll(() => sim.stop());

const get = (p: string) => vismaGet<Row[]>(sim, token, p);
const ap = () => sim.store.payables;

/** Every row of a supplier invoice query, page by page. */
async function all(query: string): Promise<Row[]> {
  const out: Row[] = [];
  for (let p = 1; ; p++) {
    const r = await get(`/v1/supplierInvoice?${query}${query ? '&' : ''}pageSize=200&pageNumber=${p}`);
    expect(r.status).toBe(200);
    if (r.body.length === 0) return out;
    out.push(...r.body);
  }
}

describe('supplier invoices as SupplierInvoiceDto', () => {
  it('the closed validator is not vacuous', () => {
    expect(closed('SupplierInvoiceDto', { documentDueDate: '2026-01-01T00:00:00Z' })).not.toEqual([]);
    expect(closed('SupplierInvoiceDto', { status: 'Paid' })).not.toEqual([]);
    expect(closed('SupplierDto', { mainContact: { website: 'x' } })).not.toEqual([]);
  });

  it('every row conforms, with the spec names: date and dueDate, description, paymentRefNo', async () => {
    const r = await get('/v1/supplierInvoice?pageSize=100');
    expect(r.status).toBe(200);
    expect(r.body).toHaveLength(100);
    for (const i of r.body) {
      expect(closed('SupplierInvoiceDto', i)).toEqual([]);
      expect(i).toMatchObject({
        supplier: { number: expect.any(String), name: expect.any(String) },
        referenceNumber: expect.any(String),
        date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T00:00:00\.000Z$/),
        dueDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T00:00:00\.000Z$/),
        lastModifiedDateTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
        timeStamp: expect.stringMatching(/^[A-Za-z0-9+/]{11}=$/),
        metadata: { totalCount: ap().invoices.length, maxPageSize: 500 },
      });
      // CustomerInvoiceDto's names are not SupplierInvoiceDto's.
      for (const ar of ['documentDueDate', 'documentDate', 'invoiceText', 'amountInCurrency', 'customer'])
        expect(i).not.toHaveProperty(ar);
      const s = ap().supplier(String((i.supplier as Row).number))!;
      expect(i.supplier).toEqual({ internalId: s.internalId, number: s.number, name: s.name });
      expect(i.currencyId).toBe(s.currencyId);
    }
  });

  it('amounts and states agree: paid documents have balance 0 and a payDate, open ones owe their balance', async () => {
    for (const i of await all('')) {
      if (i.status === 'Closed') {
        expect(i.balance).toBe(0);
        expect(i.closedFinancialPeriod).toMatch(/^\d{6}$/);
        expect(Date.parse(String(i.payDate))).toBeLessThan(NOW_MS);
      } else {
        expect(i.balance).toBe(i.amount);
        expect(i.payDate).toBe(i.dueDate);
        expect(i).not.toHaveProperty('closedFinancialPeriod');
      }
      expect(i.hold).toBe(i.status === 'Hold');
      expect(Math.round(((i.detailTotal as number) + (i.vatTotal as number)) * 100) / 100).toBe(i.amount);
      expect(Date.parse(String(i.dueDate))).toBeGreaterThan(Date.parse(String(i.date)));
      expect(Date.parse(String(i.createdDateTime))).toBeLessThan(NOW_MS);
    }
  });

  it('one invoice by number and by type and number; a wrong type or unknown number is a 404', async () => {
    const inv = ap().invoices.find((i) => i.documentType === 'Invoice')!;
    const one = await vismaGet<Row>(sim, token, `/v1/supplierInvoice/${inv.referenceNumber}`);
    expect(one.status).toBe(200);
    expect(closed('SupplierInvoiceDto', one.body)).toEqual([]);
    expect(one.body).not.toHaveProperty('metadata');
    const typed = await vismaGet<Row>(sim, token, `/v1/supplierInvoice/Invoice/${inv.referenceNumber}`);
    expect(typed.body).toEqual(one.body);
    const wrongType = await vismaGet<Row>(sim, token, `/v1/supplierInvoice/CreditAdj/${inv.referenceNumber}`);
    expect(wrongType.status).toBe(404);
    const missing = await vismaGet<Row>(sim, token, '/v1/supplierInvoice/1');
    expect(missing.status).toBe(404);
    expect(missing.body.ExceptionType).toBe('IPPException');
  });
});

describe('supplier invoice lists: paging and filters', () => {
  it('pages in reference-number order without overlaps, capped at maxPageSize, then []', async () => {
    const rows = await all('');
    const refs = rows.map((r) => Number(r.referenceNumber));
    expect(refs).toHaveLength(ap().invoices.length);
    expect(new Set(refs).size).toBe(refs.length);
    expect(refs).toEqual([...refs].sort((a, b) => a - b));
    expect(refs[0]).toBe(700001);
    sim.setKnobs({ maxPageSize: 25 });
    try {
      const r = await get('/v1/supplierInvoice?pageSize=1000&pageNumber=2');
      expect(r.body.map((x) => Number(x.referenceNumber))).toEqual(refs.slice(25, 50));
      expect(r.body[0].metadata).toEqual({ totalCount: refs.length, maxPageSize: 25 });
    } finally {
      sim.setKnobs({ maxPageSize: 500 });
    }
  });

  it('a delta on lastModifiedDateTime returns exactly the documents changed since', async () => {
    const cutoff = NOW_MS - 30 * DAY_MS;
    const at = new Date(cutoff).toISOString().slice(0, 19);
    const rows = await all(`lastModifiedDateTime=${at}&lastModifiedDateTimeCondition=%3E`);
    const expected = ap()
      .invoices.filter((i) => i.modifiedMs > cutoff)
      .map((i) => i.referenceNumber);
    expect(expected.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.referenceNumber)).toEqual(expected);
  });

  it('supplier, status and documentType select exactly their documents; no invoice is a Payment', async () => {
    const supplier = ap().suppliers.find((s) => ap().invoicesOf(s.number).length > 2)!;
    const bySupplier = await all(`supplier=${supplier.number}`);
    expect(bySupplier.map((r) => r.referenceNumber)).toEqual(
      ap()
        .invoicesOf(supplier.number)
        .map((i) => i.referenceNumber),
    );
    const openRows = await all('status=Open');
    expect(openRows).toHaveLength(ap().invoices.filter((i) => i.status === 'Open').length);
    const credits = await all('documentType=CreditAdj');
    expect(credits.length).toBe(ap().invoices.filter((i) => i.documentType === 'CreditAdj').length);
    for (const r of credits) expect(r.documentType).toBe('CreditAdj');
    expect(await all('documentType=Payment')).toEqual([]);
    expect((await get('/v1/supplierInvoice?documentType=Check')).status).toBe(400);
    expect((await get('/v1/supplierInvoice?status=Paid')).status).toBe(400);
    const combined = await all(`supplier=${supplier.number}&status=Closed`);
    for (const r of combined) expect(r).toMatchObject({ status: 'Closed', supplier: { number: supplier.number } });
  });

  it('dueDate, docDate and balance take a Condition; one without the other is refused', async () => {
    const weekAhead = new Date(NOW_MS + 7 * DAY_MS).toISOString().slice(0, 10);
    const dueSoon = (await all(`dueDate=${weekAhead}&dueDateCondition=%3C%3D&status=Open`)).filter(
      (r) => Date.parse(String(r.dueDate)) >= Date.parse(NOW.slice(0, 10)),
    );
    expect(dueSoon.length).toBeGreaterThan(0);
    const owed = await all('balance=0&balanceCondition=%3E');
    expect(owed).toHaveLength(ap().invoices.filter((i) => i.balance > 0).length);
    const since = new Date(NOW_MS - 60 * DAY_MS).toISOString().slice(0, 10);
    const recent = await all(`docDate=${since}&docDateCondition=%3E%3D`);
    expect(recent).toHaveLength(ap().invoices.filter((i) => i.dateMs >= Date.parse(since)).length);
    const period = String(recent[0].financialPeriod);
    const inPeriod = await all(`financialPeriod=${period}`);
    expect(inPeriod.length).toBeGreaterThan(0);
    for (const r of inPeriod) expect(r.financialPeriod).toBe(period);
    expect((await get('/v1/supplierInvoice?dueDate=2026-03-01')).status).toBe(400);
    expect((await get('/v1/supplierInvoice?balanceCondition=%3E')).status).toBe(400);
    expect((await get('/v1/supplierInvoice?balance=abc&balanceCondition=%3E')).status).toBe(400);
    expect((await get('/v1/supplierInvoice?docDate=2026-03-01Z&docDateCondition=%3E')).status).toBe(400);
  });

  it('needs a token like every API route', async () => {
    const res = await fetch(`${sim.url}/v1/supplierInvoice`);
    expect(res.status).toBe(401);
  });
});

describe('the seed: suppliers, their invoices, and the company fields Marketo and Pipedrive read', () => {
  it('every supplier but the inactive and one-time ones has documents; inactive ones owe nothing', () => {
    for (const s of ap().suppliers) {
      const docs = ap().invoicesOf(s.number);
      if (s.status === 'Inactive') expect(docs.every((i) => i.status === 'Closed')).toBe(true);
      else if (s.status === 'OneTime') expect(docs).toHaveLength(1);
      else expect(docs.length).toBeGreaterThan(0);
      for (const i of docs) expect(i.creditTermsId).toBe(s.creditTermsId);
    }
  });

  it('has paid, open, due-within-7-days and overdue invoices, and the first regular supplier has one of each', () => {
    const today = Date.parse(NOW.slice(0, 10));
    const state = (i: { status: string; balance: number; dueDateMs: number }) =>
      i.status === 'Closed'
        ? 'paid'
        : i.status !== 'Open'
          ? i.status
          : i.dueDateMs < today
            ? 'overdue'
            : i.dueDateMs <= today + 7 * DAY_MS
              ? 'dueSoon'
              : 'open';
    const counts = new Map<string, number>();
    for (const i of ap().invoices) counts.set(state(i), (counts.get(state(i)) ?? 0) + 1);
    const total = ap().invoices.length;
    expect(counts.get('paid')! / total).toBeGreaterThan(0.4);
    for (const k of ['open', 'dueSoon', 'overdue']) expect(counts.get(k)! / total).toBeGreaterThan(0.04);
    const first = ap().suppliers.find((s) => s.status !== 'Inactive' && s.status !== 'OneTime')!;
    for (const k of ['paid', 'open', 'dueSoon', 'overdue'])
      expect(ap().invoicesOf(first.number).map(state)).toContain(k);
  });

  it('is deterministic from the seed and the clock', () => {
    const again = new VismaSimulator({ seed: 42, size: 300, clock: fixedClock(NOW) });
    expect(again.supplierInvoices()).toEqual(sim.supplierInvoices());
    const other = new VismaSimulator({ seed: 43, size: 300, clock: fixedClock(NOW) });
    expect(other.supplierInvoices()).not.toEqual(sim.supplierInvoices());
  });

  it('covers every customer and supplier status of the spec in realistic shares', () => {
    const big = new VismaSimulator({ seed: 5, size: 4000, clock: fixedClock(NOW) });
    const share = (list: { status: string }[], status: string) =>
      list.filter((x) => x.status === status).length / list.length;
    const customers = big.store.customers;
    const suppliers = big.store.suppliers;
    expect(share(customers, 'Active')).toBeGreaterThan(0.75);
    for (const s of ['OnHold', 'CreditHold', 'Inactive']) expect(share(customers, s)).toBeGreaterThan(0.02);
    expect(share(customers, 'OneTime')).toBeGreaterThan(0);
    expect(share(suppliers, 'Active')).toBeGreaterThan(0.75);
    for (const s of ['OnHold', 'HoldPayments', 'Inactive', 'OneTime'])
      expect(share(suppliers, s)).toBeGreaterThan(0.005);
  });

  it('suppliers carry class, terms, address and a main contact with e-mail, phone and mostly a web site', async () => {
    const rows = (await get('/v1/supplier?pageSize=500')).body;
    expect(rows).toHaveLength(75);
    for (const s of rows) {
      expect(closed('SupplierDto', s)).toEqual([]);
      expect(s).toMatchObject({
        supplierClass: { id: expect.any(String), description: expect.any(String) },
        creditTerms: { id: expect.any(String), description: expect.any(String) },
        mainAddress: {
          addressLine1: expect.any(String),
          city: expect.any(String),
          country: { id: expect.any(String) },
        },
        mainContact: { email: expect.stringContaining('@'), phone1: expect.any(String) },
      });
    }
    const withWeb = rows.filter((s) => typeof (s.mainContact as Row).web === 'string');
    expect(withWeb.length / rows.length).toBeGreaterThan(0.5);
    for (const s of withWeb) expect((s.mainContact as Row).web).toMatch(/^www\.[a-z0-9]+\.(no|se|dk|fi)$/);
    const one = await vismaGet<Row>(sim, token, `/v1/supplier/${String(rows[3].number)}`);
    const { metadata, ...listed } = rows[3];
    expect(metadata).toBeDefined();
    expect(one.body).toEqual(listed);
  });

  it('customers carry class, terms, status, currency and mostly a web site on the main contact', async () => {
    const rows = (await get('/v1/customer?pageSize=300')).body;
    for (const c of rows) {
      expect(open('CustomerDto', c)).toEqual([]);
      expect(closed('mainContactInCustomerDto', c.mainContact)).toEqual([]);
      expect(c).toMatchObject({
        customerClass: { id: expect.any(String) },
        creditTerms: { id: expect.any(String) },
        currencyId: expect.any(String),
      });
    }
    const withWeb = rows.filter((c) => typeof (c.mainContact as Row).web === 'string').length;
    expect(withWeb / rows.length).toBeGreaterThan(0.5);
    expect(withWeb).toBeLessThan(rows.length);
  });
});
