import { hashSeed, Prng } from '../framework/prng.js';
import { mutateLifecycle, type DeletePolicy } from './customer-lifecycle.js';
import { parseLooseDate } from './dates.js';
import {
  CREDIT_TERMS,
  CREDIT_VERIFICATIONS,
  CUSTOMER_STATUSES,
  DOCUMENT_TYPES,
  INVOICE_STATUSES,
  type ContactRecord,
  type Counters,
  type CustomerRecord,
  type InvoiceRecord,
  type SupplierRecord,
  type Tracked,
} from './records.js';
import { pickDistinct } from './pick.js';
import { StoreError } from './store-error.js';
import type { SeedData } from './seed.js';

export { StoreError };

export interface MutationRequest {
  customers?: number;
  invoices?: number;
  payInvoices?: number;
  /** Customers set to Inactive (any status but Inactive before). */
  deactivateCustomers?: number;
  /** Inactive customers set back to Active. */
  reactivateCustomers?: number;
  /** Customers removed for good; which ones may go depends on the knob customerDeleteWithInvoices. */
  deleteCustomers?: number;
}

export interface MutationResult {
  /** Customers edited (not those deactivated, reactivated or deleted). */
  customers: string[];
  /** Every invoice touched (created, partly paid or paid). */
  invoices: string[];
  createdInvoices: string[];
  paidInvoices: string[];
  deactivatedCustomers: string[];
  reactivatedCustomers: string[];
  deletedCustomers: string[];
  /** Invoices removed with their customer (knob customerDeleteWithInvoices: cascade). */
  deletedInvoices: string[];
}

export interface NewInvoice {
  customerNumber: string;
  amount: number;
  balance?: number;
  documentDate?: string;
  documentDueDate?: string;
  status?: string;
  documentType?: string;
  invoiceText?: string;
  currencyId?: string;
}

function byNumeric(a: string, b: string): number {
  return Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Records in API order (customers by number, invoices by reference number, numeric),
 * with indexes so paging never sorts and point lookups never scan.
 */
export class VismaStore {
  readonly customers: CustomerRecord[];
  readonly invoices: InvoiceRecord[];
  readonly suppliers: SupplierRecord[];
  readonly contacts: ContactRecord[];
  counters: Counters;
  /** Bumped on every change; list caches key on it. */
  version = 0;
  readonly dirtyCustomers = new Set<string>();
  readonly dirtyInvoices = new Set<string>();
  /** Removed since the seed, so a compact snapshot (seed recipe + changes) removes them again. */
  readonly deletedCustomers = new Set<string>();
  readonly deletedInvoices = new Set<string>();
  private readonly customerIndex = new Map<string, CustomerRecord>();
  private readonly invoiceIndex = new Map<string, InvoiceRecord>();
  private readonly invoicesByCustomer = new Map<string, InvoiceRecord[]>();

  constructor(data: SeedData) {
    this.customers = data.customers;
    this.invoices = data.invoices;
    this.suppliers = data.suppliers;
    this.contacts = data.contacts;
    this.counters = data.counters;
    for (const c of this.customers) this.customerIndex.set(c.number, c);
    for (const i of this.invoices) {
      this.invoiceIndex.set(i.referenceNumber, i);
      this.customerInvoices(i.customerNumber).push(i);
    }
  }

  customer(number: string): CustomerRecord | undefined {
    return this.customerIndex.get(number);
  }

  invoice(ref: string): InvoiceRecord | undefined {
    return this.invoiceIndex.get(ref);
  }

  /** A customer's invoices in reference-number order. */
  invoicesOf(customerNumber: string): readonly InvoiceRecord[] {
    return this.invoicesByCustomer.get(customerNumber) ?? [];
  }

  private customerInvoices(n: string): InvoiceRecord[] {
    let list = this.invoicesByCustomer.get(n);
    if (!list) {
      list = [];
      this.invoicesByCustomer.set(n, list);
    }
    return list;
  }

  private touch(rec: Tracked, nowMs: number): void {
    rec.modifiedMs = nowMs;
    rec.rowVersion = ++this.counters.rowVersion;
    this.version++;
  }

  /** Replaces or inserts whole records (snapshot restore). */
  upsertCustomer(c: CustomerRecord): void {
    const existing = this.customerIndex.get(c.number);
    if (existing) Object.assign(existing, c);
    else {
      insertSorted(this.customers, c, (x) => x.number);
      this.customerIndex.set(c.number, c);
    }
    this.dirtyCustomers.add(c.number);
    this.version++;
  }

  upsertInvoice(i: InvoiceRecord): void {
    const existing = this.invoiceIndex.get(i.referenceNumber);
    if (existing) {
      if (existing.customerNumber !== i.customerNumber) {
        const old = this.customerInvoices(existing.customerNumber);
        old.splice(old.indexOf(existing), 1);
        insertSorted(this.customerInvoices(i.customerNumber), existing, (x) => x.referenceNumber);
      }
      Object.assign(existing, i);
    } else {
      insertSorted(this.invoices, i, (x) => x.referenceNumber);
      insertSorted(this.customerInvoices(i.customerNumber), i, (x) => x.referenceNumber);
      this.invoiceIndex.set(i.referenceNumber, i);
    }
    this.dirtyInvoices.add(i.referenceNumber);
    this.version++;
  }

  /** Takes an invoice out of every list and index: no list shows it again (Visma lists have no tombstones). */
  removeInvoice(ref: string): InvoiceRecord {
    const i = this.invoiceIndex.get(ref);
    if (!i) throw new StoreError(`invoice ${ref} not found`, 404);
    this.invoices.splice(this.invoices.indexOf(i), 1);
    const own = this.invoicesByCustomer.get(i.customerNumber);
    if (own) own.splice(own.indexOf(i), 1);
    this.invoiceIndex.delete(ref);
    this.dirtyInvoices.delete(ref);
    this.deletedInvoices.add(ref);
    this.version++;
    return i;
  }

  /** Takes a customer out of every list and index; its invoices are the caller's business. */
  removeCustomer(number: string): CustomerRecord {
    const c = this.customerIndex.get(number);
    if (!c) throw new StoreError(`customer ${number} not found`, 404);
    this.customers.splice(this.customers.indexOf(c), 1);
    this.customerIndex.delete(number);
    this.dirtyCustomers.delete(number);
    this.deletedCustomers.add(number);
    this.version++;
    return c;
  }

  /** Applies a CustomerDto-shaped partial update. */
  patchCustomer(number: string, patch: Record<string, unknown>, nowMs: number): CustomerRecord {
    const c = this.customerIndex.get(number);
    if (!c) throw new StoreError(`customer ${number} not found`, 404);
    const next = structuredClone(c);
    applyCustomerPatch(next, patch);
    Object.assign(c, next);
    this.touch(c, nowMs);
    this.dirtyCustomers.add(number);
    return c;
  }

  patchInvoice(ref: string, patch: Record<string, unknown>, nowMs: number): InvoiceRecord {
    const i = this.invoiceIndex.get(ref);
    if (!i) throw new StoreError(`invoice ${ref} not found`, 404);
    const next = { ...i };
    applyInvoicePatch(next, patch);
    Object.assign(i, next);
    this.touch(i, nowMs);
    this.dirtyInvoices.add(ref);
    return i;
  }

  payInvoice(ref: string, nowMs: number): InvoiceRecord {
    return this.patchInvoice(ref, { balance: 0, status: 'Closed' }, nowMs);
  }

  createInvoice(input: NewInvoice, nowMs: number): InvoiceRecord {
    const c = this.customerIndex.get(input.customerNumber);
    if (!c) throw new StoreError(`customer ${input.customerNumber} not found`, 404);
    if (typeof input.amount !== 'number' || !Number.isFinite(input.amount) || input.amount <= 0) {
      throw new StoreError('amount must be a positive number');
    }
    const documentDateMs = input.documentDate !== undefined ? requireDate(input.documentDate, 'documentDate') : nowMs;
    const termsDays = CREDIT_TERMS[c.creditTermsId]?.days ?? 30;
    const inv: InvoiceRecord = {
      referenceNumber: String(this.counters.nextInvoiceRef++),
      documentType: 'Invoice',
      customerNumber: c.number,
      documentDateMs,
      documentDueDateMs: input.documentDueDate !== undefined ? requireDate(input.documentDueDate, 'documentDueDate') : documentDateMs + termsDays * 86_400_000,
      status: 'Open',
      currencyId: input.currencyId ?? c.currencyId,
      amount: input.amount,
      balance: input.balance ?? input.amount,
      invoiceText: input.invoiceText ?? 'Invoice',
      creditTermsId: c.creditTermsId,
      paymentReference: String(1_000_000_000 + this.counters.nextInvoiceRef),
      createdMs: nowMs,
      modifiedMs: nowMs,
      rowVersion: 0,
    };
    const { status, documentType } = input;
    applyInvoicePatch(inv, { ...(status !== undefined ? { status } : {}), ...(documentType !== undefined ? { documentType } : {}) });
    this.touch(inv, nowMs);
    this.upsertInvoice(inv);
    return inv;
  }

  /** Random but reproducible changes, so delta syncs have something to find. */
  mutate(req: MutationRequest, seed: number, nowMs: number, deletePolicy: DeletePolicy = 'refuse'): MutationResult {
    const rng = new Prng(hashSeed(seed, ++this.counters.mutations));
    const result: MutationResult = {
      customers: [],
      invoices: [],
      createdInvoices: [],
      paidInvoices: [],
      deactivatedCustomers: [],
      reactivatedCustomers: [],
      deletedCustomers: [],
      deletedInvoices: [],
    };
    const touchedInvoices = new Set<string>();

    for (const c of pickDistinct(rng, this.customers, req.customers ?? 0, () => true)) {
      this.patchCustomer(c.number, randomCustomerChange(rng, c), nowMs);
      result.customers.push(c.number);
    }
    for (let k = 0; k < (req.invoices ?? 0); k++) {
      const open = rng.chance(0.5) ? pickDistinct(rng, this.invoices, 1, (i) => i.status === 'Open' && i.balance > 1 && !touchedInvoices.has(i.referenceNumber))[0] : undefined;
      if (open) {
        this.patchInvoice(open.referenceNumber, { balance: Math.round(open.balance * (0.2 + rng.next() * 0.6) * 100) / 100 }, nowMs);
        touchedInvoices.add(open.referenceNumber);
      } else if (this.customers.length > 0) {
        const c = rng.pick(this.customers);
        const inv = this.createInvoice({ customerNumber: c.number, amount: rng.money(500, 50_000), invoiceText: 'Varer levert' }, nowMs);
        touchedInvoices.add(inv.referenceNumber);
        result.createdInvoices.push(inv.referenceNumber);
      }
    }
    for (const i of pickDistinct(rng, this.invoices, req.payInvoices ?? 0, (x) => x.status === 'Open' && !touchedInvoices.has(x.referenceNumber))) {
      this.payInvoice(i.referenceNumber, nowMs);
      touchedInvoices.add(i.referenceNumber);
      result.paidInvoices.push(i.referenceNumber);
    }
    result.invoices = [...touchedInvoices].sort(byNumeric);
    result.customers.sort(byNumeric);
    // After the edits, so a request without lifecycle changes draws the same records as before.
    mutateLifecycle(this, rng, req, { policy: deletePolicy, nowMs, touchedInvoices, result });
    return result;
  }
}

function insertSorted<T>(list: T[], item: T, key: (x: T) => string): void {
  const k = key(item);
  // Fast path: new numbers are normally the highest.
  if (list.length === 0 || byNumeric(key(list[list.length - 1]), k) < 0) {
    list.push(item);
    return;
  }
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (byNumeric(key(list[mid]), k) < 0) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, item);
}

function randomCustomerChange(rng: Prng, c: CustomerRecord): Record<string, unknown> {
  switch (rng.int(0, 4)) {
    case 0:
      return { creditLimit: Math.max(0, c.creditLimit + rng.pick([-10_000, 5_000, 10_000, 25_000])) };
    case 1:
      return { status: c.status === 'Active' ? rng.pick(['OnHold', 'CreditHold'] as const) : 'Active' };
    case 2:
      return { mainContact: { phone1: `+47 ${rng.digits(2)} ${rng.digits(2)} ${rng.digits(2)} ${rng.digits(2)}` } };
    case 3:
      return { mainAddress: { addressLine1: `Nyveien ${rng.int(1, 99)}` } };
    default:
      return { mainContact: { email: `kontakt${rng.int(1, 999)}@${(c.mainContact.email ?? 'example.no').split('@')[1]}` } };
  }
}

function requireDate(v: unknown, field: string): number {
  const t = parseLooseDate(v);
  if (t === null) throw new StoreError(`${field} must be an ISO date`);
  return t;
}

function requireEnum<T extends string>(v: unknown, values: readonly T[], field: string): T {
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) throw new StoreError(`${field} must be one of ${values.join(', ')}`);
  return v as T;
}

function requireNumber(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new StoreError(`${field} must be a number`);
  return v;
}

function optionalString(v: unknown, field: string): string | undefined {
  if (v === null) return undefined;
  if (typeof v !== 'string') throw new StoreError(`${field} must be a string or null`);
  return v;
}

function requireObject(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new StoreError(`${field} must be an object`);
  return v as Record<string, unknown>;
}

/** Sets or (with null) removes an optional string property. */
function setOptional<T extends object, K extends keyof T>(target: T, key: K, v: unknown, field: string): void {
  const s = optionalString(v, field);
  if (s === undefined) delete target[key];
  else (target as Record<K, unknown>)[key] = s;
}

function applyCustomerPatch(c: CustomerRecord, patch: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(patch)) {
    switch (k) {
      case 'name':
        if (typeof v !== 'string' || v.trim() === '') throw new StoreError('name must be a non-empty string');
        c.name = v;
        break;
      case 'status':
        c.status = requireEnum(v, CUSTOMER_STATUSES, k);
        break;
      case 'currencyId':
        if (typeof v !== 'string') throw new StoreError('currencyId must be a string');
        c.currencyId = v;
        break;
      case 'creditVerification':
        c.creditVerification = requireEnum(v, CREDIT_VERIFICATIONS, k);
        break;
      case 'creditLimit':
        c.creditLimit = requireNumber(v, k);
        break;
      case 'creditDaysPastDue':
        c.creditDaysPastDue = requireNumber(v, k);
        break;
      case 'vatRegistrationId':
      case 'corporateId':
        setOptional(c, k, v, k);
        break;
      case 'customerClass':
        c.customerClassId = String(requireObject(v, k).id);
        break;
      case 'creditTerms':
        c.creditTermsId = String(requireObject(v, k).id);
        break;
      case 'attributes':
        if (!Array.isArray(v)) throw new StoreError('attributes must be an array');
        c.attributes = v.map((a) => {
          const o = requireObject(a, 'attributes[]');
          return { id: String(o.id), value: String(o.value ?? ''), description: String(o.description ?? '') };
        });
        break;
      case 'mainAddress': {
        const a = requireObject(v, k);
        for (const [ak, av] of Object.entries(a)) {
          if (ak === 'addressLine1' || ak === 'addressLine2' || ak === 'postalCode' || ak === 'city') setOptional(c.mainAddress, ak, av, `mainAddress.${ak}`);
          else if (ak === 'country') {
            const co = requireObject(av, 'mainAddress.country');
            c.mainAddress.country = { id: String(co.id), name: String(co.name ?? co.id) };
          } else throw new StoreError(`unknown field mainAddress.${ak}`);
        }
        break;
      }
      case 'mainContact': {
        const m = requireObject(v, k);
        for (const [mk, mv] of Object.entries(m)) {
          if (mk === 'name' || mk === 'email' || mk === 'phone1') setOptional(c.mainContact, mk, mv, `mainContact.${mk}`);
          else throw new StoreError(`unknown field mainContact.${mk}`);
        }
        break;
      }
      default:
        throw new StoreError(`unknown or read-only customer field "${k}"`);
    }
  }
}

function applyInvoicePatch(i: InvoiceRecord, patch: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(patch)) {
    switch (k) {
      case 'status':
        i.status = requireEnum(v, INVOICE_STATUSES, k);
        break;
      case 'documentType':
        i.documentType = requireEnum(v, DOCUMENT_TYPES, k);
        break;
      case 'amount':
        i.amount = requireNumber(v, k);
        break;
      case 'balance':
        i.balance = requireNumber(v, k);
        break;
      case 'invoiceText':
      case 'currencyId':
      case 'paymentReference':
        if (typeof v !== 'string') throw new StoreError(`${k} must be a string`);
        i[k] = v;
        break;
      case 'documentDate':
        i.documentDateMs = requireDate(v, k);
        break;
      case 'documentDueDate':
        i.documentDueDateMs = requireDate(v, k);
        break;
      default:
        throw new StoreError(`unknown or read-only invoice field "${k}"`);
    }
  }
}
