import type { SimulatorDefinition } from '../registry.js';
import { describeMutation } from './mutation-text.js';
import { VismaSimulator } from './simulator.js';

/** A supplier edit, a new, a paid and a rescheduled supplier invoice: each supplier-side delta has something. */
const SUPPLIER_CHANGES = { suppliers: 1, supplierInvoices: 1, paySupplierInvoices: 1, rescheduleSupplierInvoices: 1 };

function asVisma(sim: unknown): VismaSimulator {
  if (!(sim instanceof VismaSimulator)) throw new Error('not a Visma simulator');
  return sim;
}

/** Visma.net ERP: the source of customers and invoices; `size` is the number of customers. */
export const definition: SimulatorDefinition<'visma'> = {
  system: 'visma',
  label: 'Visma',
  role: 'source',
  start: ({ seed, size, clock, knobs, snapshot }) => new VismaSimulator({ seed, size, clock, knobs, snapshot }).start(),
  // A few edits, new and paid invoices: enough for a delta that touches both streams. Supplier changes
  // only once a run has read suppliers: a session that never does (visma-zendesk) sees what it always did.
  mutate: (sim) => {
    const visma = asVisma(sim);
    const suppliers = visma.suppliersRead ? SUPPLIER_CHANGES : {};
    return describeMutation(visma.mutate({ customers: 3, invoices: 4, payInvoices: 2, ...suppliers }));
  },
  keptParams(snapshot) {
    const base = (snapshot as { base?: { size?: unknown; seed?: unknown } | null } | undefined)?.base;
    return {
      size: typeof base?.size === 'number' ? base.size : undefined,
      seed: typeof base?.seed === 'number' ? base.seed : undefined,
    };
  },
};
