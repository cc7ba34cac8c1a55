/** A stored v2 entity: its system fields, its custom fields by hash key, and when it changed. */
export interface StoredRecord {
  id: number;
  addMs: number;
  updateMs: number;
  /** When search sees the latest version (searchIndexDelayMs after a write). */
  indexedMs: number;
  fields: Record<string, unknown>;
  custom: Record<string, unknown>;
}

export interface RecordStoreState {
  records: StoredRecord[];
  nextId: number;
}

/** One entity's records; ids are the entity's own sequence, as Pipedrive numbers each entity separately. */
export class RecordStore {
  private readonly byId = new Map<number, StoredRecord>();
  private nextId: number;

  constructor(state?: RecordStoreState) {
    for (const r of state?.records ?? []) this.byId.set(r.id, r);
    this.nextId = state?.nextId ?? 1;
  }

  get count(): number {
    return this.byId.size;
  }

  get(id: number): StoredRecord | undefined {
    return this.byId.get(id);
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  /** Every record in id order. */
  list(): StoredRecord[] {
    return [...this.byId.values()].sort((a, b) => a.id - b.id);
  }

  add(
    fields: Record<string, unknown>,
    custom: Record<string, unknown>,
    nowMs: number,
    indexDelayMs: number,
  ): StoredRecord {
    const r: StoredRecord = {
      id: this.nextId++,
      addMs: nowMs,
      updateMs: nowMs,
      indexedMs: nowMs + indexDelayMs,
      fields,
      custom,
    };
    this.byId.set(r.id, r);
    return r;
  }

  /** Replaces a record's fields; update_time moves forward (never backwards within one millisecond). */
  change(
    r: StoredRecord,
    fields: Record<string, unknown>,
    custom: Record<string, unknown>,
    nowMs: number,
    delay: number,
  ): void {
    r.fields = fields;
    r.custom = custom;
    r.updateMs = Math.max(nowMs, r.updateMs);
    r.indexedMs = nowMs + delay;
  }

  remove(id: number): StoredRecord | undefined {
    const r = this.byId.get(id);
    this.byId.delete(id);
    return r;
  }

  toState(): RecordStoreState {
    return structuredClone({ records: this.list(), nextId: this.nextId });
  }
}
