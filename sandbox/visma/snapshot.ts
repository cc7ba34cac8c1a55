import type { VismaAuthState } from './auth.js';
import type { ContactRecord, Counters, CustomerRecord, InvoiceRecord, SupplierRecord } from './records.js';
import type { SeedParams } from './seed.js';

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
  suppliers?: SupplierRecord[];
  contacts?: ContactRecord[];
  counters: Counters;
  auth: VismaAuthState;
  /** Compact form: records of the seed (or created since) deleted since; absent in older snapshots. */
  deletedCustomers?: string[];
  deletedInvoices?: string[];
}

export function isVismaSnapshot(v: unknown): v is VismaSnapshot {
  return typeof v === 'object' && v !== null && (v as { format?: unknown }).format === 'mlc-sandbox/visma' && (v as { version?: unknown }).version === 1;
}
