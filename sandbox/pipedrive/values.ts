import { isRecord } from '../framework/types.js';

/** A value v2 refused; its message names the field. */
export class ValidationError extends Error {}

/** v2 timestamps: RFC 3339 in UTC without milliseconds (`2026-01-01T00:00:00Z`). */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** v1 timestamps: `YYYY-MM-DD HH:MM:SS` in UTC. */
export function v1Time(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Epoch ms of an RFC 3339 timestamp; anything else (a v1-style `2026-01-01 10:00:00`, a date) is refused. */
export function parseRfc3339(v: string, field: string): number {
  const ms = RFC3339.test(v) ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(ms)) throw new ValidationError(`${field}: must be an RFC 3339 date-time, e.g. 2026-01-01T00:00:00Z`);
  return ms;
}

export function isDate(v: unknown): v is string {
  return typeof v === 'string' && DATE.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`));
}

// Strict v2 checks: booleans are true/false (not 1/0, not "true"), numbers are not coerced from strings.

export function str(v: unknown, field: string, max = 255): string {
  if (typeof v !== 'string') throw new ValidationError(`${field}: must be a string`);
  if (v.length > max) throw new ValidationError(`${field}: must be at most ${max} characters`);
  return v;
}

export function nonEmpty(v: unknown, field: string, max = 255): string {
  const s = str(v, field, max);
  if (s.trim() === '') throw new ValidationError(`${field}: must not be empty`);
  return s;
}

export function num(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValidationError(`${field}: must be a number`);
  return v;
}

export function int(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ValidationError(`${field}: must be an integer`);
  return v;
}

export function intOrNull(v: unknown, field: string): number | null {
  return v === null ? null : int(v, field);
}

export function bool(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') throw new ValidationError(`${field}: must be a boolean (true or false)`);
  return v;
}

export function date(v: unknown, field: string): string {
  if (!isDate(v)) throw new ValidationError(`${field}: must be a date in YYYY-MM-DD format`);
  return v;
}

export function oneOf<T extends string | number>(v: unknown, allowed: readonly T[], field: string): T {
  if (!allowed.includes(v as T)) throw new ValidationError(`${field}: must be one of ${allowed.join(', ')}`);
  return v as T;
}

export function intArray(v: unknown, field: string): number[] {
  if (!Array.isArray(v)) throw new ValidationError(`${field}: must be an array of integers`);
  return v.map((x, i) => int(x, `${field}[${i}]`));
}

export function object(v: unknown, field: string): Record<string, unknown> {
  if (!isRecord(v)) throw new ValidationError(`${field}: must be an object`);
  return v;
}

/** The query string's strict booleans: `true` or `false` only (v2 refuses 1/0). */
export function queryBool(v: string | undefined, field: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new ValidationError(`${field}: must be true or false`);
}

/** A query integer; v2 refuses anything else. */
export function queryInt(
  v: string | undefined,
  field: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw new ValidationError(`${field}: must be an integer`);
  const n = Number(v);
  if (n < min || n > max) throw new ValidationError(`${field}: must be between ${min} and ${max}`);
  return n;
}
