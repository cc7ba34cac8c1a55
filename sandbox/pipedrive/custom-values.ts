import { isRecord } from '../framework/types.js';
import type { FieldDef } from './fields.js';
import { date, int, num, object, str, ValidationError } from './values.js';

const TIME = /^\d{2}:\d{2}(:\d{2})?$/;

/**
 * One custom field value in the v2 wire format (targets.md 2.2): enum an option id, set an array of
 * option ids (cleared with null, not []), monetary `{value, currency}`, address `{value, ...}`,
 * date `YYYY-MM-DD`. null clears any field.
 */
export function customValue(def: FieldDef, v: unknown): unknown {
  const field = `custom_fields.${def.key}`;
  if (v === null) return null;
  switch (def.type) {
    case 'text':
      return str(v, field, 65_535);
    case 'double':
      return num(v, field);
    case 'monetary':
      return monetary(v, field);
    case 'date':
      return date(v, field);
    case 'time':
      if (typeof v !== 'string' || !TIME.test(v)) throw new ValidationError(`${field}: must be a time HH:MM:SS`);
      return v;
    case 'enum':
      return optionId(def, v, field);
    case 'set':
      return optionIds(def, v, field);
    case 'address':
      return address(v, field);
    case 'org':
    case 'people':
    case 'user':
      return int(v, field);
    case 'daterange':
    case 'timerange':
      return object(v, field);
    default:
      return str(v, field);
  }
}

function monetary(v: unknown, field: string): Record<string, unknown> {
  const o = object(v, field);
  const out: Record<string, unknown> = { value: num(o.value, `${field}.value`) };
  if (o.currency !== undefined) out.currency = str(o.currency, `${field}.currency`, 3);
  return out;
}

function address(v: unknown, field: string): Record<string, unknown> {
  const o = object(v, field);
  str(o.value, `${field}.value`);
  return { ...o };
}

function optionId(def: FieldDef, v: unknown, field: string): number {
  const id = int(v, field);
  if (!def.options?.some((o) => o.id === id))
    throw new ValidationError(`${field}: ${id} is not an option of ${def.name}`);
  return id;
}

function optionIds(def: FieldDef, v: unknown, field: string): number[] {
  if (!Array.isArray(v)) throw new ValidationError(`${field}: must be an array of option ids`);
  if (v.length === 0) throw new ValidationError(`${field}: use null, not an empty array, to clear a set field`);
  return v.map((x, i) => optionId(def, x, `${field}[${i}]`));
}

/**
 * Validates a body's `custom_fields` against the entity's definitions and merges it into the stored
 * values. Keys must be the per-account hash keys: a field's name is not a key.
 */
export function mergeCustomFields(
  defs: FieldDef[],
  input: unknown,
  stored: Record<string, unknown>,
): Record<string, unknown> {
  if (input === undefined) return stored;
  if (!isRecord(input)) throw new ValidationError('custom_fields: must be an object keyed by field key');
  let out = { ...stored };
  for (const [key, v] of Object.entries(input)) {
    const def = defs.find((d) => d.key === key && d.custom);
    if (!def) throw new ValidationError(`custom_fields.${key}: no custom field has this key`);
    const value = customValue(def, v);
    if (value === null) {
      const { [key]: _cleared, ...rest } = out;
      out = rest;
    } else out[key] = value;
  }
  return out;
}

/** The `custom_fields` of an answer: set keys only, or every custom field (null when unset); `only` narrows it. */
export function renderCustomFields(
  defs: FieldDef[],
  stored: Record<string, unknown>,
  mode: 'set' | 'all',
  only?: ReadonlySet<string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const d of defs) {
    if (!d.custom || (only && !only.has(d.key))) continue;
    const v = stored[d.key];
    if (v !== undefined) out[d.key] = structuredClone(v);
    else if (mode === 'all') out[d.key] = null;
  }
  return out;
}

/** The text search compares a custom field value as (address and monetary by their `value`). */
export function searchableText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (isRecord(v) && (typeof v.value === 'string' || typeof v.value === 'number')) return String(v.value);
  return undefined;
}
