/**
 * Functions the project adds to JSONata for mappings. Everything that depends on the clock goes
 * through `clock` (and $now/$millis are re-bound to it) so fixtures and tests are deterministic.
 */
export type Clock = () => Date;

const DAY = 86_400_000;

// Due dates repeat across invoices: their day numbers are remembered (bounded).
const dayCache = new Map<string, number>();

function toUtcDay(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const s = String(v);
  const hit = dayCache.get(s);
  if (hit !== undefined) return hit;
  const day = parseUtcDay(s, v);
  if (dayCache.size >= 10_000) dayCache.clear();
  dayCache.set(s, day);
  return day;
}

function parseUtcDay(s: string, v: unknown): number {
  // Dates without a zone are calendar dates in the source system: compare them as UTC days.
  const d = /^\d{4}-\d{2}-\d{2}$/.test(s) ? new Date(`${s}T00:00:00Z`) : new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s}Z`);
  const t = d.getTime();
  if (Number.isNaN(t)) throw new Error(`not a date: ${JSON.stringify(v)}`);
  return Math.floor(t / DAY);
}

export const AGING_BUCKETS = ['current', '1_30', '31_60', '61_90', 'over_90'] as const;

export function agingBucket(daysOverdue: number): (typeof AGING_BUCKETS)[number] {
  if (daysOverdue <= 0) return 'current';
  if (daysOverdue <= 30) return '1_30';
  if (daysOverdue <= 60) return '31_60';
  if (daysOverdue <= 90) return '61_90';
  return 'over_90';
}

export interface MappingFunction {
  fn: (...args: never[]) => unknown;
  signature?: string;
  doc: string;
}

export function mappingFunctions(clock: Clock): Record<string, MappingFunction> {
  const today = () => Math.floor(clock().getTime() / DAY);
  return {
    now: { fn: () => clock().toISOString(), doc: 'The run clock as an ISO timestamp (replaces JSONata $now).' },
    millis: { fn: () => clock().getTime(), doc: 'The run clock in milliseconds (replaces JSONata $millis).' },
    today: { fn: () => new Date(today() * DAY).toISOString().slice(0, 10), doc: 'Today (UTC) as YYYY-MM-DD.' },
    toDate: {
      fn: ((v: unknown) => {
        const d = toUtcDay(v);
        return d === undefined ? undefined : new Date(d * DAY).toISOString().slice(0, 10);
      }) as MappingFunction['fn'],
      doc: 'A timestamp or date as YYYY-MM-DD.',
    },
    daysBetween: {
      fn: ((from: unknown, to: unknown) => {
        const a = toUtcDay(from);
        const b = toUtcDay(to);
        return a === undefined || b === undefined ? undefined : b - a;
      }) as MappingFunction['fn'],
      doc: 'Whole days from the first date to the second.',
    },
    daysOverdue: {
      fn: ((due: unknown) => {
        const d = toUtcDay(due);
        return d === undefined ? undefined : Math.max(0, today() - d);
      }) as MappingFunction['fn'],
      doc: 'Days past a due date (0 when not yet due).',
    },
    agingBucket: {
      fn: ((days: unknown) => (typeof days === 'number' ? agingBucket(days) : undefined)) as MappingFunction['fn'],
      doc: `The AR aging bucket of a days-overdue number: ${AGING_BUCKETS.join(', ')}.`,
    },
    aging: {
      fn: ((items: unknown, dueField: unknown, amountField: unknown) => {
        const out: Record<string, number> = Object.fromEntries(AGING_BUCKETS.map((b) => [b, 0]));
        const list = Array.isArray(items) ? items : items === undefined ? [] : [items];
        list.forEach((item, i) => {
          const r = item as Record<string, unknown> | null;
          const d = toUtcDay(r?.[String(dueField)]);
          const amount = r?.[String(amountField)];
          if (d === undefined || amount === undefined || amount === null) return;
          if (typeof amount !== 'number') throw new Error(`$aging: item ${i} has ${String(amountField)} ${JSON.stringify(amount)}, not a number`);
          out[agingBucket(Math.max(0, today() - d))] += amount;
        });
        for (const b of AGING_BUCKETS) out[b] = roundHalfEven(out[b], 2);
        return out;
      }) as MappingFunction['fn'],
      doc: `AR aging of a list in one pass: the sum of each item's amount field per bucket of its due date (${AGING_BUCKETS.join(', ')}), rounded to cents as $round does; items without a due date or amount are left out.`,
    },
    minBy: {
      fn: ((arr: unknown, field: unknown) => extremeBy(arr, String(field), -1)) as MappingFunction['fn'],
      doc: 'The element of an array with the smallest value of a field.',
    },
    maxBy: {
      fn: ((arr: unknown, field: unknown) => extremeBy(arr, String(field), 1)) as MappingFunction['fn'],
      doc: 'The element of an array with the largest value of a field.',
    },
    compact: {
      fn: ((obj: unknown) => compact(obj)) as MappingFunction['fn'],
      doc: 'An object without its null, undefined and empty-string members.',
    },
    coalesce: {
      fn: ((...vals: unknown[]) => vals.find((v) => v !== undefined && v !== null && v !== '')) as MappingFunction['fn'],
      doc: 'The first argument that is set.',
    },
  };
}

export const MAPPING_FUNCTION_NAMES = Object.keys(mappingFunctions(() => new Date(0)));

/** JSONata's $round: half to even, the decimal point shifted in the number's text, not by multiplying. */
export function roundHalfEven(x: number, decimals: number): number {
  // A whole number is its own rounding (the shifts below are exact while x·10^d stays below 2^53).
  if (Number.isInteger(x) && decimals >= 0 && decimals <= 2 && Math.abs(x) < 1e13) return x === 0 ? 0 : x;
  const shift = (v: number, by: number) => {
    const [m, e] = v.toString().split('e');
    return Number(`${m}e${(e ? Number(e) : 0) + by}`);
  };
  const v = shift(x, decimals);
  let r = Math.round(v);
  if (Math.abs(r - v) === 0.5 && Math.abs(r % 2) === 1) r -= 1;
  const out = shift(r, -decimals);
  return Object.is(out, -0) ? 0 : out;
}

function extremeBy(arr: unknown, field: string, sign: 1 | -1): unknown {
  const list = Array.isArray(arr) ? arr : arr === undefined ? [] : [arr];
  let best: unknown;
  let bestVal: unknown;
  for (const item of list) {
    const v = (item as Record<string, unknown>)?.[field];
    if (v === undefined || v === null) continue;
    if (best === undefined || (sign < 0 ? (v as number) < (bestVal as number) : (v as number) > (bestVal as number))) {
      best = item;
      bestVal = v;
    }
  }
  return best;
}

function compact(obj: unknown): unknown {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return obj;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined && v !== null && v !== '') out[k] = v;
  return out;
}
