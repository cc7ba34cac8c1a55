/**
 * The flagship load, a delta and the rejected records against both job-result shapes the
 * Zendesk simulator can answer with: the spec's ({id, index} creates, {action, id, status,
 * success} updates without index) and the all-fields rows seen in the wild.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { manualClock } from '../../sandbox/index.js';
import { compareAll, FIXED_NOW, setup, type E2E } from './helpers.js';

let e: E2E | undefined;
afterEach(async () => {
  await e?.stop();
  e = undefined;
});

const SIZE = 150;

for (const shape of ['spec', 'all_fields'] as const) {
  describe(`job results in the ${shape} shape`, () => {
    it('loads every customer, then a delta updates exactly the changed ones', async () => {
      const clock = manualClock(FIXED_NOW);
      e = await setup({ size: SIZE, seed: 77, clock: clock.now, knobs: { zendesk: { jobResultShape: shape } } });
      const first = await e.sync();
      expect(first.status, first.error).toBe('ok');
      expect(first.flows[0]).toMatchObject({ read: SIZE, created: SIZE, updated: 0, failed: 0 });
      let c = compareAll(e.visma, e.zendesk, FIXED_NOW);
      expect(c.problems).toEqual([]);
      expect(c.duplicates).toEqual([]);
      expect(c.organizations).toBe(SIZE);
      // Every created organization's Zendesk id was recorded from its {id, index} row.
      const audit = await e.audit(first.runId);
      for (const r of audit) expect(r.target_id).toBe(String(e.zendesk.findOrganization(r.key)!.id));

      clock.advance(60_000);
      const renamed = e.visma
        .customers()
        .slice(3, 6)
        .map((x) => String(x.number));
      for (const k of renamed) e.visma.patchCustomer(k, { name: `Renamed ${k}` });
      const second = await e.sync();
      expect(second.status, second.error).toBe('ok');
      expect(second.flows[0]).toMatchObject({ created: 0, updated: renamed.length, failed: 0 });
      for (const k of renamed) expect(e.zendesk.findOrganization(k)!.name).toBe(`Renamed ${k}`);
      c = compareAll(e.visma, e.zendesk, FIXED_NOW);
      expect(c.problems).toEqual([]);
      expect(await e.failures()).toEqual([]);

      // An unchanged third run: nothing failed earlier, nothing is pending.
      const third = await e.sync();
      expect(third.flows[0]).toMatchObject({ created: 0, updated: 0, failed: 0 });
    }, 90_000);

    it("a rejected create and a rejected update fail only their records, with Zendesk's reason", async () => {
      const clock = manualClock(FIXED_NOW);
      e = await setup({ size: 60, seed: 78, clock: clock.now, knobs: { zendesk: { jobResultShape: shape } } });
      const customers = e.visma.customers();
      const blocked = customers[11];
      const blockedKey = String(blocked.number);
      expect(
        e.zendesk.orgStore.create({ name: String(blocked.name).trim(), notes: 'made by hand' }, FIXED_NOW.getTime()).ok,
      ).toBe(true);
      const first = await e.sync();
      expect(first.status).toBe('failed_records');
      expect(first.flows[0]).toMatchObject({ created: 59, failed: 1 });
      expect((await e.failures()).map((f) => [f.key, /already been taken/.test(f.reason)])).toEqual([
        [blockedKey, true],
      ]);

      // An update Zendesk refuses: a customer takes another's name.
      const [renamed, holder] = [customers[5], customers[9]];
      clock.advance(60_000);
      e.visma.patchCustomer(String(renamed.number), { name: String(holder.name) });
      const second = await e.sync();
      expect(second.flows[0]).toMatchObject({ updated: 0, failed: 2 });
      const reasons = new Map((await e.failures()).map((f) => [f.key, f.reason]));
      expect([...reasons.keys()].sort()).toEqual([blockedKey, String(renamed.number)].sort());
      expect(reasons.get(String(renamed.number))).toContain('already been taken');
      expect(e.zendesk.findOrganization(String(renamed.number))!.name).toBe(String(renamed.name).trim());
    }, 90_000);
  });
}
