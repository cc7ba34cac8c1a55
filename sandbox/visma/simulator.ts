import { systemClock, type Clock } from '../framework/clock.js';
import { KnobError, KnobSet, splitKnobs } from '../framework/knobs.js';
import { BaseSimulator, splitFaultKnobs, type ConnectionProfile } from '../framework/simulator.js';
import { registerVismaAdmin } from './admin-routes.js';
import { registerVismaApi } from './api-routes.js';
import { credentialsFromSeed, VismaAuth, type VismaCredentials } from './auth.js';
import { contactDto, customerDto, invoiceDto, supplierDto, type RenderContext } from './dto.js';
import { vismaErrorBodies } from './errors.js';
import { VISMA_KNOBS, VISMA_SEED_OPTIONS } from './knobs.js';
import { generateSeed, type SeedParams } from './seed.js';
import { isVismaSnapshot, type VismaSnapshot } from './snapshot.js';
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

/** Visma.net ERP simulator: customers, customer invoices, suppliers and contacts. */
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

  constructor(opts: VismaSimulatorOptions = {}) {
    const seed = opts.seed ?? 1;
    const clock = opts.clock ?? systemClock;
    const [faultKnobs, otherKnobs] = splitFaultKnobs(opts.knobs);
    super({ seed, clock, errors: vismaErrorBodies, faults: { ...faultKnobs, ...opts.faults } });
    this.seed = seed;
    const [seedOpts, runtime] = splitKnobs(otherKnobs, VISMA_SEED_OPTIONS);
    this.knobSet = new KnobSet(VISMA_KNOBS, runtime);

    const snap = opts.snapshot;
    if (snap !== undefined && !isVismaSnapshot(snap)) throw new KnobError('snapshot is not a Visma simulator snapshot (format mlc-sandbox/visma, version 1)');
    this.base = snap?.base ?? {
      seed,
      size: opts.size ?? 100,
      nowMs: clock().getTime(),
      invoicesPerCustomer: numberOption(seedOpts.invoicesPerCustomer, 4, 'invoicesPerCustomer'),
      duplicateNames: numberOption(seedOpts.duplicateNames, 0, 'duplicateNames'),
    };
    this.store = snap ? restoreStore(snap) : new VismaStore(generateSeed(this.base));
    this.auth = new VismaAuth(credentialsFromSeed(seed), snap?.auth);

    const k = this.knobSet.values;
    this.render = {
      get zone() {
        return k.timestampZone;
      },
      get offsetMinutes() {
        return k.timeZoneOffsetMinutes;
      },
      customerName: (n) => this.store.customer(n)?.name,
    };
    registerVismaApi(this.server, { store: this.store, auth: this.auth, knobs: k, nowMs: () => this.clock().getTime(), render: this.render, spoilPage: (path, page) => (this.spoilPage ? this.spoilPage(path, page) : page) });
    registerVismaAdmin(this);
  }

  get connection(): ConnectionProfile {
    const c = this.auth.credentials;
    return {
      connector: 'visma',
      base_url: this.url,
      token_url: `${this.url}/connect/token`,
      values: { client_id: c.client_id, client_secret: c.client_secret, tenant_id: c.tenant_id, company_id: c.company_id },
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
    return { ...this.knobSet.toJSON(), invoicesPerCustomer: this.base.invoicesPerCustomer, duplicateNames: this.base.duplicateNames };
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

  mutate(req: MutationRequest): MutationResult {
    return this.store.mutate(req, this.seed, this.nowMs, this.knobSet.values.customerDeleteWithInvoices);
  }

  state(full = false): Record<string, unknown> {
    const s = this.store;
    const open = s.invoices.filter((i) => i.status === 'Open').length;
    const summary = {
      customers: s.customers.length,
      invoices: s.invoices.length,
      openInvoices: open,
      suppliers: s.suppliers.length,
      contacts: s.contacts.length,
      changedCustomers: s.dirtyCustomers.size,
      changedInvoices: s.dirtyInvoices.size,
      deletedCustomers: s.deletedCustomers.size,
      deletedInvoices: s.deletedInvoices.size,
      seed: this.base,
    };
    return full ? { ...summary, records: { customers: this.customers(), invoices: this.invoices(), suppliers: this.suppliers(), contacts: this.contacts() } } : summary;
  }

  /** Compact by default (seed recipe + changed records); `full` lists every record. */
  snapshot(opts: { full?: boolean } = {}): VismaSnapshot {
    const s = this.store;
    return {
      format: 'mlc-sandbox/visma',
      version: 1,
      base: opts.full ? null : this.base,
      customers: opts.full ? s.customers : [...s.dirtyCustomers].map((n) => s.customer(n)!).filter(Boolean),
      invoices: opts.full ? s.invoices : [...s.dirtyInvoices].map((r) => s.invoice(r)!).filter(Boolean),
      ...(opts.full ? { suppliers: s.suppliers, contacts: s.contacts } : {}),
      counters: { ...s.counters },
      auth: this.auth.toState(),
      ...(opts.full ? {} : { deletedCustomers: [...s.deletedCustomers], deletedInvoices: [...s.deletedInvoices] }),
    };
  }
}

function numberOption(v: unknown, def: number, key: string): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new KnobError(`${key} must be a non-negative number`);
  return v;
}

function restoreStore(snap: VismaSnapshot): VismaStore {
  const copy = structuredClone(snap);
  if (copy.base === null) {
    return new VismaStore({ customers: copy.customers, invoices: copy.invoices, suppliers: copy.suppliers ?? [], contacts: copy.contacts ?? [], counters: copy.counters });
  }
  const store = new VismaStore(generateSeed(copy.base));
  for (const c of copy.customers) store.upsertCustomer(c);
  for (const i of copy.invoices) store.upsertInvoice(i);
  // Deleted after the seed was generated (or after they were created): gone again.
  for (const ref of copy.deletedInvoices ?? []) if (store.invoice(ref)) store.removeInvoice(ref);
  for (const n of copy.deletedCustomers ?? []) if (store.customer(n)) store.removeCustomer(n);
  store.counters = copy.counters;
  return store;
}
