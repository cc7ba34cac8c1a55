import { AdminError, objectBody } from '../framework/simulator.js';
import type { SimRequest, SimResponse } from '../framework/types.js';
import { StoreError, type NewInvoice } from './store.js';
import type { VismaSimulator } from './simulator.js';
import { registerSupplierAdmin } from './supplier-admin-routes.js';

/** Counts `POST /__sim/visma/mutate` takes (see MutationRequest). */
const MUTATE_COUNTS = [
  'customers',
  'invoices',
  'payInvoices',
  'deactivateCustomers',
  'reactivateCustomers',
  'deleteCustomers',
  'suppliers',
  'deactivateSuppliers',
  'supplierInvoices',
  'paySupplierInvoices',
  'rescheduleSupplierInvoices',
] as const;

/** Data mutations for tests and demos: POST /__sim/visma/... */
export function registerVismaAdmin(sim: VismaSimulator): void {
  const a = sim.server.admin;
  a.post(
    '/__sim/visma/customers/{number}',
    action((req) => sim.patchCustomer(req.params.number, objectBody(req))),
  );
  a.post(
    '/__sim/visma/customers/{number}/deactivate',
    action((req) => sim.deactivateCustomer(req.params.number)),
  );
  a.post(
    '/__sim/visma/customers/{number}/reactivate',
    action((req) => sim.reactivateCustomer(req.params.number)),
  );
  a.delete(
    '/__sim/visma/customers/{number}',
    action((req) => sim.deleteCustomer(req.params.number)),
  );
  a.delete(
    '/__sim/visma/invoices/{ref}',
    action((req) => sim.deleteInvoice(req.params.ref)),
  );
  a.post(
    '/__sim/visma/invoices/{ref}/pay',
    action((req) => sim.payInvoice(req.params.ref)),
  );
  a.post(
    '/__sim/visma/invoices/{ref}',
    action((req) => sim.patchInvoice(req.params.ref, objectBody(req))),
  );
  a.post(
    '/__sim/visma/invoices',
    action((req) => sim.createInvoice(newInvoice(objectBody(req))), 201),
  );
  a.post(
    '/__sim/visma/mutate',
    action((req) => {
      const b = objectBody(req);
      const n = (k: string) => {
        const v = b[k] ?? 0;
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
          throw new AdminError(`${k} must be a non-negative integer`);
        return v;
      };
      return sim.mutate(Object.fromEntries(MUTATE_COUNTS.map((k) => [k, n(k)])));
    }),
  );
  registerSupplierAdmin(sim, action);
}

function newInvoice(b: Record<string, unknown>): NewInvoice {
  const customer = b.customer;
  const customerNumber =
    typeof b.customerNumber === 'string'
      ? b.customerNumber
      : typeof customer === 'string'
        ? customer
        : typeof customer === 'object' && customer !== null
          ? String((customer as Record<string, unknown>).number)
          : undefined;
  if (!customerNumber) throw new AdminError('customerNumber (or customer.number) is required');
  const opt = (k: string) => (typeof b[k] === 'string' ? b[k] : undefined);
  return {
    customerNumber,
    amount: b.amount as number,
    balance: typeof b.balance === 'number' ? b.balance : undefined,
    documentDate: opt('documentDate'),
    documentDueDate: opt('documentDueDate'),
    status: opt('status'),
    documentType: opt('documentType'),
    invoiceText: opt('invoiceText'),
    currencyId: opt('currencyId'),
  };
}

function action(fn: (req: SimRequest) => unknown, status = 200): (req: SimRequest) => SimResponse {
  return (req) => {
    try {
      return { status, body: fn(req) };
    } catch (err) {
      if (err instanceof StoreError || err instanceof AdminError)
        return { status: err.status, body: { error: err.message } };
      throw err;
    }
  };
}
