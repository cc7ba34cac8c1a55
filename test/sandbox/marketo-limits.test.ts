import { afterEach, describe, expect, it } from 'vitest';
import { manualClock } from '../../sandbox/framework/clock.js';
import { MarketoSimulator } from '../../sandbox/marketo/index.js';
import { companies, identity, marketoClient, startMarketo } from './helpers/marketo-client.js';

let sims: MarketoSimulator[] = [];
afterEach(async () => {
  await Promise.all(sims.map((s) => s.stop()));
  sims = [];
});
async function start(...args: Parameters<typeof startMarketo>): Promise<MarketoSimulator> {
  const s = await startMarketo(...args);
  sims.push(s);
  return s;
}

const DESCRIBE = '/rest/v1/companies/describe.json';

describe('Marketo limits (targets.md 3.3), refused in HTTP 200 envelopes', () => {
  it('606 on the 101st call within 20 s; calls go through again once the window has moved on', async () => {
    const clock = manualClock('2026-12-01T10:00:00Z');
    const sim = await start({ clock: clock.now, knobs: { limitsEnabled: true } });
    const mk = marketoClient(sim);
    for (let i = 0; i < 100; i++) {
      expect((await mk.get(DESCRIBE)).body.success).toBe(true);
      clock.advance(100);
    }
    const refused = await mk.get(DESCRIBE);
    expect(refused.status).toBe(200);
    expect(refused.body).toMatchObject({
      success: false,
      errors: [{ code: '606', message: "Max rate limit '100' exceeded with in '20' secs" }],
    });
    // The window slides, and the refused call counts too (only the asterisked codes are exempt): 20 s after
    // the first call it has left the window, which is still full with the refused one.
    clock.advance(20_000 - 100 * 100 + 1);
    expect((await mk.get(DESCRIBE)).body.errors?.[0].code).toBe('606');
    clock.advance(20_001);
    expect((await mk.get(DESCRIBE)).body.success).toBe(true);
    expect(sim.usageView().errorCodes).toEqual({ '606': 2 });
    // With the knob off, refusals leave the window as it was.
    for (let i = 0; i < 99; i++) await mk.get(DESCRIBE);
    sim.setKnobs({ countRejectedCalls: false });
    for (let i = 0; i < 5; i++) await mk.get(DESCRIBE);
    expect(sim.usageView()).toMatchObject({ windowCalls: 100, errorCodes: { '606': 7 } });
  });

  it('615 while 10 calls are in flight', async () => {
    const sim = await start({ knobs: { limitsEnabled: true, callDurationMs: 300 } });
    const mk = marketoClient(sim);
    await identity(sim);
    const answers = await Promise.all(Array.from({ length: 12 }, () => mk.get(DESCRIBE)));
    const codes = answers.map((a) => (a.body.success ? 'ok' : a.body.errors![0].code)).sort();
    expect(codes).toEqual(['615', '615', ...Array(10).fill('ok')]);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect((await mk.get(DESCRIBE)).body.success).toBe(true);
  });

  it('607 once the daily quota is spent, until midnight US Central (CST, UTC-6)', async () => {
    const clock = manualClock('2026-12-01T05:00:00Z');
    const sim = await start({
      clock: clock.now,
      knobs: { limitsEnabled: true, dailyQuota: 50_000, quotaUsed: 49_999 },
    });
    const mk = marketoClient(sim);
    expect((await mk.post('/rest/v1/companies.json', { input: companies(1) })).body.success).toBe(true);
    const refused = await mk.post('/rest/v1/companies.json', { input: companies(2) });
    expect(refused.body).toMatchObject({ success: false, errors: [{ code: '607', message: 'Daily quota reached' }] });
    expect(sim.companies()).toHaveLength(1);
    expect(sim.usageView().quotaResetsAt).toBe('2026-12-01T06:00:00.000Z');
    clock.set('2026-12-01T05:59:59Z');
    expect((await mk.get(DESCRIBE)).body.errors?.[0].code).toBe('607');
    clock.set('2026-12-01T06:00:00Z');
    // An hour on, the token has expired too.
    expect((await marketoClient(sim).get(DESCRIBE)).body.success).toBe(true);
    expect(sim.usageView().quotaUsed).toBe(1);
  });

  it('Identity calls count towards no limit', async () => {
    const sim = await start({ knobs: { limitsEnabled: true, rateLimitPerWindow: 2 } });
    for (let i = 0; i < 5; i++) expect((await identity(sim)).status).toBe(200);
    const mk = marketoClient(sim);
    expect((await mk.get(DESCRIBE)).body.success).toBe(true);
    expect((await mk.get(DESCRIBE)).body.success).toBe(true);
    expect((await mk.get(DESCRIBE)).body.errors?.[0].code).toBe('606');
  });

  it('quota is reset and set by the admin routes', async () => {
    const sim = await start({ knobs: { limitsEnabled: true, dailyQuota: 1 } });
    const mk = marketoClient(sim);
    await mk.get(DESCRIBE);
    expect((await mk.get(DESCRIBE)).body.errors?.[0].code).toBe('607');
    const reset = await fetch(`${sim.url}/__sim/marketo/quota/reset`, { method: 'POST' });
    expect(await reset.json()).toMatchObject({ quotaUsed: 0, dailyQuota: 1 });
    expect((await mk.get(DESCRIBE)).body.success).toBe(true);
    await fetch(`${sim.url}/__sim/marketo/quota`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"used":0}',
    });
    expect(sim.usageView().quotaUsed).toBe(0);
  });
});

describe('Marketo snapshot and restore', () => {
  it('keeps companies, custom fields, the live token and the day count', async () => {
    const clock = manualClock('2026-12-01T10:00:00Z');
    const sim = await start({
      clock: clock.now,
      knobs: { limitsEnabled: true, customFields: [{ name: 'paymentTerms', dataType: 'string' }] },
    });
    const mk = marketoClient(sim);
    const created = await mk.post('/rest/v1/companies.json', {
      input: companies(3, 'C-', () => ({ paymentTerms: '30D' })),
    });
    const tok = (await identity(sim)).body.access_token;
    const saved = sim.snapshot();
    const restored = new MarketoSimulator({
      seed: 5,
      clock: clock.now,
      snapshot: JSON.parse(JSON.stringify(saved)) as unknown,
    });
    sims.push(await restored.start());
    expect(restored.companies()).toEqual(sim.companies());
    expect(restored.usageView().quotaUsed).toBe(1);
    const again = marketoClient(restored, tok);
    expect(
      (await again.get('/rest/v1/companies.json?filterType=externalCompanyId&filterValues=C-10000&fields=paymentTerms'))
        .body.result,
    ).toEqual([{ seq: 0, id: created.body.result![0].id, externalCompanyId: 'C-10000', paymentTerms: '30D' }]);
    const next = await again.post('/rest/v1/companies.json', { input: [{ externalCompanyId: 'new' }] });
    expect(next.body.result?.[0].id).toBeGreaterThan(created.body.result![2].id as number);
    expect(() => new MarketoSimulator({ snapshot: { format: 'other' } })).toThrow(/not a Marketo simulator snapshot/);
  });
});
