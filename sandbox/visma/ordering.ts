/** API order: keys are numeric strings (customer, supplier and reference numbers). */

export function byNumeric(a: string, b: string): number {
  return Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Inserts keeping `list` in key order. */
export function insertSorted<T>(list: T[], item: T, key: (x: T) => string): void {
  const k = key(item);
  // Fast path: new numbers are normally the highest.
  if (list.length === 0 || byNumeric(key(list[list.length - 1]), k) < 0) {
    list.push(item);
    return;
  }
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (byNumeric(key(list[mid]), k) < 0) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, item);
}
