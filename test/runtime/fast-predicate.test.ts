// The compiled fast path for filters must answer exactly as JSONata does, or hand the record to
// JSONata: checked on every combination of a set of expressions and awkward records.
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { FALLBACK, fastPredicate, holds } from '../../engine/map/fast-predicate.js';

const COMPILED = [
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
];

// Outside the fast subset: these always go to JSONata.
const INTERPRETED = ['$exists(balance)', 'lines[0] > 1', "$lowercase(status) = 'open'", 'balance + 1 > 2', 'customer.*.x = 1', 'status ~> $uppercase() = "OPEN"'];

const RECORDS: unknown[] = [
  { status: 'Open', balance: 5, customer: { number: '10001' }, hold: false, lines: [1, 2] },
  { status: 'Open', balance: 0, customer: { number: '2' }, hold: true, lines: [] },
  { status: 'Closed', balance: 12, customer: { number: 10001 }, hold: null, note: null },
  { status: 'Hold', balance: '7', customer: null },
  { status: '', balance: -3, customer: [{ number: '10001' }, { number: '3' }] },
  { status: ['Open', 'Closed'], balance: [1, 2] },
  { status: { x: 1 }, balance: true, lines: [[1], [2]] },
  { balance: null, lines: 'one' },
  { status: 1, balance: 100.5 },
  {},
  [{ status: 'Open', balance: 1 }],
  'a string',
  null,
];

async function interpreted(expr: string, input: unknown): Promise<boolean | string> {
  try {
    return (await jsonata(expr).evaluate(input)) === true;
  } catch (e) {
    return `error ${(e as { code?: string }).code}`;
  }
}

describe('fast filters', () => {
  it('compile the simple comparisons that run once per source record', () => {
    for (const e of COMPILED) expect(fastPredicate(e), e).toBeDefined();
    for (const e of INTERPRETED) expect(fastPredicate(e), e).toBeUndefined();
  });

  it('answer as JSONata does on every record, or fall back to it (never a different answer)', async () => {
    let answered = 0;
    for (const expr of [...COMPILED, ...INTERPRETED]) {
      for (const rec of RECORDS) {
        const fast = fastPredicate(expr);
        const want = await interpreted(expr, rec);
        const got = fast ? fast(rec) : FALLBACK;
        if (got !== FALLBACK) {
          answered++;
          expect(got === true, `${expr} on ${JSON.stringify(rec)}`).toBe(want);
        }
        // holds() is what the engine calls: the fast answer, or JSONata's (errors included).
        let viaHolds: boolean | string;
        try {
          viaHolds = await holds(expr, rec, 'test');
        } catch (e) {
          viaHolds = `error ${(e as Error).message.match(/T\d{4}|D\d{4}/)?.[0] ?? '?'}`;
        }
        if (typeof want === 'string') expect(viaHolds, `${expr} on ${JSON.stringify(rec)}`).toMatch(/^error/);
        else expect(viaHolds, `${expr} on ${JSON.stringify(rec)}`).toBe(want);
      }
    }
    // Most simple filter evaluations take the fast path.
    expect(answered).toBeGreaterThan(COMPILED.length * RECORDS.length * 0.6);
  });
});
