import { queryInt, ValidationError } from './values.js';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 500;

/** A position in a sorted list: the sort value and id of the last item a page returned. */
type Key = readonly [number, number];

/** v2's `limit` (default 100, at most 500: more is refused, not capped). */
export function v2Limit(v: string | undefined): number {
  return queryInt(v, 'limit', 1, MAX_LIMIT) ?? DEFAULT_LIMIT;
}

function encode(key: Key): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decode(cursor: string): Key {
  try {
    const k = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(k) && k.length === 2 && k.every((n) => typeof n === 'number')) return [k[0], k[1]];
  } catch {
    // falls through to the refusal
  }
  throw new ValidationError('cursor: not a cursor this API returned');
}

function compare(a: Key, b: Key): number {
  return a[0] - b[0] || a[1] - b[1];
}

/**
 * One v2 page: the items after the cursor's position in the sort order, and `next_cursor` (null on
 * the last page). The cursor is a position, not an offset, so writes between pages shift nothing.
 */
export function cursorPage<T>(
  items: T[],
  keyOf: (t: T) => Key,
  desc: boolean,
  cursor: string | undefined,
  limit: number,
): { items: T[]; next_cursor: string | null } {
  const sign = desc ? -1 : 1;
  const sorted = [...items].sort((a, b) => sign * compare(keyOf(a), keyOf(b)));
  const from = cursor ? decode(cursor) : undefined;
  const rest = from ? sorted.filter((t) => sign * compare(keyOf(t), from) > 0) : sorted;
  const page = rest.slice(0, limit);
  const more = rest.length > limit;
  return { items: page, next_cursor: more ? encode(keyOf(page[page.length - 1])) : null };
}

/** One v1 page (`start`, `limit` at most 500) and its `additional_data.pagination`. */
export function offsetPage<T>(items: T[], startParam: string | undefined, limitParam: string | undefined) {
  const start = queryInt(startParam, 'start') ?? 0;
  const limit = Math.min(queryInt(limitParam, 'limit', 1) ?? DEFAULT_LIMIT, MAX_LIMIT);
  const page = items.slice(start, start + limit);
  const more = start + limit < items.length;
  const pagination: Record<string, unknown> = { start, limit, more_items_in_collection: more };
  if (more) pagination.next_start = start + limit;
  return { items: page, additional: { pagination } };
}
