import { textOf } from '../framework/types.js';
import { hashSeed, Prng } from '../framework/prng.js';
import { mutateLifecycle, type DeletePolicy } from './customer-lifecycle.js';
import {
  patchAddress,
  patchContact,
  requireDate,
  requireEnum,
  requireNumber,
  requireObject,
  setOptional,
} from './patch-values.js';
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
import { byNumeric, insertSorted } from './ordering.js';
import { pickDistinct } from './pick.js';
import { SupplierLedger } from './supplier-ledger.js';
import {
  emptySupplierResult,
  mutateSuppliers,
  type SupplierMutationRequest,
  type SupplierMutationResult,
} from './supplier-mutate.js';
import { StoreError } from './store-error.js';
import type { SeedData } from './seed.js';

export { StoreError };

export interface MutationRequest extends SupplierMutationRequest {
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

export interface MutationResult extends SupplierMutationResult {
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

const SUPPLIER_STREAM = 0x5a9;

/**
 * Records in API order (customers by number, invoices by reference number, numeric),
 * with indexes so paging never sorts and point lookups never scan.
 */
export class VismaStore {
  readonly customers: CustomerRecord[];
  readonly invoices: InvoiceRecord[];
  readonly suppliers: SupplierRecord[];
  readonly contacts: ContactRecord[];
  /** Suppliers and supplier invoices (accounts payable); `suppliers` is its list. */
  readonly payables: SupplierLedger;
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
    this.payables = new SupplierLedger(data.suppliers, data.supplierInvoices, {
      touch: (rec, nowMs) => {
        this.touch(rec, nowMs);
      },
      changed: () => {
        this.version++;
      },
      nextReference: () => String(this.counters.nextSupplierInvoiceRef++),
    });
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
      documentDueDateMs:
        input.documentDueDate !== undefined
          ? requireDate(input.documentDueDate, 'documentDueDate')
          : documentDateMs + termsDays * 86_400_000,
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
    applyInvoicePatch(inv, {
      ...(status !== undefined ? { status } : {}),
      ...(documentType !== undefined ? { documentType } : {}),
    });
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
      ...emptySupplierResult(),
    };
    const touchedInvoices = new Set<string>();

    for (const c of pickDistinct(rng, this.customers, req.customers ?? 0, () => true)) {
      this.patchCustomer(c.number, randomCustomerChange(rng, c), nowMs);
      result.customers.push(c.number);
    }
    for (let k = 0; k < (req.invoices ?? 0); k++) {
      const open = rng.chance(0.5)
        ? pickDistinct(
            rng,
            this.invoices,
            1,
            (i) => i.status === 'Open' && i.balance > 1 && !touchedInvoices.has(i.referenceNumber),
          )[0]
        : undefined;
      if (open) {
        this.patchInvoice(
          open.referenceNumber,
          { balance: Math.round(open.balance * (0.2 + rng.next() * 0.6) * 100) / 100 },
          nowMs,
        );
        touchedInvoices.add(open.referenceNumber);
      } else if (this.customers.length > 0) {
        const c = rng.pick(this.customers);
        const inv = this.createInvoice(
          { customerNumber: c.number, amount: rng.money(500, 50_000), invoiceText: 'Varer levert' },
          nowMs,
        );
        touchedInvoices.add(inv.referenceNumber);
        result.createdInvoices.push(inv.referenceNumber);
      }
    }
    for (const i of pickDistinct(
      rng,
      this.invoices,
      req.payInvoices ?? 0,
      (x) => x.status === 'Open' && !touchedInvoices.has(x.referenceNumber),
    )) {
      this.payInvoice(i.referenceNumber, nowMs);
      touchedInvoices.add(i.referenceNumber);
      result.paidInvoices.push(i.referenceNumber);
    }
    result.invoices = [...touchedInvoices].sort(byNumeric);
    result.customers.sort(byNumeric);
    // After the edits, so a request without lifecycle changes draws the same records as before.
    mutateLifecycle(this, rng, req, { policy: deletePolicy, nowMs, touchedInvoices, result });
    // An own stream: asking for supplier changes leaves the customer-side draws as they were.
    const supplierRng = new Prng(hashSeed(hashSeed(seed, this.counters.mutations), SUPPLIER_STREAM));
    return Object.assign(result, mutateSuppliers(this.payables, supplierRng, req, nowMs));
  }
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
      return {
        mainContact: { email: `kontakt${rng.int(1, 999)}@${(c.mainContact.email ?? 'example.no').split('@')[1]}` },
      };
  }
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
          return { id: String(o.id), value: textOf(o.value ?? ''), description: textOf(o.description ?? '') };
        });
        break;
      case 'mainAddress':
        patchAddress(c.mainAddress, v, k);
        break;
      case 'mainContact':
        patchContact(c.mainContact, v, k);
        break;
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
