// The functions mappings get in JSONata, with a fixed clock.
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import {
  AGING_BUCKETS,
  agingBucket,
  CLOCK_FUNCTION_NAMES,
  MAPPING_FUNCTION_NAMES,
  mappingFunctions,
  readsClock,
  roundHalfEven,
  type Clock,
  type MappingFunction,
} from '../../engine/map/functions.js';

const NOW = '2024-03-15T10:00:00.000Z';
const clockAt =
  (iso: string): Clock =>
  () =>
    new Date(iso);

/** One mapping function as a plain callable, with the run clock at `now`. */
function fn(name: string, now = NOW): (...args: unknown[]) => unknown {
  // Any name may be asked for: the lookup may miss.
  const f = (mappingFunctions(clockAt(now)) as Partial<Record<string, MappingFunction>>)[name];
  if (!f) throw new Error(`no mapping function ${name}`);
  return f.fn as (...args: unknown[]) => unknown;
}

describe('the function set', () => {
  it('has exactly the documented names', () => {
    expect([...MAPPING_FUNCTION_NAMES].sort()).toEqual(
      [
        'aging',
        'agingBucket',
        'coalesce',
        'compact',
        'daysBetween',
        'daysOverdue',
        'maxBy',
        'millis',
        'minBy',
        'now',
        'toDate',
        'today',
      ].sort(),
    );
  });
});

describe('clock functions', () => {
  it('$now, $millis and $today read the given clock', () => {
    expect(fn('now')()).toBe(NOW);
    expect(fn('millis')()).toBe(Date.UTC(2024, 2, 15, 10));
    expect(fn('today')()).toBe('2024-03-15');
    expect(fn('today', '2024-03-15T23:59:59.999Z')()).toBe('2024-03-15');
    expect(fn('today', '2024-03-16T00:00:00.000Z')()).toBe('2024-03-16');
  });
});

describe('$daysOverdue', () => {
  const daysOverdue = fn('daysOverdue');

  it('is 0 on the due date and before it', () => {
    expect(daysOverdue('2024-03-15')).toBe(0);
    expect(daysOverdue('2024-03-16')).toBe(0);
    expect(daysOverdue('2025-01-01')).toBe(0);
  });

  it('counts whole days after the due date, across a leap February', () => {
    expect(daysOverdue('2024-03-14')).toBe(1);
    // 2024-02-14 -> 2024-02-29 is 15 days, -> 2024-03-15 15 more
    expect(daysOverdue('2024-02-14')).toBe(30);
    expect(daysOverdue('2023-03-15')).toBe(366);
  });

  it('takes a timestamp with a zone by its UTC day', () => {
    // 2024-03-14T23:30-05:00 is 2024-03-15T04:30Z: due today
    expect(daysOverdue('2024-03-14T23:30:00-05:00')).toBe(0);
    // 2024-03-15T01:00+02:00 is 2024-03-14T23:00Z: one day
    expect(daysOverdue('2024-03-15T01:00:00+02:00')).toBe(1);
    expect(daysOverdue('2024-03-15T01:00:00+0200')).toBe(1);
    expect(daysOverdue('2024-03-14T23:59:59Z')).toBe(1);
  });

  it('takes a timestamp without a zone as UTC', () => {
    expect(daysOverdue('2024-03-14T23:30:00')).toBe(1);
    expect(daysOverdue('2024-03-14 23:30:00.000')).toBe(1);
    expect(daysOverdue('2024-03-15T00:00:00')).toBe(0);
  });

  it('changes at UTC midnight of the clock', () => {
    expect(fn('daysOverdue', '2024-03-15T23:59:59.999Z')('2024-03-15')).toBe(0);
    expect(fn('daysOverdue', '2024-03-16T00:00:00.000Z')('2024-03-15')).toBe(1);
  });

  it('is 0 without a due date (nothing is overdue) and throws on something that is not a date', () => {
    expect(daysOverdue(undefined)).toBe(0);
    expect(daysOverdue(null)).toBe(0);
    expect(daysOverdue('')).toBe(0);
    expect(() => daysOverdue('soon')).toThrow('$daysOverdue: due is the text "soon", not an ISO 8601 date');
  });
});

describe('$agingBucket', () => {
  it.each([
    [-3, 'current'],
    [0, 'current'],
    [1, '1_30'],
    [30, '1_30'],
    [31, '31_60'],
    [60, '31_60'],
    [61, '61_90'],
    [90, '61_90'],
    [91, 'over_90'],
    [400, 'over_90'],
  ])('%i days -> %s', (days, bucket) => {
    expect(agingBucket(days)).toBe(bucket);
    expect(fn('agingBucket')(days)).toBe(bucket);
  });

  it('lists the buckets in order, is undefined for nothing and refuses a non-number', () => {
    expect(AGING_BUCKETS).toEqual(['current', '1_30', '31_60', '61_90', 'over_90']);
    expect(fn('agingBucket')(undefined)).toBeUndefined();
    expect(() => fn('agingBucket')('5')).toThrow('$agingBucket(days): days must be a number, got the text "5"');
    expect(() => fn('agingBucket')(NaN)).toThrow('$agingBucket: days is NaN, not a number of days');
  });
});

describe('$aging', () => {
  const inv = (due: string | null | undefined, balance: unknown) => ({ due, balance });

  it('sums each item into the bucket of its due date, in one pass, as the per-bucket JSONata sums do', async () => {
    const items = [
      inv('2024-03-20', 10.1),
      inv('2024-03-15', 0.2),
      inv('2024-03-14', 5),
      inv('2024-02-14', 1.005),
      inv('2024-01-15', 2),
      inv('2023-12-20', 0.5),
      inv('2023-12-01', 3),
      inv('2023-12-01', 4.25),
    ];
    const out = fn('aging')(items, 'due', 'balance');
    // 2024-03-15: the 14th is 1 day overdue, 02-14 30 (6.005 rounds to even: 6), 01-15 60, 12-20 86, 12-01 105.
    expect(out).toEqual({ current: 10.3, '1_30': 6, '31_60': 2, '61_90': 0.5, over_90: 7.25 });
    // The same numbers from plain JSONata: a filter and $round($sum(...), 2) per bucket.
    const expr = jsonata(
      '$.{ "b": $agingBucket($daysOverdue(due)), "balance": balance } ~> | $ | {} | ~> $reduce(function($acc, $x) { $merge([$acc, { $x.b: $append($lookup($acc, $x.b), $x.balance) }]) }, {}) ~> $each(function($v, $k) { { $k: $round($sum($v), 2) } }) ~> $merge',
    );
    for (const [name, f] of Object.entries(mappingFunctions(clockAt(NOW))))
      expr.registerFunction(name, f.fn as (...a: unknown[]) => unknown);
    expect(await expr.evaluate(items)).toEqual(out);
  });

  it('counts an item without a due date as current, leaves out one without an amount, takes one object as a list, and is all zeros for nothing', () => {
    const zeros = { current: 0, '1_30': 0, '31_60': 0, '61_90': 0, over_90: 0 };
    // The buckets add up to the whole balance: 5 + 5 + 2 with no due date are current.
    expect(
      fn('aging')(
        [inv(null, 5), inv(undefined, 5), inv('', 2), { balance: 0.5 }, inv('2024-03-01', null), { due: '2024-03-01' }],
        'due',
        'balance',
      ),
    ).toEqual({ ...zeros, current: 12.5 });
    expect(fn('aging')(undefined, 'due', 'balance')).toEqual(zeros);
    expect(fn('aging')(inv('2024-03-01', 7), 'due', 'balance')).toEqual({ ...zeros, '1_30': 7 });
  });

  it('refuses an amount that is not a number, naming the item and field', () => {
    expect(() => fn('aging')([inv('2024-03-01', 1), inv('2024-03-01', '12.50')], 'due', 'balance')).toThrow(
      '$aging: item 1 has balance "12.50", not a number',
    );
  });

  it('rounds exactly as JSONata $round does (half to even, on the decimal text)', async () => {
    const round = jsonata('$round(x, 2)');
    let seed = 7;
    const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const values = [
      0.125,
      0.135,
      1.005,
      2.675,
      -0.125,
      -1.005,
      1e-7,
      123456.785,
      0.145 + 0.01,
      5e21 / 3,
      0,
      -0,
      7,
      -12,
      2 ** 53 + 2,
      9999999999999,
      123456789012345680000,
      1e300,
      -5e22,
    ];
    for (let i = 0; i < 2000; i++)
      values.push(Math.round(rnd() * 1e6) / 1000 + (rnd() < 0.5 ? 0.0005 : 0), (rnd() - 0.5) * 1e4);
    for (const x of values) expect(roundHalfEven(x, 2), String(x)).toBe(await round.evaluate({ x }));
  });
});

describe('$toDate and $daysBetween', () => {
  it('$toDate gives the UTC calendar day', () => {
    const toDate = fn('toDate');
    expect(toDate('2024-03-14')).toBe('2024-03-14');
    expect(toDate('2024-03-14T23:30:00-05:00')).toBe('2024-03-15');
    expect(toDate('2024-03-14T23:30:00')).toBe('2024-03-14');
    expect(toDate('2024-03-14 10:00:00.000')).toBe('2024-03-14');
    expect(toDate(null)).toBeUndefined();
  });

  it('$daysBetween counts whole days from the first date to the second', () => {
    const daysBetween = fn('daysBetween');
    // January 31 + February 29 (2024)
    expect(daysBetween('2024-01-01', '2024-03-01')).toBe(60);
    expect(daysBetween('2024-03-01', '2024-01-01')).toBe(-60);
    expect(daysBetween('2024-03-01T23:00:00Z', '2024-03-02T01:00:00Z')).toBe(1);
    expect(daysBetween('2024-03-01', undefined)).toBeUndefined();
  });
});

describe('$minBy and $maxBy', () => {
  const rows = [{ v: 3, id: 'a' }, { v: null, id: 'b' }, { v: 1, id: 'c' }, { id: 'd' }, { v: 3, id: 'e' }];

  it('ignore members whose field is null or missing', () => {
    expect(fn('minBy')(rows, 'v')).toEqual({ v: 1, id: 'c' });
    expect(fn('maxBy')(rows, 'v')).toEqual({ v: 3, id: 'a' });
  });

  it('count 0 as a value and keep the first of equal values', () => {
    expect(fn('minBy')([{ v: null }, { v: 0 }, { v: 2 }], 'v')).toEqual({ v: 0 });
    expect(
      fn('maxBy')(
        [
          { v: 0, n: 1 },
          { v: 0, n: 2 },
        ],
        'v',
      ),
    ).toEqual({ v: 0, n: 1 });
  });

  it('compare ISO dates as text', () => {
    const inv = [{ due: '2024-03-01' }, { due: '2024-01-15' }, { due: null }];
    expect(fn('minBy')(inv, 'due')).toEqual({ due: '2024-01-15' });
    expect(fn('maxBy')(inv, 'due')).toEqual({ due: '2024-03-01' });
  });

  it('take a single object as a list of one, and give undefined when nothing has the field', () => {
    expect(fn('minBy')({ v: 5 }, 'v')).toEqual({ v: 5 });
    expect(fn('minBy')(undefined, 'v')).toBeUndefined();
    expect(fn('minBy')([{ v: null }, {}], 'v')).toBeUndefined();
    expect(fn('maxBy')([], 'v')).toBeUndefined();
  });
});

describe('$compact and $coalesce', () => {
  it('$compact drops null, undefined and empty-string members only, one level deep', () => {
    expect(fn('compact')({ a: 1, b: null, c: undefined, d: '', e: 0, f: false, g: { h: null } })).toEqual({
      a: 1,
      e: 0,
      f: false,
      g: { h: null },
    });
    expect(Object.keys(fn('compact')({ b: null, c: undefined }) as object)).toEqual([]);
  });

  it('$compact returns lists and scalars unchanged', () => {
    const list = [null, 1];
    expect(fn('compact')(list)).toBe(list);
    expect(fn('compact')('x')).toBe('x');
    expect(fn('compact')(null)).toBeNull();
  });

  it('$coalesce gives the first argument that is set', () => {
    expect(fn('coalesce')(null, '', undefined, 0, 5)).toBe(0);
    expect(fn('coalesce')(undefined, 'b', 'c')).toBe('b');
    expect(fn('coalesce')(null, '')).toBeUndefined();
  });
});

describe('inside JSONata', () => {
  it('work when registered on an expression', async () => {
    const expr = jsonata(`{
      "bucket": $agingBucket($daysOverdue($minBy(invoices, 'due').due)),
      "first": $minBy(invoices, 'due').ref,
      "today": $today(),
      "card": $compact({"name": name, "phone": phone})
    }`);
    for (const [name, f] of Object.entries(mappingFunctions(clockAt(NOW))))
      expr.registerFunction(name, f.fn as (...a: unknown[]) => unknown);
    const out = await expr.evaluate({
      name: 'Acme',
      phone: '',
      invoices: [
        { ref: 'I-2', due: '2024-03-10' },
        { ref: 'I-1', due: '2024-01-10' },
        { ref: 'I-3', due: null },
      ],
    });
    // 2024-01-10 -> 2024-03-15 is 21 + 29 + 15 = 65 days
    expect(out).toEqual({ bucket: '61_90', first: 'I-1', today: '2024-03-15', card: { name: 'Acme' } });
  });
});

// Issue 10 item 6: a wrong call is an error of the record, never a plausible wrong value.
describe('signatures checked at every call', () => {
  it('refuse a missing argument: $aging($open) is not all-zero aging', () => {
    expect(() => fn('aging')([inv2('2024-01-01', 100)])).toThrow(
      '$aging takes 3 arguments ($aging(list, dueField, amountField)), got 1',
    );
    expect(() => fn('daysBetween')('2024-01-01')).toThrow(
      '$daysBetween takes 2 arguments ($daysBetween(from, to)), got 1',
    );
    expect(() => fn('today')('x')).toThrow('$today takes 0 arguments ($today()), got 1');
    expect(() => fn('coalesce')()).toThrow('$coalesce takes at least 1 argument ($coalesce(values...)), got 0');
    expect(() => fn('minBy')([], 'v', 'w')).toThrow('$minBy takes 2 arguments');
  });

  it('refuse a field name that is not a text, or that is nothing (written without quotes)', () => {
    expect(() => fn('aging')([inv2('2024-01-01', 100)], undefined, 'balance')).toThrow(
      '$aging(list, dueField, amountField): dueField must be a text, got nothing',
    );
    expect(() => fn('maxBy')([{ v: 1 }], 3)).toThrow('$maxBy(list, field): field must be a text, got the number 3');
  });

  it('refuse arguments of the wrong type', () => {
    expect(() => fn('aging')('invoices', 'due', 'balance')).toThrow(
      '$aging(list, dueField, amountField): list must be a list or an object, got the text "invoices"',
    );
    expect(() => fn('aging')([inv2('2024-01-01', 1), 7], 'due', 'balance')).toThrow(
      '$aging: item 1 is the number 7, not an object',
    );
    expect(() => fn('daysOverdue')(1762000000)).toThrow(
      '$daysOverdue(due): due must be a text, got the number 1762000000',
    );
    expect(() => fn('minBy')([{ v: 2 }, { v: '1' }], 'v')).toThrow(
      '$minBy: v is the number 2 in one item and the text "1" in item 1',
    );
  });
});

function inv2(due: string | null, balance: number) {
  return { due, balance };
}

describe('dates: ISO 8601 only, never a guess', () => {
  it.each([
    '01/10/2026',
    '10.01.2026',
    '2026/01/10',
    '2026-1-10',
    '20260110',
    'Jan 10 2026',
    '1762000000',
    '2026-02-30',
    '2026-13-01',
    '2026-01-10T25:00:00Z',
    '2026-01-10Z',
    '2026-01-10T10:00:00 CET',
  ])('refuses %s', (s) => {
    expect(() => fn('toDate')(s)).toThrow(`$toDate: date is the text ${JSON.stringify(s)}, not an ISO 8601 date`);
    expect(() => fn('daysOverdue')(s)).toThrow('not an ISO 8601 date');
    expect(() => fn('aging')([{ due: s, balance: 1 }], 'due', 'balance')).toThrow(
      `$aging: item 0's due is the text ${JSON.stringify(s)}, not an ISO 8601 date`,
    );
  });

  it.each([
    ['2026-01-10', '2026-01-10'],
    ['2026-01-10T00:00:00', '2026-01-10'],
    ['2026-01-10T23:59:59.999', '2026-01-10'],
    ['2026-01-10T10:00Z', '2026-01-10'],
    ['2026-01-10T23:30:00-05:00', '2026-01-11'],
    ['2026-01-10T01:00:00+0200', '2026-01-09'],
    ['2026-01-10T01:00:00+02', '2026-01-09'],
    ['2026-01-10 10:00:00.000', '2026-01-10'],
    ['2024-02-29', '2024-02-29'],
  ])('accepts %s as %s', (s, day) => {
    expect(fn('toDate')(s)).toBe(day);
  });
});

describe('large numbers are never written as null', () => {
  it('$aging keeps a balance of 1e308 exactly', () => {
    expect(
      fn('aging')(
        [
          { due: '2020-01-01', balance: 1e308 },
          { due: '2024-03-15', balance: 2.5 },
        ],
        'due',
        'balance',
      ),
    ).toEqual({ current: 2.5, '1_30': 0, '31_60': 0, '61_90': 0, over_90: 1e308 });
  });

  it('$aging refuses a bucket that adds up past the largest number', () => {
    expect(() =>
      fn('aging')(
        [
          { due: '2020-01-01', balance: 1e308 },
          { due: '2020-01-02', balance: 1e308 },
        ],
        'due',
        'balance',
      ),
    ).toThrow('$aging: the over_90 bucket adds up to more than the largest number (Infinity)');
  });
});

describe('functions that read the clock', () => {
  it('are exactly the ones whose answers call the run clock (derived once, used by the mirror filter)', () => {
    let calls = 0;
    const fns = mappingFunctions(() => {
      calls++;
      return new Date('2026-11-21T12:00:00Z');
    });
    const samples: Record<string, unknown[]> = {
      now: [],
      millis: [],
      today: [],
      toDate: ['2026-01-01'],
      daysBetween: ['2026-01-01', '2026-01-02'],
      daysOverdue: ['2026-01-01'],
      agingBucket: [3],
      aging: [[{ d: '2026-01-01', a: 1 }], 'd', 'a'],
      minBy: [[{ a: 1 }], 'a'],
      maxBy: [[{ a: 1 }], 'a'],
      compact: [{}],
      coalesce: [1],
    };
    expect(Object.keys(samples).sort()).toEqual(Object.keys(fns).sort());
    const reading = Object.entries(samples)
      .filter(([name, args]) => {
        const before = calls;
        (fns[name].fn as (...a: unknown[]) => unknown)(...args);
        return calls > before;
      })
      .map(([name]) => name);
    expect([...CLOCK_FUNCTION_NAMES].sort()).toEqual(reading.sort());
    expect(CLOCK_FUNCTION_NAMES).toContain('aging');
    expect(readsClock("$aging(open_invoices, 'documentDueDate', 'balance').over_90 > 0")).toBe(true);
    expect(readsClock("status = 'Open' and balance > 0")).toBe(false);
  });
});
