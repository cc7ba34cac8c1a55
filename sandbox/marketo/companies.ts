export interface Company {
  id: number;
  externalCompanyId: string | null;
  /** Written fields other than the system ones; null when cleared. */
  values: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface CompanyStoreState {
  nextId: number;
  companies: Company[];
}

/** Companies by id and by externalCompanyId (the dedupe field). */
export class CompanyStore {
  private readonly byId = new Map<number, Company>();
  private readonly byExternal = new Map<string, number>();
  private nextId: number;

  constructor(state?: CompanyStoreState) {
    // Ids in the docs' examples are four digits; a fresh instance starts there.
    this.nextId = state?.nextId ?? 1001;
    for (const c of state?.companies ?? []) this.put(structuredClone(c));
  }

  private put(c: Company): void {
    this.byId.set(c.id, c);
    if (c.externalCompanyId !== null) this.byExternal.set(c.externalCompanyId, c.id);
  }

  get count(): number {
    return this.byId.size;
  }

  get(id: number): Company | undefined {
    return this.byId.get(id);
  }

  findByExternalId(externalCompanyId: string): Company | undefined {
    const id = this.byExternal.get(externalCompanyId);
    return id === undefined ? undefined : this.byId.get(id);
  }

  /** Companies whose Company Name equals `name` exactly (case rule UNCONFIRMED), oldest first. */
  findByName(name: string): Company[] {
    return this.list().filter((c) => c.values.company === name);
  }

  list(): Company[] {
    return [...this.byId.values()];
  }

  create(externalCompanyId: string | null, values: Record<string, unknown>, now: string): Company {
    const c: Company = { id: this.nextId++, externalCompanyId, values: { ...values }, createdAt: now, updatedAt: now };
    this.put(c);
    return c;
  }

  update(c: Company, values: Record<string, unknown>, now: string): void {
    Object.assign(c.values, values);
    c.updatedAt = now;
  }

  delete(c: Company): void {
    this.byId.delete(c.id);
    if (c.externalCompanyId !== null) this.byExternal.delete(c.externalCompanyId);
  }

  clear(): void {
    this.byId.clear();
    this.byExternal.clear();
  }

  toState(): CompanyStoreState {
    return structuredClone({ nextId: this.nextId, companies: this.list() });
  }
}

/** A company as queries and in-process views show it: system fields first, null fields left out. */
export function renderCompany(c: Company, fields?: readonly string[]): Record<string, unknown> {
  const all: Record<string, unknown> = {
    id: c.id,
    externalCompanyId: c.externalCompanyId,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    ...c.values,
  };
  const names = fields ?? Object.keys(all);
  const out: Record<string, unknown> = {};
  for (const n of names) if (all[n] !== null && all[n] !== undefined) out[n] = all[n];
  return out;
}
