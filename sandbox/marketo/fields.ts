import { textOf } from '../framework/types.js';
import { KnobError } from '../framework/knobs.js';
import { isRecord } from '../framework/types.js';

export const DATA_TYPES = [
  'string',
  'text',
  'integer',
  'float',
  'currency',
  'percent',
  'boolean',
  'date',
  'datetime',
  'email',
  'url',
  'phone',
] as const;
export type DataType = (typeof DATA_TYPES)[number];

export interface FieldDef {
  name: string;
  displayName: string;
  dataType: DataType;
  /** Maximum length of string-like fields. */
  length?: number;
  updateable: boolean;
  custom: boolean;
}

const std = (name: string, displayName: string, dataType: DataType, length?: number, updateable = true): FieldDef => ({
  name,
  displayName,
  dataType,
  length,
  updateable,
  custom: false,
});

/** System fields: set by Marketo, never written by a client (externalCompanyId only on create). */
export const SYSTEM_FIELDS: readonly FieldDef[] = [
  std('createdAt', 'Created At', 'datetime', undefined, false),
  std('externalCompanyId', 'External Company Id', 'string', 100, false),
  std('id', 'Id', 'integer', undefined, false),
  std('updatedAt', 'Updated At', 'datetime', undefined, false),
];

/** The company fields of the standard field list (list-of-standard-fields.md) and companies.md. */
export const STANDARD_FIELDS: readonly FieldDef[] = [
  std('annualRevenue', 'Annual Revenue', 'currency'),
  std('billingCity', 'Billing City', 'string', 255),
  std('billingCountry', 'Billing Country', 'string', 255),
  std('billingPostalCode', 'Billing Postal Code', 'string', 255),
  std('billingState', 'Billing State', 'string', 255),
  std('billingStreet', 'Billing Address', 'text', 65535),
  std('company', 'Company Name', 'string', 255),
  std('industry', 'Industry', 'string', 255),
  std('mainPhone', 'Main Phone', 'phone', 255),
  std('numberOfEmployees', 'Num Employees', 'integer'),
  std('sicCode', 'SIC Code', 'string', 40),
  std('site', 'Site', 'string', 255),
  std('website', 'Website', 'url', 255),
];

/** A custom field as a knob gives it: `{name, dataType, length?, displayName?}`. */
export function parseCustomFields(v: unknown): FieldDef[] {
  if (!Array.isArray(v))
    throw new KnobError('customFields must be an array of {name, dataType, length?, displayName?}');
  const taken = new Set([...SYSTEM_FIELDS, ...STANDARD_FIELDS].map((f) => f.name));
  return v.map((f, i) => {
    if (!isRecord(f) || typeof f.name !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*$/.test(f.name))
      throw new KnobError(`customFields[${i}].name must be an API name`);
    if (taken.has(f.name)) throw new KnobError(`customFields[${i}]: ${f.name} is already a field`);
    taken.add(f.name);
    if (!(DATA_TYPES as readonly unknown[]).includes(f.dataType))
      throw new KnobError(`customFields[${i}].dataType must be one of ${DATA_TYPES.join(', ')}`);
    if (f.length !== undefined && (typeof f.length !== 'number' || !Number.isInteger(f.length) || f.length < 1))
      throw new KnobError(`customFields[${i}].length must be a positive integer`);
    const dataType = f.dataType as DataType;
    const stringy = ['string', 'email', 'url', 'phone'].includes(dataType);
    const length = typeof f.length === 'number' ? f.length : stringy ? 255 : dataType === 'text' ? 65535 : undefined;
    const displayName = typeof f.displayName === 'string' ? f.displayName : f.name;
    return { name: f.name, displayName, dataType, length, updateable: true, custom: true };
  });
}

/** The company fields of one instance: system, standard and the instance's custom fields. */
export class CompanyFields {
  private custom: FieldDef[];
  private byName = new Map<string, FieldDef>();

  constructor(custom: FieldDef[] = []) {
    this.custom = custom;
    this.index();
  }

  replaceCustom(custom: FieldDef[]): void {
    this.custom = custom;
    this.index();
  }

  private index(): void {
    this.byName = new Map(this.all().map((f) => [f.name, f]));
  }

  all(): FieldDef[] {
    return [...SYSTEM_FIELDS, ...STANDARD_FIELDS, ...this.custom];
  }

  customFields(): FieldDef[] {
    return [...this.custom];
  }

  get(name: string): FieldDef | undefined {
    return this.byName.get(name);
  }
}

export type Coerced = { ok: true; value: unknown } | { ok: false; message: string };

const isoDate = /^\d{4}-\d{2}-\d{2}$/;
/**
 * A written value checked against its field's type. `null` and `""` clear a field (companies.md:
 * both write null). A mismatch is 1001 "Invalid value '%s'. Required of type '%s'".
 */
export function coerceValue(f: FieldDef, v: unknown, overlong: 'reject' | 'truncate'): Coerced {
  if (v === null || v === '') return { ok: true, value: null };
  const bad: Coerced = {
    ok: false,
    message: `Invalid value '${textOf(v)}'. Required of type '${f.dataType}'`,
  };
  switch (f.dataType) {
    case 'integer': {
      const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
      return typeof n === 'number' && Number.isSafeInteger(n) ? { ok: true, value: n } : bad;
    }
    case 'float':
    case 'currency':
    case 'percent': {
      const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
      return typeof n === 'number' && Number.isFinite(n) ? { ok: true, value: n } : bad;
    }
    case 'boolean':
      if (typeof v === 'boolean') return { ok: true, value: v };
      return v === 'true' || v === 'false' ? { ok: true, value: v === 'true' } : bad;
    case 'date':
      return typeof v === 'string' && isoDate.test(v) && !Number.isNaN(Date.parse(v)) ? { ok: true, value: v } : bad;
    case 'datetime':
      return typeof v === 'string' && !Number.isNaN(Date.parse(v))
        ? { ok: true, value: new Date(v).toISOString().replace(/\.\d{3}Z$/, 'Z') }
        : bad;
    default:
      return coerceText(f, v, overlong, bad);
  }
}

function coerceText(f: FieldDef, v: unknown, overlong: 'reject' | 'truncate', bad: Coerced): Coerced {
  // Numbers become text (a client may send a number to a string field); objects and arrays do not.
  if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return bad;
  const s = String(v);
  if (f.length === undefined || s.length <= f.length) return { ok: true, value: s };
  if (overlong === 'truncate') return { ok: true, value: s.slice(0, f.length) };
  return {
    ok: false,
    message: `Invalid value '${s.slice(0, 40)}…'. Value exceeds the ${f.length} characters of '${f.name}'`,
  };
}

/** `GET /rest/v1/companies/describe.json`'s one result, in the shape of the companies.md example. */
export function describeCompany(fields: CompanyFields, createdAt: string, updatedAt: string): Record<string, unknown> {
  return {
    name: 'Company',
    description: 'Company object',
    createdAt,
    updatedAt,
    idField: 'id',
    dedupeFields: ['externalCompanyId'],
    searchableFields: [['externalCompanyId'], ['id'], ['company']],
    fields: fields.all().map((f) => ({
      name: f.name,
      displayName: f.displayName,
      dataType: f.dataType,
      ...(f.length !== undefined ? { length: f.length } : {}),
      updateable: f.updateable,
    })),
  };
}

/** A field as the schema endpoints (`/companies/schema/fields.json`) show it. */
export function schemaField(f: FieldDef): Record<string, unknown> {
  return {
    displayName: f.displayName,
    name: f.name,
    description: null,
    dataType: f.dataType,
    ...(f.length !== undefined ? { length: f.length } : {}),
    isHidden: false,
    isHtmlEncodingInEmail: !['currency', 'integer', 'float', 'percent', 'boolean'].includes(f.dataType),
    isSensitive: false,
    isCustom: f.custom,
    isApiCreated: false,
  };
}
