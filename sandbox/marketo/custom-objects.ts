import { randomUUID } from 'node:crypto';
import { KnobError } from '../framework/knobs.js';
import { isRecord } from '../framework/types.js';
import { DATA_TYPES, type DataType, type FieldDef } from './fields.js';

/** A custom object type as the `customObjects` setting gives it (custom-objects.md). */
export interface CustomObjectType {
  /** API name, with the `_c` suffix Marketo gives custom objects (`car_c`). */
  apiName: string;
  displayName: string;
  /** One dedupe key, possibly compound. */
  dedupeFields: string[];
  fields: FieldDef[];
}

export interface CustomObjectRecord {
  marketoGUID: string;
  values: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface CustomObjectStoreState {
  types: CustomObjectType[];
  records: Record<string, CustomObjectRecord[]>;
}

const SYSTEM: readonly FieldDef[] = [
  {
    name: 'marketoGUID',
    displayName: 'Marketo GUID',
    dataType: 'string',
    length: 36,
    updateable: false,
    custom: false,
  },
  { name: 'createdAt', displayName: 'Created At', dataType: 'datetime', updateable: false, custom: false },
  { name: 'updatedAt', displayName: 'Updated At', dataType: 'datetime', updateable: false, custom: false },
];

function parseField(f: unknown, where: string): FieldDef {
  if (!isRecord(f) || typeof f.name !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*$/.test(f.name))
    throw new KnobError(`${where}.name must be an API name`);
  if (!(DATA_TYPES as readonly unknown[]).includes(f.dataType))
    throw new KnobError(`${where}.dataType must be one of ${DATA_TYPES.join(', ')}`);
  const dataType = f.dataType as DataType;
  const length =
    typeof f.length === 'number' ? f.length : ['string', 'email', 'url', 'phone'].includes(dataType) ? 255 : undefined;
  return {
    name: f.name,
    displayName: typeof f.displayName === 'string' ? f.displayName : f.name,
    dataType,
    length,
    updateable: true,
    custom: true,
  };
}

/** `customObjects`: `[{apiName, displayName?, dedupeFields: [..], fields: [{name, dataType, length?}]}]`. */
export function parseCustomObjectTypes(v: unknown): CustomObjectType[] {
  if (!Array.isArray(v)) throw new KnobError('customObjects must be an array of {apiName, dedupeFields, fields}');
  return v.map((t, i) => {
    const where = `customObjects[${i}]`;
    if (!isRecord(t) || typeof t.apiName !== 'string' || !/^[a-z][A-Za-z0-9_]*_c$/.test(t.apiName))
      throw new KnobError(`${where}.apiName must be an API name ending in _c`);
    if (!Array.isArray(t.fields)) throw new KnobError(`${where}.fields must be an array`);
    const fields = t.fields.map((f, j) => parseField(f, `${where}.fields[${j}]`));
    const dedupe = t.dedupeFields;
    if (
      !Array.isArray(dedupe) ||
      !dedupe.length ||
      !dedupe.every((d) => typeof d === 'string' && fields.some((f) => f.name === d))
    ) {
      throw new KnobError(`${where}.dedupeFields must name fields of the type`);
    }
    const displayName = typeof t.displayName === 'string' ? t.displayName : t.apiName;
    return { apiName: t.apiName, displayName, dedupeFields: dedupe as string[], fields };
  });
}

/** Records of every custom object type, by type and by dedupe key. */
export class CustomObjectStore {
  private types = new Map<string, CustomObjectType>();
  private readonly records = new Map<string, Map<string, CustomObjectRecord>>();

  constructor(state?: CustomObjectStoreState) {
    this.setTypes(state?.types ?? []);
    for (const [apiName, recs] of Object.entries(state?.records ?? {})) {
      const m = this.records.get(apiName);
      for (const r of recs) m?.set(r.marketoGUID, structuredClone(r));
    }
  }

  /** Replaces the type list; records of types that remain are kept. */
  setTypes(types: CustomObjectType[]): void {
    this.types = new Map(types.map((t) => [t.apiName, t]));
    for (const t of types) if (!this.records.has(t.apiName)) this.records.set(t.apiName, new Map());
    for (const name of [...this.records.keys()]) if (!this.types.has(name)) this.records.delete(name);
  }

  typeList(): CustomObjectType[] {
    return [...this.types.values()];
  }

  type(apiName: string): CustomObjectType | undefined {
    return this.types.get(apiName);
  }

  field(t: CustomObjectType, name: string): FieldDef | undefined {
    return SYSTEM.find((f) => f.name === name) ?? t.fields.find((f) => f.name === name);
  }

  list(apiName: string): CustomObjectRecord[] {
    return [...(this.records.get(apiName)?.values() ?? [])];
  }

  byGuid(apiName: string, guid: string): CustomObjectRecord | undefined {
    return this.records.get(apiName)?.get(guid);
  }

  /** The record whose dedupe fields equal those of `values` (compared as JSON). */
  byDedupe(t: CustomObjectType, values: Record<string, unknown>): CustomObjectRecord | undefined {
    const key = dedupeKey(t, values);
    return this.list(t.apiName).find((r) => dedupeKey(t, r.values) === key);
  }

  create(t: CustomObjectType, values: Record<string, unknown>, now: string): CustomObjectRecord {
    const r: CustomObjectRecord = { marketoGUID: randomUUID(), values: { ...values }, createdAt: now, updatedAt: now };
    this.records.get(t.apiName)?.set(r.marketoGUID, r);
    return r;
  }

  delete(apiName: string, guid: string): void {
    this.records.get(apiName)?.delete(guid);
  }

  clear(): void {
    for (const m of this.records.values()) m.clear();
  }

  toState(): CustomObjectStoreState {
    const records: Record<string, CustomObjectRecord[]> = {};
    for (const name of this.types.keys()) records[name] = this.list(name);
    return structuredClone({ types: this.typeList(), records });
  }
}

export function dedupeKey(t: CustomObjectType, values: Record<string, unknown>): string | undefined {
  const parts = t.dedupeFields.map((f) => values[f]);
  return parts.some((p) => p === undefined || p === null || p === '') ? undefined : JSON.stringify(parts);
}

/** Describe of one custom object type, in the ObjectMetaData shape the swagger gives it. */
export function describeCustomObject(
  store: CustomObjectStore,
  t: CustomObjectType,
  at: string,
): Record<string, unknown> {
  const searchable = [
    t.dedupeFields,
    ['marketoGUID'],
    ...t.fields.filter((f) => f.dataType === 'string' && !t.dedupeFields.includes(f.name)).map((f) => [f.name]),
  ];
  return {
    name: t.apiName,
    displayName: t.displayName,
    description: '',
    createdAt: at,
    updatedAt: at,
    idField: 'marketoGUID',
    dedupeFields: t.dedupeFields,
    searchableFields: searchable,
    relationships: [],
    fields: [...SYSTEM, ...t.fields].map((f) => ({
      name: f.name,
      displayName: f.displayName,
      dataType: f.dataType,
      ...(f.length !== undefined ? { length: f.length } : {}),
      updateable: f.updateable,
    })),
  };
}

/** A record as queries show it. */
export function renderCustomObject(r: CustomObjectRecord, fields: readonly string[]): Record<string, unknown> {
  const all: Record<string, unknown> = {
    marketoGUID: r.marketoGUID,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    ...r.values,
  };
  const out: Record<string, unknown> = {};
  for (const n of fields) if (all[n] !== null && all[n] !== undefined) out[n] = all[n];
  return out;
}
