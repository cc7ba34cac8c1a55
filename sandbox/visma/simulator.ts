import { systemClock, type Clock } from '../framework/clock.js';
import { KnobError, KnobSet, splitKnobs } from '../framework/knobs.js';
import { BaseSimulator, splitFaultKnobs, type ConnectionProfile } from '../framework/simulator.js';
import { registerVismaAdmin } from './admin-routes.js';
import { registerVismaApi } from './api-routes.js';
import { credentialsFromSeed, VismaAuth, type VismaCredentials } from './auth.js';
import { contactDto, customerDto, invoiceDto, supplierDto, supplierInvoiceDto, type RenderContext } from './dto.js';
import { vismaErrorBodies } from './errors.js';
import { VISMA_KNOBS, VISMA_SEED_OPTIONS } from './knobs.js';
import { generateSeed, type SeedParams } from './seed.js';
import { isVismaSnapshot, restoreStore, storeSnapshot, type VismaSnapshot } from './snapshot.js';
import type { NewSupplierInvoice } from './supplier-ledger.js';
import { deleteCustomer, setCustomerActive, type CustomerDeletion } from './customer-lifecycle.js';
import { VismaStore, type MutationRequest, type MutationResult, type NewInvoice } from './store.js';

export interface VismaSimulatorOptions {
  seed?: number;
  /** Number of customers (default 100). */
  size?: number;
  clock?: Clock;
  /** Runtime knobs (see knobs.ts) plus seed options `invoicesPerCustomer` (default 4) and `duplicateNames` (default 0). */
  knobs?: Record<string, unknown>;
  faults?: Record<string, unknown>;
  /** Restores data, credentials and tokens from an earlier `snapshot()`. */
  snapshot?: unknown;
}

export type Dto = Record<string, unknown>;

/** Visma.net ERP simulator: customers, customer invoices, suppliers, supplier invoices and contacts. */
export class VismaSimulator extends BaseSimulator<'visma'> {
  readonly name = 'visma' as const;
  readonly store: VismaStore;
  readonly auth: VismaAuth;
  private readonly knobSet: KnobSet<typeof VISMA_KNOBS>;
  private readonly seed: number;
  private readonly base: SeedParams;
  readonly render: RenderContext;
  /** Fault (tests): rewrites each list page before it is sent, e.g. to add records with a null key */
  spoilPage?: (path: string, page: Record<string, unknown>[]) => unknown[];
  /** A client has read suppliers or supplier invoices (kept in snapshots): `definition.mutate` then changes them too. */
  suppliersRead: boolean;

  constructor(opts: VismaSimulatorOptions = {}) {
    const seed = opts.seed ?? 1;
    const clock = opts.clock ?? systemClock;
    const [faultKnobs, otherKnobs] = splitFaultKnobs(opts.knobs);
    super({ seed, clock, errors: vismaErrorBodies, faults: { ...faultKnobs, ...opts.faults } });
    this.seed = seed;
    const [seedOpts, runtime] = splitKnobs(otherKnobs, VISMA_SEED_OPTIONS);
    this.knobSet = new KnobSet(VISMA_KNOBS, runtime);

    const snap = opts.snapshot;
    if (snap !== undefined && !isVismaSnapshot(snap))
      throw new KnobError('snapshot is not a Visma simulator snapshot (format mlc-sandbox/visma, version 1)');
    this.base = snap?.base ?? {
      seed,
      size: opts.size ?? 100,
      nowMs: clock().getTime(),
      invoicesPerCustomer: numberOption(seedOpts.invoicesPerCustomer, 4, 'invoicesPerCustomer'),
      duplicateNames: numberOption(seedOpts.duplicateNames, 0, 'duplicateNames'),
    };
    this.store = snap ? restoreStore(snap) : new VismaStore(generateSeed(this.base));
    this.auth = new VismaAuth(credentialsFromSeed(seed), snap?.auth);
    this.suppliersRead = snap?.suppliersRead === true;

    const k = this.knobSet.values;
    this.render = {
      get zone() {
        return k.timestampZone;
      },
      get offsetMinutes() {
        return k.timeZoneOffsetMinutes;
      },
      customerName: (n) => this.store.customer(n)?.name,
      supplierOf: (n) => this.store.payables.supplier(n),
    };
    registerVismaApi(this.server, {
      store: this.store,
      auth: this.auth,
      knobs: k,
      nowMs: () => this.clock().getTime(),
      render: this.render,
      spoilPage: (path, page) => (this.spoilPage ? this.spoilPage(path, page) : page),
      noteSupplierRead: () => void (this.suppliersRead = true),
    });
    registerVismaAdmin(this);
  }

  get connection(): ConnectionProfile {
    const c = this.auth.credentials;
    return {
      connector: 'visma',
      base_url: this.url,
      token_url: `${this.url}/connect/token`,
      values: {
        client_id: c.client_id,
        client_secret: c.client_secret,
        tenant_id: c.tenant_id,
        company_id: c.company_id,
      },
    };
  }

  credentials(): VismaCredentials {
    return { ...this.auth.credentials };
  }

  expireTokens(): void {
    this.auth.expireAll();
  }

  /** Runtime knobs; fault knobs (errorRate, latencyMs, ...) are accepted here too. */
  setKnobs(partial: Record<string, unknown>): void {
    this.knobSet.set(this.takeFaultKnobs(partial));
  }

  knobs(): Record<string, unknown> {
    return {
      ...this.knobSet.toJSON(),
      invoicesPerCustomer: this.base.invoicesPerCustomer,
      duplicateNames: this.base.duplicateNames,
    };
  }

  private get nowMs(): number {
    return this.clock().getTime();
  }

  // --- reads (wire DTOs without list metadata) ---

  customers(): Dto[] {
    return this.store.customers.map((c) => customerDto(c, this.render));
  }

  customer(number: string): Dto | undefined {
    const c = this.store.customer(number);
    return c && customerDto(c, this.render);
  }

  invoices(filter: { customerNumber?: string } = {}): Dto[] {
    const list = filter.customerNumber ? this.store.invoicesOf(filter.customerNumber) : this.store.invoices;
    return list.map((i) => invoiceDto(i, this.render));
  }

  invoice(ref: string): Dto | undefined {
    const i = this.store.invoice(ref);
    return i && invoiceDto(i, this.render);
  }

  suppliers(): Dto[] {
    return this.store.suppliers.map((s) => supplierDto(s, this.render));
  }

  supplier(number: string): Dto | undefined {
    const s = this.store.payables.supplier(number);
    return s && supplierDto(s, this.render);
  }

  supplierInvoices(filter: { supplierNumber?: string } = {}): Dto[] {
    const ap = this.store.payables;
    const list = filter.supplierNumber ? ap.invoicesOf(filter.supplierNumber) : ap.invoices;
    return list.map((i) => supplierInvoiceDto(i, this.render));
  }

  supplierInvoice(ref: string): Dto | undefined {
    const i = this.store.payables.invoice(ref);
    return i && supplierInvoiceDto(i, this.render);
  }

  contacts(): Dto[] {
    return this.store.contacts.map((c) => contactDto(c, this.render));
  }

  // --- mutations: each bumps lastModifiedDateTime and timeStamp to the clock's now ---

  patchCustomer(number: string, patch: Record<string, unknown>): Dto {
    return customerDto(this.store.patchCustomer(number, patch, this.nowMs), this.render);
  }

  patchInvoice(ref: string, patch: Record<string, unknown>): Dto {
    return invoiceDto(this.store.patchInvoice(ref, patch, this.nowMs), this.render);
  }

  payInvoice(ref: string): Dto {
    return invoiceDto(this.store.payInvoice(ref, this.nowMs), this.render);
  }

  createInvoice(input: NewInvoice): Dto {
    return invoiceDto(this.store.createInvoice(input, this.nowMs), this.render);
  }

  /** Status Inactive, as a user deactivating the customer in Visma would leave it. */
  deactivateCustomer(number: string): Dto {
    return customerDto(setCustomerActive(this.store, number, false, this.nowMs), this.render);
  }

  /** Status back to Active. */
  reactivateCustomer(number: string): Dto {
    return customerDto(setCustomerActive(this.store, number, true, this.nowMs), this.render);
  }

  /** Removes the customer for good (its invoices as the knob customerDeleteWithInvoices says). */
  deleteCustomer(number: string): CustomerDeletion {
    return deleteCustomer(this.store, number, this.knobSet.values.customerDeleteWithInvoices);
  }

  deleteInvoice(ref: string): { invoice: string } {
    this.store.removeInvoice(ref);
    return { invoice: ref };
  }

  /** A SupplierDto-shaped partial update. */
  patchSupplier(number: string, patch: Record<string, unknown>): Dto {
    return supplierDto(this.store.payables.patchSupplier(number, patch, this.nowMs), this.render);
  }

  /** Status Inactive (Visma keeps suppliers with documents; deactivating is how one goes). */
  deactivateSupplier(number: string): Dto {
    return supplierDto(this.store.payables.setSupplierStatus(number, 'Inactive', this.nowMs), this.render);
  }

  reactivateSupplier(number: string): Dto {
    return supplierDto(this.store.payables.setSupplierStatus(number, 'Active', this.nowMs), this.render);
  }

  createSupplierInvoice(input: NewSupplierInvoice): Dto {
    return supplierInvoiceDto(this.store.payables.createInvoice(input, this.nowMs), this.render);
  }

  /** A SupplierInvoiceDto-shaped partial update (`date`, `dueDate`, `description`, amounts, status). */
  patchSupplierInvoice(ref: string, patch: Record<string, unknown>): Dto {
    return supplierInvoiceDto(this.store.payables.patchInvoice(ref, patch, this.nowMs), this.render);
  }

  /** Balance 0, status Closed, paid now. */
  paySupplierInvoice(ref: string): Dto {
    return supplierInvoiceDto(this.store.payables.payInvoice(ref, this.nowMs), this.render);
  }

  /** A new due date (ISO date or date-time). */
  rescheduleSupplierInvoice(ref: string, dueDate: unknown): Dto {
    return supplierInvoiceDto(this.store.payables.rescheduleInvoice(ref, dueDate, this.nowMs), this.render);
  }

  mutate(req: MutationRequest): MutationResult {
    return this.store.mutate(req, this.seed, this.nowMs, this.knobSet.values.customerDeleteWithInvoices);
  }

  state(full = false): Record<string, unknown> {
    const s = this.store;
    const ap = s.payables;
    const summary = {
      customers: s.customers.length,
      invoices: s.invoices.length,
      openInvoices: s.invoices.filter((i) => i.status === 'Open').length,
      suppliers: s.suppliers.length,
      supplierInvoices: ap.invoices.length,
      openSupplierInvoices: ap.invoices.filter((i) => i.status === 'Open').length,
      contacts: s.contacts.length,
      changedCustomers: s.dirtyCustomers.size,
      changedInvoices: s.dirtyInvoices.size,
      changedSuppliers: ap.dirtySuppliers.size,
      changedSupplierInvoices: ap.dirtyInvoices.size,
      deletedCustomers: s.deletedCustomers.size,
      deletedInvoices: s.deletedInvoices.size,
      seed: this.base,
    };
    if (!full) return summary;
    const records = {
      customers: this.customers(),
      invoices: this.invoices(),
      suppliers: this.suppliers(),
      supplierInvoices: this.supplierInvoices(),
      contacts: this.contacts(),
    };
    return { ...summary, records };
  }

  /** Compact by default (seed recipe + changed records); `full` lists every record. */
  snapshot(opts: { full?: boolean } = {}): VismaSnapshot {
    return {
      format: 'mlc-sandbox/visma',
      version: 1,
      ...storeSnapshot(this.store, this.base, opts.full === true),
      auth: this.auth.toState(),
      ...(this.suppliersRead ? { suppliersRead: true } : {}),
    };
  }
}

function numberOption(v: unknown, def: number, key: string): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new KnobError(`${key} must be a non-negative number`);
  return v;
}
