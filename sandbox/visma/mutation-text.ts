import type { MutationResult } from './store.js';
import type { SupplierMutationResult } from './supplier-mutate.js';

const SHOWN = 3;

type Lifecycle =
  | 'deactivatedCustomers'
  | 'reactivatedCustomers'
  | 'deletedCustomers'
  | 'deletedInvoices'
  | keyof SupplierMutationResult;
/** A mutation's result; the lifecycle and supplier lists may be left out (older callers describe edits only). */
export type MutationWords = Omit<MutationResult, Lifecycle> & Partial<Pick<MutationResult, Lifecycle>>;

function listed(n: number, one: string, many: string, keys: string[]): string {
  const sample = keys.slice(0, SHOWN).join(', ') + (keys.length > SHOWN ? ', ...' : '');
  return `${n} ${n === 1 ? one : many} (${sample})`;
}

/**
 * What a mutate() changed, in the words a user reads after "changed in Visma since the last run":
 * the result's fields are for programs (`createdInvoices` overlaps `invoices`), this is for people.
 */
export function describeMutation(m: MutationWords): string {
  const created = new Set(m.createdInvoices);
  const paid = new Set(m.paidInvoices);
  const partly = m.invoices.filter((r) => !created.has(r) && !paid.has(r));
  const parts: string[] = [];
  if (m.customers.length) parts.push(listed(m.customers.length, 'customer edited', 'customers edited', m.customers));
  if (m.createdInvoices.length)
    parts.push(listed(m.createdInvoices.length, 'new invoice', 'new invoices', m.createdInvoices));
  if (partly.length) parts.push(listed(partly.length, 'invoice partly paid', 'invoices partly paid', partly));
  if (m.paidInvoices.length)
    parts.push(listed(m.paidInvoices.length, 'invoice paid in full', 'invoices paid in full', m.paidInvoices));
  const lifecycle: [string[], string, string][] = [
    [m.deactivatedCustomers ?? [], 'customer deactivated', 'customers deactivated'],
    [m.reactivatedCustomers ?? [], 'customer reactivated', 'customers reactivated'],
    [m.deletedCustomers ?? [], 'customer deleted', 'customers deleted'],
    [m.deletedInvoices ?? [], 'invoice deleted with its customer', 'invoices deleted with their customers'],
  ];
  for (const [keys, one, many] of [...lifecycle, ...supplierLines(m)])
    if (keys.length) parts.push(listed(keys.length, one, many, keys));
  return parts.join('; ') || 'nothing';
}

function supplierLines(m: MutationWords): [string[], string, string][] {
  return [
    [m.suppliers ?? [], 'supplier edited', 'suppliers edited'],
    [m.deactivatedSuppliers ?? [], 'supplier deactivated', 'suppliers deactivated'],
    [m.createdSupplierInvoices ?? [], 'new supplier invoice', 'new supplier invoices'],
    [m.paidSupplierInvoices ?? [], 'supplier invoice paid', 'supplier invoices paid'],
    [m.rescheduledSupplierInvoices ?? [], 'supplier invoice due later', 'supplier invoices due later'],
  ];
}
