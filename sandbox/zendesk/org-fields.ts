import { isRecord, textOf } from '../framework/types.js';
import type { ErrorDetails } from './errors.js';

export const FIELD_TYPES = [
  'text',
  'textarea',
  'checkbox',
  'date',
  'integer',
  'decimal',
  'regexp',
  'dropdown',
  'lookup',
  'multiselect',
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export interface FieldOption {
  id: number;
  name: string;
  value: string;
  position: number;
}

export interface OrgField {
  id: number;
  key: string;
  type: FieldType;
  title: string;
  description: string;
  position: number;
  active: boolean;
  regexp_for_validation: string | null;
  custom_field_options?: FieldOption[];
  relationship_target_type?: string;
  createdMs: number;
  updatedMs: number;
}

/** Stored custom-field value after type coercion. */
export type FieldValue = string | number | boolean | string[] | null;

export type Coerced = { ok: true; value: FieldValue } | { ok: false; message: string };

export interface FieldStoreState {
  fields: OrgField[];
  nextId: number;
  nextOptionId: number;
}

const KEY_RE = /^[A-Za-z0-9_]+$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/;

function isValidDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/** Validates a value against its field's type and normalises it the way Zendesk stores it. */
export function coerceFieldValue(f: OrgField, v: unknown): Coerced {
  if (v === null || (v === '' && f.type !== 'text' && f.type !== 'textarea')) return { ok: true, value: null };
  const bad = (what: string): Coerced => ({ ok: false, message: `${f.title}: ${JSON.stringify(v)} is not ${what}` });
  switch (f.type) {
    case 'text':
    case 'textarea':
      if (typeof v === 'string') return { ok: true, value: v };
      if (typeof v === 'number' && Number.isFinite(v)) return { ok: true, value: String(v) };
      return bad('text');
    case 'checkbox':
      return typeof v === 'boolean' ? { ok: true, value: v } : bad('a boolean');
    case 'integer': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
      return Number.isSafeInteger(n) ? { ok: true, value: n } : bad('an integer');
    }
    case 'decimal': {
      const n =
        typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?(\d+\.?\d*|\.\d+)\s*$/.test(v) ? Number(v) : NaN;
      return Number.isFinite(n) ? { ok: true, value: n } : bad('a number');
    }
    case 'date': {
      const m = typeof v === 'string' ? DATE_RE.exec(v) : null;
      if (!m || !isValidDate(Number(m[1]), Number(m[2]), Number(m[3]))) return bad('a date (YYYY-MM-DD)');
      return { ok: true, value: `${m[1]}-${m[2]}-${m[3]}` };
    }
    case 'regexp': {
      if (typeof v !== 'string') return bad('text');
      const re = f.regexp_for_validation ? new RegExp(f.regexp_for_validation) : null;
      return !re || re.test(v) ? { ok: true, value: v } : bad(`matching ${f.regexp_for_validation}`);
    }
    case 'dropdown': {
      const values = (f.custom_field_options ?? []).map((o) => o.value);
      return typeof v === 'string' && values.includes(v) ? { ok: true, value: v } : bad(`one of ${values.join(', ')}`);
    }
    case 'multiselect': {
      const values = (f.custom_field_options ?? []).map((o) => o.value);
      const list = typeof v === 'string' ? [v] : v;
      if (!Array.isArray(list) || !list.every((x) => typeof x === 'string' && values.includes(x)))
        return bad(`a list of ${values.join(', ')}`);
      return { ok: true, value: [...new Set(list as string[])] };
    }
    case 'lookup': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
      return Number.isSafeInteger(n) && n > 0 ? { ok: true, value: n } : bad('a record id');
    }
  }
}

/** Custom organization field definitions (`/api/v2/organization_fields`). */
export class OrgFieldStore {
  private fields: OrgField[] = [];
  private nextId = 360_000_000_001;
  private nextOptionId = 361_000_000_001;

  constructor(state?: FieldStoreState) {
    if (state) {
      this.fields = state.fields;
      this.nextId = state.nextId;
      this.nextOptionId = state.nextOptionId;
    }
  }

  /** Ordered by position, then id. */
  list(): OrgField[] {
    return [...this.fields].sort((a, b) => a.position - b.position || a.id - b.id);
  }

  get(id: number): OrgField | undefined {
    return this.fields.find((f) => f.id === id);
  }

  byKey(key: string): OrgField | undefined {
    return this.fields.find((f) => f.key === key);
  }

  create(input: unknown, nowMs: number): { field: OrgField } | { errors: ErrorDetails } {
    if (!isRecord(input))
      return { errors: { base: [{ description: 'organization_field is required', error: 'InvalidValue' }] } };
    const errors: ErrorDetails = {};
    const type = input.type ?? 'text';
    if (typeof type !== 'string' || !(FIELD_TYPES as readonly string[]).includes(type)) {
      errors.type = [{ description: `Type: ${textOf(type)} is not a valid field type`, error: 'InvalidValue' }];
    }
    const title = typeof input.title === 'string' ? input.title.trim() : '';
    if (!title) errors.title = [{ description: 'Title: cannot be blank', error: 'BlankValue' }];
    const key = typeof input.key === 'string' ? input.key : '';
    if (!key) errors.key = [{ description: 'Key: cannot be blank', error: 'BlankValue' }];
    else if (!KEY_RE.test(key))
      errors.key = [
        { description: `Key: ${key} is invalid (letters, digits and underscores only)`, error: 'InvalidValue' },
      ];
    else if (this.byKey(key))
      errors.key = [{ description: `Key: ${key} has already been taken`, error: 'DuplicateValue' }];
    const options = this.parseOptions(input.custom_field_options, errors);
    if ((type === 'dropdown' || type === 'multiselect') && (!options || options.length === 0)) {
      errors.custom_field_options = [
        { description: 'Custom field options: a dropdown needs at least one option', error: 'BlankValue' },
      ];
    }
    const regexp = typeof input.regexp_for_validation === 'string' ? input.regexp_for_validation : null;
    if (type === 'regexp') {
      if (!regexp)
        errors.regexp_for_validation = [{ description: 'Regexp for validation: cannot be blank', error: 'BlankValue' }];
      else if (!validRegexp(regexp))
        errors.regexp_for_validation = [{ description: 'Regexp for validation: is invalid', error: 'InvalidValue' }];
    }
    if (Object.keys(errors).length > 0) return { errors };
    const f: OrgField = {
      id: this.nextId++,
      key,
      type: type as FieldType,
      title,
      description: typeof input.description === 'string' ? input.description : '',
      position: typeof input.position === 'number' ? input.position : this.fields.length,
      active: input.active === false ? false : true,
      regexp_for_validation: type === 'regexp' ? regexp : null,
      ...(options ? { custom_field_options: options } : {}),
      ...(typeof input.relationship_target_type === 'string'
        ? { relationship_target_type: input.relationship_target_type }
        : {}),
      createdMs: nowMs,
      updatedMs: nowMs,
    };
    this.fields.push(f);
    return { field: f };
  }

  /** Key and type cannot change. Options are replaced wholesale (documented). */
  update(
    id: number,
    input: unknown,
    nowMs: number,
  ): { field: OrgField; removedOptions: string[] } | { errors: ErrorDetails } | null {
    const f = this.get(id);
    if (!f) return null;
    if (!isRecord(input))
      return { errors: { base: [{ description: 'organization_field is required', error: 'InvalidValue' }] } };
    const errors: ErrorDetails = {};
    if (input.title !== undefined && (typeof input.title !== 'string' || !input.title.trim()))
      errors.title = [{ description: 'Title: cannot be blank', error: 'BlankValue' }];
    const options =
      input.custom_field_options !== undefined
        ? this.parseOptions(input.custom_field_options, errors, f.custom_field_options)
        : undefined;
    if (
      input.regexp_for_validation !== undefined &&
      f.type === 'regexp' &&
      (typeof input.regexp_for_validation !== 'string' || !validRegexp(input.regexp_for_validation))
    ) {
      errors.regexp_for_validation = [{ description: 'Regexp for validation: is invalid', error: 'InvalidValue' }];
    }
    if (Object.keys(errors).length > 0) return { errors };
    if (typeof input.title === 'string') f.title = input.title.trim();
    if (typeof input.description === 'string') f.description = input.description;
    if (typeof input.active === 'boolean') f.active = input.active;
    if (typeof input.position === 'number') f.position = input.position;
    if (typeof input.regexp_for_validation === 'string' && f.type === 'regexp')
      f.regexp_for_validation = input.regexp_for_validation;
    let removedOptions: string[] = [];
    if (options) {
      const kept = new Set(options.map((o) => o.value));
      removedOptions = (f.custom_field_options ?? []).map((o) => o.value).filter((v) => !kept.has(v));
      f.custom_field_options = options;
    }
    f.updatedMs = nowMs;
    return { field: f, removedOptions };
  }

  delete(id: number): OrgField | undefined {
    const i = this.fields.findIndex((f) => f.id === id);
    if (i < 0) return undefined;
    return this.fields.splice(i, 1)[0];
  }

  private parseOptions(raw: unknown, errors: ErrorDetails, existing: FieldOption[] = []): FieldOption[] | undefined {
    if (raw === undefined || raw === null) return undefined;
    if (!Array.isArray(raw)) {
      errors.custom_field_options = [{ description: 'Custom field options: must be a list', error: 'InvalidValue' }];
      return undefined;
    }
    const out: FieldOption[] = [];
    const seen = new Set<string>();
    for (const [i, o] of raw.entries()) {
      if (!isRecord(o) || typeof o.name !== 'string' || typeof o.value !== 'string' || !o.name || !o.value) {
        errors.custom_field_options = [
          { description: 'Custom field options: each option needs a name and a value', error: 'InvalidValue' },
        ];
        return undefined;
      }
      if (seen.has(o.value)) {
        errors.custom_field_options = [
          { description: `Custom field options: value ${o.value} is used twice`, error: 'DuplicateValue' },
        ];
        return undefined;
      }
      seen.add(o.value);
      const prev = existing.find((e) => e.value === o.value);
      out.push({ id: prev?.id ?? this.nextOptionId++, name: o.name, value: o.value, position: i });
    }
    return out;
  }

  toState(): FieldStoreState {
    return { fields: this.fields, nextId: this.nextId, nextOptionId: this.nextOptionId };
  }
}

function validRegexp(s: string): boolean {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
}

export function renderField(f: OrgField, origin: string): Record<string, unknown> {
  return {
    id: f.id,
    url: `${origin}/api/v2/organization_fields/${f.id}.json`,
    key: f.key,
    type: f.type,
    title: f.title,
    raw_title: f.title,
    description: f.description,
    raw_description: f.description,
    position: f.position,
    active: f.active,
    system: false,
    regexp_for_validation: f.regexp_for_validation,
    ...(f.custom_field_options
      ? {
          custom_field_options: f.custom_field_options.map((o) => ({
            id: o.id,
            name: o.name,
            raw_name: o.name,
            value: o.value,
            position: o.position,
          })),
        }
      : {}),
    ...(f.relationship_target_type ? { relationship_target_type: f.relationship_target_type } : {}),
    created_at: isoSeconds(f.createdMs),
    updated_at: isoSeconds(f.updatedMs),
  };
}

/** Zendesk timestamps: ISO 8601 UTC without milliseconds. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
