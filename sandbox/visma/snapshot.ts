import type { VismaAuthState } from './auth.js';
import type {
  ContactRecord,
  Counters,
  CustomerRecord,
  InvoiceRecord,
  SupplierInvoiceRecord,
  SupplierRecord,
} from './records.js';
import { generateSeed, type SeedParams } from './seed.js';
import { VismaStore } from './store.js';
import { FIRST_SUPPLIER_INVOICE_REF } from './supplier-invoice-seed.js';

/**
 * Visma snapshot. The seed generator is deterministic, so by default a snapshot stores
 * the generator's inputs (`base`) plus every record changed or created since; a full
 * snapshot (`base: null`) lists every record. Either restores the same data: the compact
 * form keeps a 100,000-customer data set's snapshot small enough to save beside the state file.
 */
export interface VismaSnapshot {
  format: 'mlc-sandbox/visma';
  version: 1;
  base: SeedParams | null;
  customers: CustomerRecord[];
  invoices: InvoiceRecord[];
  /** Full: every supplier; compact: those changed since the seed (absent in older snapshots). */
  suppliers?: SupplierRecord[];
  /** As suppliers; absent in snapshots taken before supplier invoices existed. */
  supplierInvoices?: SupplierInvoiceRecord[];
  contacts?: ContactRecord[];
  counters: Counters;
  auth: VismaAuthState;
  /** Compact form: records of the seed (or created since) deleted since; absent in older snapshots. */
  deletedCustomers?: string[];
  deletedInvoices?: string[];
  /** A client has read suppliers or supplier invoices: a continued sandbox changes them too. */
  suppliersRead?: boolean;
}

export function isVismaSnapshot(v: unknown): v is VismaSnapshot {
  return (
    typeof v === 'object' &&
    v !== null &&
    (v as { format?: unknown }).format === 'mlc-sandbox/visma' &&
    (v as { version?: unknown }).version === 1
  );
}

/** The data part of a snapshot: compact (seed recipe + changes) or full (every record). */
export function storeSnapshot(
  s: VismaStore,
  base: SeedParams,
  full: boolean,
): Omit<VismaSnapshot, 'format' | 'version' | 'auth'> {
  const ap = s.payables;
  if (full) {
    const { customers, invoices, suppliers, contacts } = s;
    return {
      base: null,
      customers,
      invoices,
      suppliers,
      supplierInvoices: ap.invoices,
      contacts,
      counters: { ...s.counters },
    };
  }
  const pick = <T>(keys: Set<string>, get: (k: string) => T | undefined) =>
    [...keys].map(get).filter((x): x is T => x !== undefined);
  return {
    base,
    customers: pick(s.dirtyCustomers, (n) => s.customer(n)),
    invoices: pick(s.dirtyInvoices, (r) => s.invoice(r)),
    suppliers: pick(ap.dirtySuppliers, (n) => ap.supplier(n)),
    supplierInvoices: pick(ap.dirtyInvoices, (r) => ap.invoice(r)),
    counters: { ...s.counters },
    deletedCustomers: [...s.deletedCustomers],
    deletedInvoices: [...s.deletedInvoices],
  };
}

export function restoreStore(snap: VismaSnapshot): VismaStore {
  const copy = structuredClone(snap);
  const store = copy.base === null ? fromFull(copy) : fromCompact(copy, copy.base);
  store.counters = continuedCounters(copy.counters, store);
  return store;
}

function fromFull(copy: VismaSnapshot): VismaStore {
  return new VismaStore({
    customers: copy.customers,
    invoices: copy.invoices,
    suppliers: copy.suppliers ?? [],
    supplierInvoices: copy.supplierInvoices ?? [],
    contacts: copy.contacts ?? [],
    counters: copy.counters,
  });
}

function fromCompact(copy: VismaSnapshot, base: SeedParams): VismaStore {
  const store = new VismaStore(generateSeed(base));
  for (const c of copy.customers) store.upsertCustomer(c);
  for (const i of copy.invoices) store.upsertInvoice(i);
  for (const s of copy.suppliers ?? []) store.payables.upsertSupplier(s);
  for (const i of copy.supplierInvoices ?? []) store.payables.upsertInvoice(i);
  // Deleted after the seed was generated (or after they were created): gone again.
  for (const ref of copy.deletedInvoices ?? []) if (store.invoice(ref)) store.removeInvoice(ref);
  for (const n of copy.deletedCustomers ?? []) if (store.customer(n)) store.removeCustomer(n);
  return store;
}

/**
 * The saved counters, completed for snapshots older than supplier invoices: their seed now holds
 * supplier invoices the saved counters never counted, so numbering and rowversions continue above them.
 */
function continuedCounters(saved: Counters, store: VismaStore): Counters {
  const counters = { ...saved };
  let nextRef = FIRST_SUPPLIER_INVOICE_REF;
  for (const i of store.payables.invoices) {
    nextRef = Math.max(nextRef, Number(i.referenceNumber) + 1);
    counters.rowVersion = Math.max(counters.rowVersion, i.rowVersion);
  }
  if (typeof counters.nextSupplierInvoiceRef !== 'number') counters.nextSupplierInvoiceRef = nextRef;
  return counters;
}
