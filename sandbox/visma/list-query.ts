import type { QueryParams } from '../framework/types.js';
import { intParam } from '../framework/query.js';
import { parseFilterDate } from './dates.js';

/** A filter or paging parameter the API refuses (400 with the IPP error body). */
export class FilterError extends Error {}

export type Predicate<T> = (r: T) => boolean;

const OPERATORS = ['>', '<', '>=', '<='] as const;
type Operator = (typeof OPERATORS)[number];

const ACCEPTED =
  'yyyy-MM-dd, yyyy-MM-dd HH:mm:ss, yyyy-MM-dd HH:mm:ss.FFF, yyyy-MM-ddTHH:mm:ss, yyyy-MM-ddTHH:mm:ss.FFF';

function compare(op: Operator, a: number, b: number): boolean {
  switch (op) {
    case '>':
      return a > b;
    case '<':
      return a < b;
    case '>=':
      return a >= b;
    case '<=':
      return a <= b;
  }
}

/**
 * `<param>` + `<param>Condition` pair (e.g. lastModifiedDateTime + lastModifiedDateTimeCondition).
 * They are mutually inclusive: one without the other is an error.
 */
export function dateCondition<T>(
  query: QueryParams,
  param: string,
  get: (r: T) => number,
  offsetMinutes: number,
): { predicate: Predicate<T>; key: string } | null {
  const c = conditionPair(query, param);
  if (!c) return null;
  const at = parseFilterDate(c.value, offsetMinutes);
  if (at === null) throw new FilterError(`Invalid value '${c.value}' for ${param}. Accepted formats: ${ACCEPTED}.`);
  return { predicate: (r) => compare(c.op, get(r), at), key: `${param}${c.op}${at}` };
}

/** The value and operator of a `<param>` + `<param>Condition` pair, or null when neither is given. */
function conditionPair(query: QueryParams, param: string): { value: string; op: Operator } | null {
  const value = query[param];
  const cond = query[`${param}Condition`];
  if (value === undefined && cond === undefined) return null;
  if (value === undefined || value === '') throw new FilterError(`${param}Condition requires ${param}.`);
  if (cond === undefined || cond === '')
    throw new FilterError(`${param} requires ${param}Condition (one of >, <, >=, <=).`);
  if (!(OPERATORS as readonly string[]).includes(cond)) {
    throw new FilterError(`Invalid ${param}Condition '${cond}'. Valid operators are >, <, >=, <=.`);
  }
  return { value, op: cond as Operator };
}

/** `<param>` + `<param>Condition` on a number (the supplier invoice list's balance), mutually inclusive too. */
export function numberCondition<T>(
  query: QueryParams,
  param: string,
  get: (r: T) => number,
): { predicate: Predicate<T>; key: string } | null {
  const c = conditionPair(query, param);
  if (!c) return null;
  const at = Number(c.value);
  if (!Number.isFinite(at)) throw new FilterError(`Invalid value '${c.value}' for ${param}. It must be a number.`);
  return { predicate: (r) => compare(c.op, get(r), at), key: `${param}${c.op}${at}` };
}

/** A plain equality filter on a string property (e.g. financialPeriod=202605). */
export function equalsFilter<T>(
  query: QueryParams,
  param: string,
  get: (r: T) => string,
): { predicate: Predicate<T>; key: string } | null {
  const v = query[param];
  if (v === undefined || v === '') return null;
  return { predicate: (r) => get(r) === v, key: `${param}=${v}` };
}

export function enumFilter<T>(
  query: QueryParams,
  param: string,
  values: readonly string[],
  get: (r: T) => string,
): { predicate: Predicate<T>; key: string } | null {
  const v = query[param];
  if (v === undefined || v === '') return null;
  if (!values.includes(v))
    throw new FilterError(`Invalid value '${v}' for ${param}. Valid values: ${values.join(', ')}.`);
  return { predicate: (r) => get(r) === v, key: `${param}=${v}` };
}

export interface Paging {
  pageNumber: number;
  pageSize: number;
  maxPageSize: number;
}

/** pageNumber is 1-based; pageSize above the maximum is silently capped (documented behaviour). */
export function parsePaging(query: QueryParams, defaultPageSize: number, maxPageSize: number): Paging {
  const pn = intParam(query.pageNumber);
  const ps = intParam(query.pageSize);
  if (pn !== undefined && (!Number.isInteger(pn) || pn < 1))
    throw new FilterError(`Invalid pageNumber '${query.pageNumber}'. It must be a positive integer.`);
  if (ps !== undefined && (!Number.isInteger(ps) || ps < 1))
    throw new FilterError(`Invalid pageSize '${query.pageSize}'. It must be a positive integer.`);
  return { pageNumber: pn ?? 1, pageSize: Math.min(ps ?? defaultPageSize, maxPageSize), maxPageSize };
}

/**
 * Remembers filtered result lists per (resource, filter) for the current data version,
 * so walking the pages of one delta query scans the data once, not once per page.
 */
export class FilterCache<T> {
  private readonly entries = new Map<string, { version: number; items: readonly T[] }>();

  constructor(private readonly capacity = 16) {}

  get(key: string, version: number, compute: () => readonly T[]): readonly T[] {
    const hit = this.entries.get(key);
    if (hit && hit.version === version) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.items;
    }
    const items = compute();
    this.entries.set(key, { version, items });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return items;
  }
}

export function applyPredicates<T>(items: readonly T[], predicates: Predicate<T>[]): readonly T[] {
  if (predicates.length === 0) return items;
  const out: T[] = [];
  outer: for (const r of items) {
    for (const p of predicates) if (!p(r)) continue outer;
    out.push(r);
  }
  return out;
}
