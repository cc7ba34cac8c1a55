import { parseLooseDate } from './dates.js';
import type { Address, MainContact } from './records.js';
import { StoreError } from './store-error.js';

/** Checks for admin patches: a bad value is a 400 naming the field. */

export function requireDate(v: unknown, field: string): number {
  const t = parseLooseDate(v);
  if (t === null) throw new StoreError(`${field} must be an ISO date`);
  return t;
}

export function requireEnum<T extends string>(v: unknown, values: readonly T[], field: string): T {
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v))
    throw new StoreError(`${field} must be one of ${values.join(', ')}`);
  return v as T;
}

export function requireNumber(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new StoreError(`${field} must be a number`);
  return v;
}

export function optionalString(v: unknown, field: string): string | undefined {
  if (v === null) return undefined;
  if (typeof v !== 'string') throw new StoreError(`${field} must be a string or null`);
  return v;
}

export function requireObject(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new StoreError(`${field} must be an object`);
  return v as Record<string, unknown>;
}

/** Sets or (with null) removes an optional string property. */
export function setOptional<K extends string>(target: { [P in K]?: string }, key: K, v: unknown, field: string): void {
  const s = optionalString(v, field);
  // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- key is a declared optional property, not a map key
  if (s === undefined) delete target[key];
  else target[key] = s;
}

/** A partial mainAddress: address lines, postal code and city (null removes one), or the country. */
export function patchAddress(address: Address, v: unknown, field: string): void {
  for (const [k, value] of Object.entries(requireObject(v, field))) {
    if (k === 'addressLine1' || k === 'addressLine2' || k === 'postalCode' || k === 'city') {
      setOptional(address, k, value, `${field}.${k}`);
    } else if (k === 'country') {
      const co = requireObject(value, `${field}.country`);
      address.country = { id: String(co.id), name: String(co.name ?? co.id) };
    } else throw new StoreError(`unknown field ${field}.${k}`);
  }
}

/** A partial mainContact: name, email, web, phone1 (null removes one). */
export function patchContact(contact: MainContact, v: unknown, field: string): void {
  for (const [k, value] of Object.entries(requireObject(v, field))) {
    if (k === 'name' || k === 'email' || k === 'web' || k === 'phone1') setOptional(contact, k, value, `${field}.${k}`);
    else throw new StoreError(`unknown field ${field}.${k}`);
  }
}
