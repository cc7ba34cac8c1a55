import type { Prng } from '../framework/prng.js';
import { DAY_MS, startOfUtcDay } from './dates.js';
import { byNumeric } from './ordering.js';
import { pickDistinct } from './pick.js';
import { CREDIT_TERMS, type SupplierInvoiceRecord, type SupplierRecord } from './records.js';
import type { SupplierLedger } from './supplier-ledger.js';

export interface SupplierMutationRequest {
  /** Suppliers edited (terms, status, contact, address or class). */
  suppliers?: number;
  /** Suppliers set to Inactive. */
  deactivateSuppliers?: number;
  /** New supplier invoices, dated up to a few days back, so some fall due within the week. */
  supplierInvoices?: number;
  /** Open supplier invoices paid in full. */
  paySupplierInvoices?: number;
  /** Open supplier invoices whose due date moves (the supplier granted more time). */
  rescheduleSupplierInvoices?: number;
}

export type SupplierMutationResult = {
  suppliers: string[];
  deactivatedSuppliers: string[];
  /** Every supplier invoice touched (created, paid or rescheduled). */
  supplierInvoices: string[];
  createdSupplierInvoices: string[];
  paidSupplierInvoices: string[];
  rescheduledSupplierInvoices: string[];
};

export function emptySupplierResult(): SupplierMutationResult {
  return {
    suppliers: [],
    deactivatedSuppliers: [],
    supplierInvoices: [],
    createdSupplierInvoices: [],
    paidSupplierInvoices: [],
    rescheduledSupplierInvoices: [],
  };
}

/** Random but reproducible accounts-payable changes; each record is changed at most once per call. */
export function mutateSuppliers(
  ledger: SupplierLedger,
  rng: Prng,
  req: SupplierMutationRequest,
  nowMs: number,
): SupplierMutationResult {
  const out = emptySupplierResult();
  const edited = pickDistinct(rng, ledger.suppliers, req.suppliers ?? 0, (s) => s.status !== 'Inactive');
  for (const s of edited) {
    ledger.patchSupplier(s.number, randomSupplierChange(rng, s), nowMs);
    out.suppliers.push(s.number);
  }
  const busy = new Set(out.suppliers);
  const deactivated = pickDistinct(
    rng,
    ledger.suppliers,
    req.deactivateSuppliers ?? 0,
    (s) => s.status !== 'Inactive' && !busy.has(s.number),
  );
  for (const s of deactivated) {
    ledger.setSupplierStatus(s.number, 'Inactive', nowMs);
    out.deactivatedSuppliers.push(s.number);
  }
  const touched = new Set<string>();
  const open = (i: SupplierInvoiceRecord) => i.status === 'Open' && i.balance > 0 && !touched.has(i.referenceNumber);
  for (const i of pickDistinct(rng, ledger.invoices, req.paySupplierInvoices ?? 0, open)) {
    ledger.payInvoice(i.referenceNumber, nowMs);
    touched.add(i.referenceNumber);
    out.paidSupplierInvoices.push(i.referenceNumber);
  }
  for (const i of pickDistinct(rng, ledger.invoices, req.rescheduleSupplierInvoices ?? 0, open)) {
    const dueDate = new Date(i.dueDateMs + rng.pick([7, 14, 30]) * DAY_MS).toISOString();
    ledger.rescheduleInvoice(i.referenceNumber, dueDate, nowMs);
    touched.add(i.referenceNumber);
    out.rescheduledSupplierInvoices.push(i.referenceNumber);
  }
  const billing = ledger.suppliers.filter(
    (s) => s.status === 'Active' || s.status === 'OnHold' || s.status === 'HoldPayments',
  );
  for (let k = 0; k < (req.supplierInvoices ?? 0) && billing.length > 0; k++) {
    const s = rng.pick(billing);
    const terms = CREDIT_TERMS[s.creditTermsId]?.days ?? 30;
    const date = startOfUtcDay(nowMs) - rng.int(0, Math.max(0, terms - 3)) * DAY_MS;
    const amount = Math.round(rng.money(1_000, 80_000) * (s.currencyId === 'EUR' ? 0.1 : 1) * 100) / 100;
    const inv = ledger.createInvoice({ supplierNumber: s.number, amount, date: new Date(date).toISOString() }, nowMs);
    touched.add(inv.referenceNumber);
    out.createdSupplierInvoices.push(inv.referenceNumber);
  }
  for (const list of Object.values(out)) list.sort(byNumeric);
  out.supplierInvoices = [...touched].sort(byNumeric);
  return out;
}

function randomSupplierChange(rng: Prng, s: SupplierRecord): Record<string, unknown> {
  switch (rng.int(0, 4)) {
    case 0:
      return { creditTerms: { id: s.creditTermsId === '30' ? '14' : '30' } };
    case 1:
      return { status: s.status === 'Active' ? rng.pick(['OnHold', 'HoldPayments'] as const) : 'Active' };
    case 2:
      return { mainContact: { phone1: `+47 ${rng.digits(2)} ${rng.digits(2)} ${rng.digits(2)} ${rng.digits(2)}` } };
    case 3:
      return { mainAddress: { addressLine1: `Industriveien ${rng.int(1, 99)}` } };
    default:
      return { supplierClass: { id: s.supplierClassId === '1' ? '2' : '1' } };
  }
}
