import { requireDate } from './patch-values.js';
import { insertSorted } from './ordering.js';
import {
  CREDIT_TERMS,
  type SupplierInvoiceRecord,
  type SupplierRecord,
  type SupplierStatus,
  type Tracked,
} from './records.js';
import { StoreError } from './store-error.js';
import { applySupplierInvoicePatch, applySupplierPatch } from './supplier-patch.js';

export interface NewSupplierInvoice {
  supplierNumber: string;
  amount: number;
  balance?: number;
  /** Document date (default: now); the due date defaults to it plus the supplier's credit terms. */
  date?: string;
  dueDate?: string;
  status?: string;
  documentType?: string;
  description?: string;
  supplierReference?: string;
  currencyId?: string;
}

/** What the ledger needs from the store it lives in: one rowversion series, one change counter. */
export interface LedgerHooks {
  /** Stamps a record as changed now (lastModifiedDateTime, timeStamp) and bumps the store's version. */
  touch(rec: Tracked, nowMs: number): void;
  /** Something changed without a stamp (restore): list caches must not serve old pages. */
  changed(): void;
  /** Next supplier invoice reference number (the counter lives in the store's snapshot counters). */
  nextReference(): string;
}

const DAY_MS = 86_400_000;

/**
 * Suppliers and their invoices (accounts payable), in API order with indexes, and the edits an
 * admin or `mutate` makes: every edit moves lastModifiedDateTime and timeStamp, as Visma does.
 */
export class SupplierLedger {
  readonly dirtySuppliers = new Set<string>();
  readonly dirtyInvoices = new Set<string>();
  private readonly supplierIndex = new Map<string, SupplierRecord>();
  private readonly invoiceIndex = new Map<string, SupplierInvoiceRecord>();
  private readonly bySupplier = new Map<string, SupplierInvoiceRecord[]>();

  constructor(
    readonly suppliers: SupplierRecord[],
    readonly invoices: SupplierInvoiceRecord[],
    private readonly hooks: LedgerHooks,
  ) {
    for (const s of suppliers) this.supplierIndex.set(s.number, s);
    for (const i of invoices) {
      this.invoiceIndex.set(i.referenceNumber, i);
      this.own(i.supplierNumber).push(i);
    }
  }

  supplier(number: string): SupplierRecord | undefined {
    return this.supplierIndex.get(number);
  }

  invoice(ref: string): SupplierInvoiceRecord | undefined {
    return this.invoiceIndex.get(ref);
  }

  /** A supplier's invoices in reference-number order. */
  invoicesOf(supplierNumber: string): readonly SupplierInvoiceRecord[] {
    return this.bySupplier.get(supplierNumber) ?? [];
  }

  private own(supplierNumber: string): SupplierInvoiceRecord[] {
    let list = this.bySupplier.get(supplierNumber);
    if (!list) this.bySupplier.set(supplierNumber, (list = []));
    return list;
  }

  /** Replaces or inserts a whole supplier (snapshot restore). */
  upsertSupplier(s: SupplierRecord): void {
    const existing = this.supplierIndex.get(s.number);
    if (existing) Object.assign(existing, s);
    else {
      insertSorted(this.suppliers, s, (x) => x.number);
      this.supplierIndex.set(s.number, s);
    }
    this.dirtySuppliers.add(s.number);
    this.hooks.changed();
  }

  /** Replaces or inserts a whole supplier invoice (snapshot restore, creation). */
  upsertInvoice(i: SupplierInvoiceRecord): void {
    const existing = this.invoiceIndex.get(i.referenceNumber);
    if (existing) {
      if (existing.supplierNumber !== i.supplierNumber) {
        const old = this.own(existing.supplierNumber);
        old.splice(old.indexOf(existing), 1);
        insertSorted(this.own(i.supplierNumber), existing, (x) => x.referenceNumber);
      }
      if (i.paidMs === undefined) delete existing.paidMs;
      Object.assign(existing, i);
    } else {
      insertSorted(this.invoices, i, (x) => x.referenceNumber);
      insertSorted(this.own(i.supplierNumber), i, (x) => x.referenceNumber);
      this.invoiceIndex.set(i.referenceNumber, i);
    }
    this.dirtyInvoices.add(i.referenceNumber);
    this.hooks.changed();
  }

  patchSupplier(number: string, patch: Record<string, unknown>, nowMs: number): SupplierRecord {
    const s = this.supplierIndex.get(number);
    if (!s) throw new StoreError(`supplier ${number} not found`, 404);
    applySupplierPatch(s, patch);
    this.hooks.touch(s, nowMs);
    this.dirtySuppliers.add(number);
    return s;
  }

  /** Deactivation (Inactive) and reactivation (Active) are edits: a delta read finds them. */
  setSupplierStatus(number: string, status: SupplierStatus, nowMs: number): SupplierRecord {
    return this.patchSupplier(number, { status }, nowMs);
  }

  /** A patch; closing an invoice records when it was paid, reopening one forgets it. */
  patchInvoice(ref: string, patch: Record<string, unknown>, nowMs: number): SupplierInvoiceRecord {
    const i = this.invoiceIndex.get(ref);
    if (!i) throw new StoreError(`supplier invoice ${ref} not found`, 404);
    applySupplierInvoicePatch(i, patch);
    if (i.status === 'Closed') i.paidMs ??= nowMs;
    else delete i.paidMs;
    this.hooks.touch(i, nowMs);
    this.dirtyInvoices.add(ref);
    return i;
  }

  payInvoice(ref: string, nowMs: number): SupplierInvoiceRecord {
    return this.patchInvoice(ref, { balance: 0, status: 'Closed' }, nowMs);
  }

  /** The supplier agreed to a later (or earlier) due date. */
  rescheduleInvoice(ref: string, dueDate: unknown, nowMs: number): SupplierInvoiceRecord {
    if (dueDate === undefined) throw new StoreError('dueDate is required');
    return this.patchInvoice(ref, { dueDate }, nowMs);
  }

  createInvoice(input: NewSupplierInvoice, nowMs: number): SupplierInvoiceRecord {
    const s = this.supplierIndex.get(input.supplierNumber);
    if (!s) throw new StoreError(`supplier ${input.supplierNumber} not found`, 404);
    if (typeof input.amount !== 'number' || !Number.isFinite(input.amount) || input.amount <= 0) {
      throw new StoreError('amount must be a positive number');
    }
    const dateMs = input.date !== undefined ? requireDate(input.date, 'date') : nowMs;
    const termsDays = CREDIT_TERMS[s.creditTermsId]?.days ?? 30;
    const inv: SupplierInvoiceRecord = {
      referenceNumber: '',
      documentType: 'Invoice',
      supplierNumber: s.number,
      dateMs,
      dueDateMs: input.dueDate !== undefined ? requireDate(input.dueDate, 'dueDate') : dateMs + termsDays * DAY_MS,
      status: 'Open',
      currencyId: input.currencyId ?? s.currencyId,
      amount: input.amount,
      balance: input.balance ?? input.amount,
      description: input.description ?? 'Varekjøp',
      supplierReference: input.supplierReference ?? '',
      paymentRefNo: '',
      creditTermsId: s.creditTermsId,
      createdMs: nowMs,
      modifiedMs: nowMs,
      rowVersion: 0,
    };
    const { status, documentType } = input;
    applySupplierInvoicePatch(inv, {
      ...(status !== undefined ? { status } : {}),
      ...(documentType !== undefined ? { documentType } : {}),
    });
    if (inv.status === 'Closed') inv.paidMs = nowMs;
    // Numbered only once valid, so a refused request leaves no gap in the series.
    inv.referenceNumber = this.hooks.nextReference();
    inv.supplierReference ||= `F-${inv.referenceNumber}`;
    inv.paymentRefNo = String(100_000_000_000 + Number(inv.referenceNumber));
    this.hooks.touch(inv, nowMs);
    this.upsertInvoice(inv);
    return inv;
  }
}
