import { describe, expect, it } from 'vitest';
import { manualClock, advancingClock } from '../../sandbox/framework/clock.js';
import {
  asciiSlug,
  companyName,
  COUNTRIES,
  personName,
  phoneNumber,
  streetAddress,
} from '../../sandbox/framework/fake-nordic.js';
import { FaultInjector } from '../../sandbox/framework/faults.js';
import { boolKnob, enumKnob, KnobError, KnobSet, numberKnob } from '../../sandbox/framework/knobs.js';
import { Prng } from '../../sandbox/framework/prng.js';
import { parseQuery } from '../../sandbox/framework/query.js';
import { FixedWindowLimiter } from '../../sandbox/framework/rate-limiter.js';
import { Router } from '../../sandbox/framework/router.js';
import { RequestStats } from '../../sandbox/framework/stats.js';
import { textOf } from '../../sandbox/framework/types.js';

const h = (name: string) => () => ({ status: 200, body: name });

describe('Router', () => {
  it('matches params, prefers static segments regardless of order, and reports other methods', () => {
    const r = new Router()
      .get('/orgs/{id}', h('show'))
      .get('/orgs/show_many', h('many'))
      .put('/orgs/{id}', h('update'));
    expect(r.lookup('GET', '/orgs/42').match).toMatchObject({ params: { id: '42' }, route: 'GET /orgs/{id}' });
    expect(r.lookup('GET', '/orgs/show_many').match?.route).toBe('GET /orgs/show_many');
    expect(r.lookup('PUT', '/orgs/show_many').match?.route).toBe('PUT /orgs/{id}');
    const miss = r.lookup('POST', '/orgs/1');
    expect(miss.match).toBeUndefined();
    expect(miss.pathExists).toBe(true);
    expect(r.lookup('GET', '/nope').pathExists).toBe(false);
    expect(r.lookup('GET', '/orgs/a%20b').match?.params.id).toBe('a b');
  });

  it('parses bracket keys and encoded operators', () => {
    const q = parseQuery(new URLSearchParams('page%5Bsize%5D=10&page[after]=abc&cond=%3E%3D&d=2025-01-01+10:00:00'));
    expect(q).toEqual({ 'page[size]': '10', 'page[after]': 'abc', cond: '>=', d: '2025-01-01 10:00:00' });
  });
});

describe('Prng and fake data', () => {
  it('is deterministic per seed', () => {
    const a = new Prng(7);
    const b = new Prng(7);
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    expect(new Prng(8).next()).not.toBe(seqA[0]);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
    const r = new Prng(1);
    expect(r.digits(12)).toMatch(/^\d{12}$/);
    expect(r.hex(10)).toMatch(/^[0-9a-f]{10}$/);
  });

  it('produces Nordic names, addresses and phones', () => {
    const rng = new Prng(3);
    const names = Array.from({ length: 50 }, () => companyName(rng, COUNTRIES.FI));
    expect(names.every((n) => / (Oy|Oyj|Ky)$/.test(n))).toBe(true);
    expect(companyName(new Prng(1), COUNTRIES.NO)).toMatch(/ (AS|ASA|DA)$/);
    expect(personName(rng, COUNTRIES.SE).full).toMatch(/^\S+ \S+$/);
    expect(streetAddress(rng, COUNTRIES.DK)).toMatchObject({
      countryId: 'DK',
      postalCode: expect.stringMatching(/^\d{4}$/),
    });
    expect(streetAddress(rng, COUNTRIES.SE).postalCode).toMatch(/^\d{3} \d{2}$/);
    expect(phoneNumber(rng, COUNTRIES.NO)).toMatch(/^\+47 \d{2} \d{2} \d{2} \d{2}$/);
    expect(asciiSlug('Bjørkås Ängsö')).toBe('bjorkasangso');
  });
});

describe('Clocks, knobs, limiter, stats, faults', () => {
  it('manual and advancing clocks', () => {
    const m = manualClock('2026-01-01T00:00:00Z');
    m.advance(1500);
    expect(m.now().toISOString()).toBe('2026-01-01T00:00:01.500Z');
    const a = advancingClock('2026-01-01T00:00:00Z', 1000);
    expect([a(), a()].map((d) => d.toISOString())).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z']);
  });

  it('knobs validate names and values', () => {
    const k = new KnobSet({ n: numberKnob(1, { min: 0 }), b: boolKnob(false), e: enumKnob(['x', 'y'], 'x') }, { n: 2 });
    expect(k.values).toEqual({ n: 2, b: false, e: 'x' });
    k.set({ b: 'true', e: 'y' });
    expect(k.values).toEqual({ n: 2, b: true, e: 'y' });
    expect(() => {
      k.set({ typo: 1 });
    }).toThrow(KnobError);
    expect(() => {
      k.set({ n: -1 });
    }).toThrow(/>= 0/);
    expect(() => {
      k.set({ e: 'z' });
    }).toThrow(KnobError);
  });

  it('fixed-window limiter resets at the window boundary, per key', () => {
    const clock = manualClock('2026-01-01T00:00:50Z');
    const l = new FixedWindowLimiter({ limit: () => 2, windowMs: 60_000, clock: clock.now });
    expect([l.take('a'), l.take('a'), l.take('a')].map((d) => [d.allowed, d.remaining, d.resetSec])).toEqual([
      [true, 1, 10],
      [true, 0, 10],
      [false, 0, 10],
    ]);
    expect(l.take('b').allowed).toBe(true);
    clock.advance(10_000);
    expect(l.take('a')).toMatchObject({ allowed: true, remaining: 1, resetSec: 60 });
  });

  it('stats count per route and keep a bounded log', () => {
    const s = new RequestStats(() => new Date('2026-01-01T00:00:00Z'), 3);
    for (let i = 0; i < 10; i++)
      s.record({ method: 'GET', path: `/x/${i}`, query: '', route: 'GET /x/{id}', status: 200 });
    s.record({ method: 'POST', path: '/y', query: '?a=1', route: 'POST /y', status: 201 });
    const v = s.view();
    expect(v.total).toBe(11);
    expect(v.byRoute).toEqual({ 'GET /x/{id}': 10, 'POST /y': 1 });
    expect(v.log.map((e) => e.path)).toEqual(['/x/8', '/x/9', '/y']);
    s.reset();
    expect(s.view().total).toBe(0);
  });

  it('fault decisions are deterministic for a seed and off by default', () => {
    const off = new FaultInjector(1);
    expect(
      Array.from({ length: 20 }, () => off.decide()).every(
        (d) => !d.drop && d.error === null && !d.malformed && d.burst === null,
      ),
    ).toBe(true);
    const a = new FaultInjector(5, { errorRate: 0.5 });
    const b = new FaultInjector(5, { errorRate: 0.5 });
    const seqA = Array.from({ length: 30 }, () => a.decide().error);
    expect(Array.from({ length: 30 }, () => b.decide().error)).toEqual(seqA);
    expect(seqA.filter((x) => x !== null).length).toBeGreaterThan(5);
    expect(seqA.every((x) => x === null || [500, 502, 503].includes(x))).toBe(true);
    const burst = new FaultInjector(1, { burst429: 2 });
    expect([burst.decide(), burst.decide(), burst.decide()].map((d) => d.burst)).toEqual([1, 1, null]);
  });
});

describe('textOf (client values in messages and lookups)', () => {
  it('keeps strings and primitives as String() writes them and shows objects and arrays as JSON', () => {
    expect(textOf('abc')).toBe('abc');
    expect([textOf(5), textOf(true), textOf(null), textOf(undefined)]).toEqual(['5', 'true', 'null', 'undefined']);
    expect(textOf({ a: 1 })).toBe('{"a":1}');
    // String(['tok']) is 'tok': an array must not pass for the token it holds.
    expect(textOf(['tok'])).toBe('["tok"]');
  });
});
