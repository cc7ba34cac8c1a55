// The compiled JSONata subset must answer exactly as the interpreter does, or hand the input
// back (FALLBACK): checked on every pairing of a corpus of expressions with awkward inputs, and
// on the flagship transform over thousands of generated customers.
import { readFileSync } from 'node:fs';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { evaluate, holds, interpret, interpretedBecause, plain } from '../../engine/map/expression.js';
import { mappingFunctions } from '../../engine/map/functions.js';
import { JSONATA_BUILTINS, signatureArity } from '../../engine/config/jsonata-vocabulary.js';
import { COMPILED_BUILTINS, compileJsonata as compileExplained, FALLBACK } from '../../engine/map/jsonata-compiler.js';

/** The compiled form, or undefined where the expression is left to the interpreter. */
const compileJsonata = (expr: string) => {
  const c = compileExplained(expr);
  return 'fn' in c ? c.fn : undefined;
};

const clock = () => new Date('2026-03-15T10:00:00Z');
const BINDINGS = Object.fromEntries(Object.entries(mappingFunctions(clock)).map(([k, f]) => [k, f.fn]));

// Filters: what join and flow `where` and `recompute.when` look like.
const FILTERS = [
  "status = 'Open' and balance > 0",
  "status = 'Open' or balance >= 10",
  "status != 'Closed'",
  'balance < 100.5',
  'balance <= 0',
  "customer.number = '10001'",
  'customer.number > "1"',
  "status in ['Open', 'Hold', 1, null]",
  'hold = true',
  'hold = false or hold = null',
  'note = null',
  '$count(lines) > 1',
  '$count(lines) = 0 and balance > 0',
  'balance and status',
  '-1 < balance',
  'true',
  '$exists(balance)',
  "$lowercase(status) = 'open'",
  'balance + 1 > 2',
  'lines[0] > 1',
  'lines[-1] = 2',
];

// Transforms: each construct of the subset, and combinations mappings use.
const TRANSFORMS = [
  'customer.number',
  'customer',
  'lines',
  'lines.x',
  'lines[x > 1].x',
  'lines[1]',
  'lines[0].x',
  '$count(lines)',
  '$sum(lines)',
  '$sum([lines.x])',
  '$max(lines)',
  '$min([lines.x])',
  '$average(lines)',
  '[lines]',
  '[lines, status]',
  '[[lines], [status]]',
  '[status, note, ""][$ != ""]',
  '$join([status, customer.number][$ != ""], ", ")',
  '$join(lines, "-")',
  '$trim(status)',
  '$uppercase(status) & "/" & $lowercase(status)',
  'status & balance & hold & note & lines',
  '$string(balance)',
  '$string(customer)',
  '$string(lines)',
  '$length(status)',
  '$contains(status, "pe")',
  '$round(balance, 2)',
  '$round(balance)',
  '$floor(balance) + $ceil(balance) - $abs(balance)',
  '$number(balance) * 2 / 4 % 3',
  '-balance',
  '$boolean(lines) ? "yes" : "no"',
  '$not(status)',
  'status ? status : "none"',
  'hold ? 1',
  'customer = {"number": "10001"}',
  'lines = [1, 2]',
  'status in ["Open", "Hold"]',
  '{ "a": status, "b": note, "c": customer.number, "d": lines, "e": missing }',
  '( $x := balance; $y := $x * 2; { "x": $x, "y": $y, "z": $z } )',
  '( $l := lines; $l.x )',
  '( $l := lines; [$l.x] )',
  '( $c := customer; $c.number & "" )',
  '$$.status',
  '$minBy(lines, "x")',
  '$maxBy(lines, "x").x',
  '$aging(invoices, "due", "amount")',
  '$daysOverdue(due)',
  '$toDate(due)',
  '$coalesce(note, status, "x")',
  '$compact({ "a": note, "b": status })',
  '$aging(invoices)',
  '$aging(invoices, due, amount)',
  '$agingBucket($daysOverdue(due))',
  '$minBy(invoices, "due").amount',
  'customer.number.x',
  'lines.x.y',
  '{ "n": lines[x = 1].x }',
  'lines.{ "x": x }',
  'customer[number = "3"].number',
  '( $l := lines; $l[0] )',
  'lines[0][0]',
  '(lines)[1]',
  'lines[$ > 1]',
  '[1, [2, 3], [[4]]]',
  '$count([])',
  '{ "a": [1] }.a',
  '[lines.x][0]',
  '$sum(lines.x)',
  'lines.x[0]',
  '$.status',
  '$join(lines.x, ",")',
  'lines.$string(x)',
  // Outside the subset: never compiled, always the interpreter.
  '$map(lines, function($v) { $v })',
  'lines^(x)',
  'customer.*',
  '**.x',
  'status ~> $uppercase()',
  '$substring(status, 1)',
  '[1..3]',
  '$string()',
  'lines{ x: y }',
  '{ "a": 1, "a": 2 }',
];

const INPUTS: unknown[] = [
  {
    status: 'Open',
    balance: 5.125,
    customer: { number: '10001' },
    hold: false,
    lines: [{ x: 1 }, { x: 2, y: 3 }],
    due: '2026-01-10',
    invoices: [
      { due: '2026-03-01', amount: 10 },
      { due: '2025-11-01', amount: 2.5 },
    ],
  },
  { status: 'Open', balance: 0, customer: { number: '2' }, hold: true, lines: [] },
  { status: 'Closed', balance: 12, customer: { number: 10001 }, hold: null, note: null, lines: [{ x: 5 }] },
  { status: 'Hold', balance: '7', customer: null, lines: [1, 2] },
  { status: '  Open\t  pe  ', balance: -3.5, customer: [{ number: '10001' }, { number: '3' }], lines: [3] },
  { status: ['Open', 'Closed'], balance: [1, 2], lines: [[1], [2, 3]] },
  { status: { x: 1 }, balance: true, lines: [[{ x: 1 }], { x: [2, 3] }] },
  { balance: null, lines: 'one', due: 'not a date', invoices: [{ due: '2026-01-01', amount: 'x' }] },
  { status: 1, balance: 100.5, lines: [{ x: 'a' }, { x: 'b' }], note: '' },
  { status: 'ünïcödé 😀', balance: 1e21, lines: [{ x: null }, {}] },
  { lines: [{ x: 1 }], customer: { number: ['a', 'b'] }, invoices: { due: '2026-03-10', amount: 1 } },
  {
    balance: 1e308,
    due: null,
    invoices: [{ due: null, amount: 4 }, { amount: 1e308 }, { due: '01/10/2026', amount: 1 }],
  },
  {
    balance: -1e308,
    due: '2026-03-01T10:00:00+01:00',
    invoices: [
      { due: null, amount: 4 },
      { due: '2026-03-01', amount: 1.005 },
    ],
  },
  {},
  [{ status: 'Open', balance: 1 }],
  'a string',
  null,
];

async function interpreted(expr: string, input: unknown): Promise<{ value: unknown } | { error: string }> {
  try {
    return { value: plain(await jsonata(expr).evaluate(input, BINDINGS)) };
  } catch (e) {
    return { error: (e as { code?: string; message?: string }).code ?? (e as Error).message };
  }
}

const hasNonFinite = (v: unknown): boolean =>
  typeof v === 'number'
    ? !Number.isFinite(v)
    : v !== null && typeof v === 'object' && Object.values(v).some(hasNonFinite);

describe('compiled JSONata', () => {
  it('compiles the subset and leaves the rest to the interpreter', () => {
    const outside = TRANSFORMS.slice(TRANSFORMS.indexOf('$map(lines, function($v) { $v })'));
    for (const e of [...FILTERS, ...TRANSFORMS]) expect(compileJsonata(e) !== undefined, e).toBe(!outside.includes(e));
    // What `mlc test` tells a mapping author.
    expect(interpretedBecause('$substring(status, 1)')).toBe('$substring is not compiled');
    expect(interpretedBecause('$map(lines, function($v) { $v })')).toBe('a function definition');
    expect(interpretedBecause('$string()')).toBe('$string with 0 arguments');
    expect(interpretedBecause('status & "x"')).toBeUndefined();
  });

  it('answers as the interpreter does on every input, or falls back (never a different answer, never a value where it errs)', async () => {
    let answered = 0;
    let total = 0;
    for (const expr of [...FILTERS, ...TRANSFORMS]) {
      const compiled = compileJsonata(expr);
      for (const input of INPUTS) {
        total++;
        const want = await interpreted(expr, input);
        const got = compiled ? compiled(input, BINDINGS) : FALLBACK;
        const where = `${expr} on ${JSON.stringify(input)}`;
        if (got !== FALLBACK) {
          answered++;
          expect(want, where).toHaveProperty('value');
          expect(plain(got), where).toEqual((want as { value: unknown }).value);
        }
        // What the engine calls: the same answer, errors included.
        const viaEngine = await evaluate(expr, input, 'test', BINDINGS).then(
          (value) => ({ value }),
          (e: unknown) => ({ error: (e as Error).message }),
        );
        // NaN or Infinity in an answer is the engine's error, never a null in the payload.
        if ('error' in want || hasNonFinite(want.value)) expect(viaEngine, where).toHaveProperty('error');
        else expect(viaEngine, where).toEqual(want);
        if (FILTERS.includes(expr)) {
          const h = await Promise.resolve(holds(expr, input, 'test', BINDINGS)).catch(() => 'error');
          expect(h, where).toBe('error' in want ? 'error' : want.value === true);
        }
      }
    }
    // Most pairings take the compiled path; the awkward inputs are the ones that fall back.
    expect(answered / total).toBeGreaterThan(0.6);
  });

  it('maps generated customers exactly as the interpreter does with the flagship transform', async () => {
    const expr = readFileSync(new URL('../../mappings/visma-zendesk/organization.jsonata', import.meta.url), 'utf8');
    const compiled = compileJsonata(expr);
    expect(compiled).toBeDefined();
    const interp = jsonata(expr);
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
    let answered = 0;
    const N = 2000;
    for (let i = 0; i < N; i++) {
      const n = Math.floor(rnd() * 5);
      const drawn: Record<string, unknown> = {
        number: pick(['10001', '20002', String(i)]),
        name: pick(['  Acme  AS ', 'Nordic\tTrade', 'Ø', '']),
        status: pick(['Active', 'CreditHold', 'OnHold', 'Inactive']),
        currencyId: pick(['NOK', 'EUR', null, undefined, '']),
        creditLimit: pick([0, 1000, 5000.5, null, undefined]),
        mainAddress: pick([
          { addressLine1: 'Gate 1', addressLine2: '', postalCode: '0150', city: 'Oslo', country: { name: 'Norway' } },
          { addressLine1: 'Road 2', postalCode: '', city: 'Bergen' },
          {},
          undefined,
          null,
        ]),
        mainContact: pick([{ email: 'a@b.no', phone1: '+47 1' }, { email: '' }, null, undefined]),
        open_invoices: Array.from({ length: n }, (_, k) => ({
          referenceNumber: `INV-${i}-${k}`,
          documentDueDate: pick(['2026-03-15', '2026-02-20T00:00:00', '2025-12-01', '2025-06-30', '2026-04-01', null]),
          balance: pick([100, 0.1, 0.2, 1234.565, 99.995, 7]),
        })),
      };
      const input = Object.fromEntries(Object.entries(drawn).filter(([, v]) => v !== undefined));
      const got = compiled!(input, BINDINGS);
      const want = plain(await interp.evaluate(input, BINDINGS));
      if (got === FALLBACK) continue;
      answered++;
      expect(plain(got), JSON.stringify(input)).toEqual(want);
    }
    expect(answered).toBe(N);
  });
});

// Issue 10 item 6: compiled and interpreted, a wrong call and an overflow are the record's error with one reason.
describe('one list of JSONata built-ins', () => {
  it('compiles only built-ins the vocabulary declares, for argument counts their signatures allow', () => {
    for (const [name, b] of Object.entries(COMPILED_BUILTINS)) {
      expect(Object.hasOwn(JSONATA_BUILTINS, name), name).toBe(true);
      const { min, max } = signatureArity(JSONATA_BUILTINS[name as keyof typeof JSONATA_BUILTINS]);
      for (const n of b.arity) expect(n >= min && n <= max, `$${name} with ${n} arguments`).toBe(true);
    }
  });

  it("leaves a JSONata built-in it does not compile to the interpreter, and takes a mapping's own functions from the bindings", async () => {
    expect(interpretedBecause('$sort(xs)')).toBe('$sort is not compiled');
    // A custom function (not a JSONata built-in) is compiled as a call of whatever the bindings hold.
    expect(interpretedBecause('$fiscalYear(date)')).toBeUndefined();
    expect(
      await evaluate('$fiscalYear(date)', { date: '2026-09-01' }, 't', {
        fiscalYear: (d: string) => Number(d.slice(0, 4)) + 1,
      }),
    ).toBe(2027);
  });
});

describe('wrong values are errors on both paths', () => {
  const both = async (expr: string, input: unknown) => {
    const viaEngine = await evaluate(expr, input, 'flow x transform', BINDINGS).then(
      (v) => ({ value: v }),
      (e: unknown) => ({ error: (e as Error).message }),
    );
    const interpretedOnly = await interpret(expr, input, 'flow x transform', BINDINGS).then(
      (v) => ({ value: v }),
      (e: unknown) => ({ error: (e as Error).message }),
    );
    return { viaEngine, interpretedOnly, compiled: interpretedBecause(expr) === undefined };
  };

  it('$aging with a missing argument fails instead of giving all-zero aging', async () => {
    const r = await both('$aging(open)', { open: [{ due: '2026-01-01', balance: 100 }] });
    expect(r.compiled).toBe(true);
    expect(r.viaEngine).toEqual({
      error: expect.stringContaining(
        'flow x transform: $aging takes 3 arguments ($aging(list, dueField, amountField)), got 1',
      ),
    });
    expect(r.interpretedOnly).toEqual({ error: expect.stringContaining('$aging takes 3 arguments') });
  });

  it('a balance of 1e308 rounded by $round fails with the field named, never null', async () => {
    const r = await both('{ "total": $round($sum(open.balance), 2) }', { open: [{ balance: 1e308 }] });
    expect(r.compiled).toBe(true);
    expect(r.viaEngine).toEqual({
      error:
        'flow x transform: total is NaN, a number out of range (a calculation overflowed); the value is not written',
    });
  });

  it('an invoice with a null due date counts as current in $aging and is 0 days overdue, compiled and interpreted', async () => {
    const input = {
      open: [
        { due: null, balance: 40 },
        { due: '2026-01-01', balance: 2 },
      ],
    };
    const expr =
      '{ "aging": $aging(open, "due", "balance"), "days": open.$daysOverdue(due), "buckets": open.$agingBucket($daysOverdue(due)) }';
    const r = await both(expr, input);
    const want = {
      aging: { current: 40, '1_30': 0, '31_60': 0, '61_90': 2, over_90: 0 },
      days: [0, 73],
      buckets: ['current', '61_90'],
    };
    expect(r.viaEngine).toEqual({ value: want });
    expect(r.interpretedOnly).toEqual({ value: want });
  });
});
