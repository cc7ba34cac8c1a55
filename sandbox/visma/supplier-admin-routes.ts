import { AdminError, objectBody } from '../framework/simulator.js';
import type { SimRequest, SimResponse } from '../framework/types.js';
import type { NewSupplierInvoice } from './supplier-ledger.js';
import type { VismaSimulator } from './simulator.js';

type Action = (fn: (req: SimRequest) => unknown, status?: number) => (req: SimRequest) => SimResponse;

/** Supplier and supplier invoice changes for tests and demos: /__sim/visma/suppliers/..., .../supplierInvoices/... */
export function registerSupplierAdmin(sim: VismaSimulator, action: Action): void {
  const a = sim.server.admin;
  const number = (req: SimRequest) => req.params.number;
  const ref = (req: SimRequest) => req.params.ref;
  a.post(
    '/__sim/visma/suppliers/{number}',
    action((req) => sim.patchSupplier(number(req), objectBody(req))),
  );
  a.post(
    '/__sim/visma/suppliers/{number}/deactivate',
    action((req) => sim.deactivateSupplier(number(req))),
  );
  a.post(
    '/__sim/visma/suppliers/{number}/reactivate',
    action((req) => sim.reactivateSupplier(number(req))),
  );
  a.post(
    '/__sim/visma/supplierInvoices',
    action((req) => sim.createSupplierInvoice(newSupplierInvoice(objectBody(req))), 201),
  );
  a.post(
    '/__sim/visma/supplierInvoices/{ref}',
    action((req) => sim.patchSupplierInvoice(ref(req), objectBody(req))),
  );
  a.post(
    '/__sim/visma/supplierInvoices/{ref}/pay',
    action((req) => sim.paySupplierInvoice(ref(req))),
  );
  a.post(
    '/__sim/visma/supplierInvoices/{ref}/due-date',
    action((req) => sim.rescheduleSupplierInvoice(ref(req), objectBody(req).dueDate)),
  );
}

function newSupplierInvoice(b: Record<string, unknown>): NewSupplierInvoice {
  const supplier = b.supplier;
  const nested =
    typeof supplier === 'object' && supplier !== null ? (supplier as Record<string, unknown>).number : supplier;
  const supplierNumber =
    typeof b.supplierNumber === 'string' ? b.supplierNumber : typeof nested === 'string' ? nested : undefined;
  if (!supplierNumber) throw new AdminError('supplierNumber (or supplier.number) is required');
  const opt = (k: string) => (typeof b[k] === 'string' ? b[k] : undefined);
  return {
    supplierNumber,
    amount: b.amount as number,
    balance: typeof b.balance === 'number' ? b.balance : undefined,
    date: opt('date'),
    dueDate: opt('dueDate'),
    status: opt('status'),
    documentType: opt('documentType'),
    description: opt('description'),
    supplierReference: opt('supplierReference'),
    currencyId: opt('currencyId'),
  };
}
