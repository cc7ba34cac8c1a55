/**
 * Functions the project adds to JSONata for mappings. Everything that depends on the clock goes
 * through `clock` (and $now/$millis are re-bound to it) so fixtures and tests are deterministic.
 * Each has a declared signature, checked at every call (compiled or interpreted alike) and by lint.
 */
import { plainText } from '../util/text.js';
import {
  arityOf,
  arityProblem,
  MAPPING_FUNCTION_SIGNATURES,
  usageOf,
  type ArgType,
} from '../config/jsonata-vocabulary.js';

export type Clock = () => Date;

/** Part of every flow's fingerprint: bump it when a function's result changes, so every record is re-mapped once. */
export const MAPPING_FUNCTIONS_VERSION = 1;

const DAY = 86_400_000;

// Signatures are declared in config/jsonata-vocabulary.ts (lint reads them there too).
export {
  arityOf,
  arityProblem,
  MAPPING_FUNCTION_NAMES,
  MAPPING_FUNCTION_SIGNATURES,
  usageOf,
} from '../config/jsonata-vocabulary.js';
export type { Arity, Param } from '../config/jsonata-vocabulary.js';

function typeOf(v: unknown): ArgType | 'function' | 'undefined' {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  const t = typeof v;
  return t === 'string' || t === 'number' || t === 'boolean' || t === 'function' || t === 'undefined' ? t : 'object';
}

/** A value as an error message shows it: short, and never the whole record. */
export function describeValue(v: unknown): string {
  switch (typeOf(v)) {
    case 'undefined':
      return 'nothing';
    case 'null':
      return 'null';
    case 'string': {
      const s = v as string;
      return `the text ${JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}...` : s)}`;
    }
    case 'number':
    case 'boolean':
      return `the ${typeof v} ${String(v)}`;
    case 'array':
      return 'a list';
    case 'function':
      return 'a function';
    default:
      return 'an object';
  }
}

const TYPE_WORDS: Record<ArgType, string> = {
  string: 'a text',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  null: 'null',
};

/**
 * The function as JSONata calls it, refusing a call its signature does not allow: a missing
 * argument would otherwise read as "nothing" and give a plausible wrong answer (all-zero aging).
 */
function checked(name: string, impl: (...args: never[]) => unknown): MappingFunction['fn'] {
  const params = MAPPING_FUNCTION_SIGNATURES[name];
  const arity = arityOf(params);
  const usage = usageOf(name, params);
  return (...args: unknown[]) => {
    const wrongCount = arityProblem(name, arity, args.length, usage);
    if (wrongCount) throw new Error(wrongCount);
    for (let i = 0; i < args.length; i++) {
      const p = params[Math.min(i, params.length - 1)];
      const v = args[i];
      const t = typeOf(v);
      if (t === 'undefined' ? !p.required : p.types === 'any' || (p.types as string[]).includes(t)) continue;
      const want =
        p.types === 'any'
          ? 'a value'
          : p.types
              .filter((x) => x !== 'null')
              .map((x) => TYPE_WORDS[x])
              .join(' or ');
      throw new Error(`${usage}: ${p.name} must be ${want}, got ${describeValue(v)}`);
    }
    return (impl as (...a: unknown[]) => unknown)(...args);
  };
}

// ---- dates ----

// An ISO 8601 calendar date, optionally with a time and a UTC offset. Nothing else: 01/10/2026
// is 1 October or 10 January depending on who wrote it, so it is refused, never guessed.
const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([zZ])|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;

/** The UTC day number of an ISO 8601 date or date-time; undefined for a date that is not there. */
function parseUtcDay(s: string): number | undefined {
  const m = ISO_DATE.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, hh = '0', mi = '0', ss = '0', frac = '', , sign, oh = '0', om = '0'] = m;
  const t = new Date(0);
  t.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  // setUTCFullYear rolls 30 February over into March: a date that moved did not exist.
  if (t.getUTCMonth() !== Number(mo) - 1 || t.getUTCDate() !== Number(d)) return undefined;
  if (Number(hh) > 23 || Number(mi) > 59 || Number(ss) > 59 || Number(oh) > 23 || Number(om) > 59) return undefined;
  t.setUTCHours(Number(hh), Number(mi), Number(ss), Math.floor(Number(`0.${frac || '0'}`) * 1000));
  // Without an offset the time is the source system's calendar time, compared as UTC.
  const offset = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000 : 0;
  return Math.floor((t.getTime() - offset) / DAY);
}

// Due dates repeat across invoices: their day numbers are remembered (bounded).
const dayCache = new Map<string, number>();

/** The UTC day of a date argument; undefined when there is none (null, nothing or ""). */
function toUtcDay(v: unknown, what: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') {
    const hit = dayCache.get(v);
    if (hit !== undefined) return hit;
    const day = parseUtcDay(v);
    if (day !== undefined) {
      if (dayCache.size >= 10_000) dayCache.clear();
      dayCache.set(v, day);
      return day;
    }
  }
  throw new Error(
    `${what} is ${describeValue(v)}, not an ISO 8601 date (2026-10-01, or a date-time such as 2026-10-01T00:00:00Z)`,
  );
}

export const AGING_BUCKETS = ['current', '1_30', '31_60', '61_90', 'over_90'] as const;

export function agingBucket(daysOverdue: number): (typeof AGING_BUCKETS)[number] {
  if (daysOverdue <= 0) return 'current';
  if (daysOverdue <= 30) return '1_30';
  if (daysOverdue <= 60) return '31_60';
  if (daysOverdue <= 90) return '61_90';
  return 'over_90';
}

/** A sum rounded to cents, never a non-number: an amount is written exactly or the record fails. */
function roundCents(x: number, what: string): number {
  if (!Number.isFinite(x)) throw new Error(`${what} adds up to more than the largest number (${x})`);
  const r = roundHalfEven(x, 2);
  // Past ~1e306 the decimal shift overflows; such a number is a whole number, already in cents.
  return Number.isFinite(r) ? r : x;
}

export interface MappingFunction {
  fn: (...args: never[]) => unknown;
  doc: string;
  /** Its answer changes with the run clock (a filter using it cannot choose what to keep for good) */
  readsClock?: boolean;
}

export function mappingFunctions(clock: Clock): Record<string, MappingFunction> {
  const today = () => Math.floor(clock().getTime() / DAY);
  const fns: Record<string, { impl: (...args: never[]) => unknown; doc: string; readsClock?: boolean }> = {
    now: {
      impl: () => clock().toISOString(),
      doc: 'The run clock as an ISO timestamp (replaces JSONata $now).',
      readsClock: true,
    },
    millis: {
      impl: () => clock().getTime(),
      doc: 'The run clock in milliseconds (replaces JSONata $millis).',
      readsClock: true,
    },
    today: {
      impl: () => new Date(today() * DAY).toISOString().slice(0, 10),
      doc: 'Today (UTC) as YYYY-MM-DD.',
      readsClock: true,
    },
    toDate: {
      impl: (v: unknown) => {
        const d = toUtcDay(v, '$toDate: date');
        return d === undefined ? undefined : new Date(d * DAY).toISOString().slice(0, 10);
      },
      doc: 'An ISO 8601 date or date-time as YYYY-MM-DD (its UTC day).',
    },
    daysBetween: {
      impl: (from: unknown, to: unknown) => {
        const a = toUtcDay(from, '$daysBetween: from');
        const b = toUtcDay(to, '$daysBetween: to');
        return a === undefined || b === undefined ? undefined : b - a;
      },
      doc: 'Whole days from the first date to the second.',
    },
    daysOverdue: {
      impl: (due: unknown) => {
        const d = toUtcDay(due, '$daysOverdue: due');
        // No due date: nothing is overdue (the same rule as $aging's).
        return d === undefined ? 0 : Math.max(0, today() - d);
      },
      doc: 'Days past a due date (0 when not yet due, or when there is no due date).',
      readsClock: true,
    },
    agingBucket: {
      impl: (days: unknown) => {
        if (days === undefined) return undefined;
        if (!Number.isFinite(days)) throw new Error(`$agingBucket: days is ${plainText(days)}, not a number of days`);
        return agingBucket(days as number);
      },
      doc: `The AR aging bucket of a days-overdue number: ${AGING_BUCKETS.join(', ')}.`,
    },
    aging: {
      impl: (items: unknown, dueField: string, amountField: string) => {
        const out: Record<string, number> = Object.fromEntries(AGING_BUCKETS.map((b) => [b, 0]));
        const list = Array.isArray(items) ? items : items === undefined || items === null ? [] : [items];
        list.forEach((item, i) => {
          if (typeOf(item) !== 'object') throw new Error(`$aging: item ${i} is ${describeValue(item)}, not an object`);
          const r = item as Record<string, unknown>;
          const amount = r[amountField];
          if (amount === undefined || amount === null) return;
          if (typeof amount !== 'number')
            throw new Error(`$aging: item ${i} has ${amountField} ${JSON.stringify(amount)}, not a number`);
          const d = toUtcDay(r[dueField], `$aging: item ${i}'s ${dueField}`);
          // Without a due date nothing is overdue: the amount counts as current, so the buckets
          // always add up to the whole balance.
          out[d === undefined ? 'current' : agingBucket(Math.max(0, today() - d))] += amount;
        });
        for (const b of AGING_BUCKETS) out[b] = roundCents(out[b], `$aging: the ${b} bucket`);
        return out;
      },
      doc: `AR aging of a list in one pass: the sum of each item's amount field per bucket of its due date (${AGING_BUCKETS.join(', ')}), rounded to cents as $round does; an item without a due date counts as current, one without an amount is left out.`,
      readsClock: true,
    },
    minBy: {
      impl: (arr: unknown, field: string) => extremeBy('minBy', arr, field, -1),
      doc: 'The element of an array with the smallest value of a field.',
    },
    maxBy: {
      impl: (arr: unknown, field: string) => extremeBy('maxBy', arr, field, 1),
      doc: 'The element of an array with the largest value of a field.',
    },
    compact: {
      impl: (obj: unknown) => compact(obj),
      doc: 'An object without its null, undefined and empty-string members.',
    },
    coalesce: {
      impl: (...vals: unknown[]) => vals.find((v) => v !== undefined && v !== null && v !== ''),
      doc: 'The first argument that is set.',
    },
  };
  return Object.fromEntries(
    Object.entries(fns).map(([name, f]) => [
      name,
      { fn: checked(name, f.impl), doc: f.doc, ...(f.readsClock ? { readsClock: true } : {}) },
    ]),
  );
}

/** The mapping functions whose answers change with the run clock. */
export const CLOCK_FUNCTION_NAMES = Object.entries(mappingFunctions(() => new Date(0)))
  .filter(([, f]) => f.readsClock)
  .map(([name]) => name);
const CLOCK_CALL = new RegExp(`\\$(${CLOCK_FUNCTION_NAMES.join('|')})\\s*\\(`);

/** Whether an expression calls a function whose answer changes with the run clock. */
export const readsClock = (expr: string): boolean => CLOCK_CALL.test(expr);

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

function extremeBy(name: string, arr: unknown, field: string, sign: 1 | -1): unknown {
  const list = Array.isArray(arr) ? arr : arr === undefined || arr === null ? [] : [arr];
  let best: unknown;
  let bestVal: unknown;
  list.forEach((item, i) => {
    if (typeOf(item) !== 'object') throw new Error(`$${name}: item ${i} is ${describeValue(item)}, not an object`);
    const v = (item as Record<string, unknown>)[field];
    if (v === undefined || v === null) return;
    // Text against a number compares by JavaScript's rules, which no one means: refuse it.
    if (bestVal !== undefined && typeof v !== typeof bestVal)
      throw new Error(
        `$${name}: ${field} is ${describeValue(bestVal)} in one item and ${describeValue(v)} in item ${i}`,
      );
    if (typeof v !== 'number' && typeof v !== 'string')
      throw new Error(`$${name}: item ${i} has ${field} ${describeValue(v)}, not a number or a text`);
    if (best === undefined || (sign < 0 ? v < (bestVal as typeof v) : v > (bestVal as typeof v))) {
      best = item;
      bestVal = v;
    }
  });
  return best;
}

function compact(obj: unknown): unknown {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return obj;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined && v !== null && v !== '') out[k] = v;
  return out;
}
