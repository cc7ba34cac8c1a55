import type { Prng } from '../framework/prng.js';
import { pickDistinct } from './pick.js';
import type { CustomerRecord } from './records.js';
import { StoreError } from './store-error.js';
import type { MutationRequest, MutationResult, VismaStore } from './store.js';

/**
 * What deleting a customer that has invoices does. `refuse` (default): Visma.net ERP does not delete
 * a customer with documents (as its Acumatica base refuses to; not in api/sources.md: UNCONFIRMED).
 * `cascade`: its invoices go with it. `orphan`: its invoices stay, naming a customer no list shows
 * (never seen in Visma; for testing what a sync does with children whose parent is gone).
 */
export const DELETE_POLICIES = ['refuse', 'cascade', 'orphan'] as const;
export type DeletePolicy = (typeof DELETE_POLICIES)[number];

export interface CustomerDeletion {
  customer: string;
  /** Removed with the customer (`cascade`). */
  deletedInvoices: string[];
  /** Left behind, still in every invoice list (`orphan`). */
  orphanedInvoices: string[];
}

/** Status `Inactive` (deactivated) or back to `Active`: a customer edit, so lastModifiedDateTime moves. */
export function setCustomerActive(store: VismaStore, number: string, active: boolean, nowMs: number): CustomerRecord {
  return store.patchCustomer(number, { status: active ? 'Active' : 'Inactive' }, nowMs);
}

/**
 * Removes a customer for good. Lists and delta reads never show it again: Visma's list endpoints
 * have no tombstones (api/sources.md §1.5), so only a full key listing notices.
 */
export function deleteCustomer(store: VismaStore, number: string, policy: DeletePolicy): CustomerDeletion {
  if (!store.customer(number)) throw new StoreError(`customer ${number} not found`, 404);
  const invoices = store.invoicesOf(number).map((i) => i.referenceNumber);
  if (invoices.length && policy === 'refuse') {
    const which = `${invoices.length} invoice(s) (${invoices.slice(0, 5).join(', ')})`;
    throw new StoreError(
      `customer ${number} has ${which}: a customer with documents is not deleted (as in Visma, UNCONFIRMED); ` +
        'delete them first, or set the knob customerDeleteWithInvoices to cascade or orphan',
      409,
    );
  }
  if (policy === 'cascade') for (const ref of invoices) store.removeInvoice(ref);
  store.removeCustomer(number);
  return {
    customer: number,
    deletedInvoices: policy === 'cascade' ? invoices : [],
    orphanedInvoices: policy === 'orphan' ? invoices : [],
  };
}

interface LifecycleContext {
  policy: DeletePolicy;
  nowMs: number;
  /** Invoices this mutation already changed: their customers are not deleted under them. */
  touchedInvoices: Set<string>;
  result: MutationResult;
}

/** The deactivations, reactivations and deletions a `mutate` asks for, on customers it has not edited. */
export function mutateLifecycle(store: VismaStore, rng: Prng, req: MutationRequest, ctx: LifecycleContext): void {
  const { result } = ctx;
  const busy = new Set(result.customers);
  const free = (c: CustomerRecord) => !busy.has(c.number);
  const take = (n: number | undefined, ok: (c: CustomerRecord) => boolean) => {
    const picked = pickDistinct(rng, store.customers, n ?? 0, (c) => free(c) && ok(c)).map((c) => c.number);
    for (const number of picked) busy.add(number);
    return picked.sort(byNumeric);
  };
  for (const number of take(req.deactivateCustomers, (c) => c.status !== 'Inactive')) {
    setCustomerActive(store, number, false, ctx.nowMs);
    result.deactivatedCustomers.push(number);
  }
  for (const number of take(req.reactivateCustomers, (c) => c.status === 'Inactive')) {
    setCustomerActive(store, number, true, ctx.nowMs);
    result.reactivatedCustomers.push(number);
  }
  const deletable = (c: CustomerRecord) => {
    const invoices = store.invoicesOf(c.number);
    if (ctx.policy === 'refuse') return invoices.length === 0;
    return !invoices.some((i) => ctx.touchedInvoices.has(i.referenceNumber));
  };
  for (const number of take(req.deleteCustomers, deletable)) {
    const gone = deleteCustomer(store, number, ctx.policy);
    result.deletedCustomers.push(number);
    result.deletedInvoices.push(...gone.deletedInvoices);
  }
}

function byNumeric(a: string, b: string): number {
  return Number(a) - Number(b);
}
