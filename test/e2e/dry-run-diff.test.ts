// Issue 12, section 5: a dry run shows which fields an update changes, old -> new, from the payload last written.
import { afterEach, describe, expect, it } from 'vitest';
import { describeChanges, fieldChanges } from '../../engine/util/field-changes.js';
import { setup, type E2E } from './helpers.js';

let e: E2E | undefined;
afterEach(async () => {
  await e?.stop();
  e = undefined;
});

describe('dry-run would-update', () => {
  it('carries the payload last written, so the changed fields show old -> new', async () => {
    e = await setup({ size: 20, seed: 5 });
    expect((await e.sync()).status).toBe('ok');
    // An active one: an inactive customer's organization is marked instead (deletion.test.ts).
    const c = e.visma.customers().filter((x) => x.status !== 'Inactive')[3];
    const number = String(c.number);
    e.visma.patchCustomer(number, { name: 'Renamed Handel AS' });

    const dry = await e.sync({ dryRun: true });
    const planned = dry.flows[0].planned!.filter((p) => p.action === 'update');
    expect(planned.map((p) => p.key)).toEqual([number]);
    const [p] = planned;
    expect(p.before).toBeDefined();
    expect(describeChanges(fieldChanges(p.before!, p.payload))).toEqual([
      `name: ${JSON.stringify(String(c.name).trim())} -> "Renamed Handel AS"`,
    ]);

    // The payload kept is the one the sync then writes.
    expect((await e.sync()).flows[0].updated).toBe(1);
    e.visma.patchCustomer(number, { name: 'Renamed Again AS' });
    const [q] = (await e.sync({ dryRun: true })).flows[0].planned!.filter((x) => x.action === 'update');
    expect(describeChanges(fieldChanges(q.before!, q.payload))).toEqual([
      'name: "Renamed Handel AS" -> "Renamed Again AS"',
    ]);
  });

  it('has no old payload for records written before payloads were kept', async () => {
    e = await setup({ size: 10, seed: 6 });
    expect((await e.sync()).status).toBe('ok');
    await e.withState((s) => {
      s.run('DELETE FROM written');
      s.checkpoint();
    });
    e.visma.patchCustomer(String(e.visma.customers()[0].number), { name: 'Someone Else AS' });
    const [p] = (await e.sync({ dryRun: true })).flows[0].planned!.filter((x) => x.action === 'update');
    expect(p.before).toBeUndefined();
  });
});

describe('fieldChanges', () => {
  it('lists changed, added and removed leaves by path; equal ones are left out', () => {
    const changes = fieldChanges(
      { a: 1, f: { x: 'old', y: [1, 2], gone: true }, same: null },
      { a: 1, f: { x: 'new', y: [1, 3], z: null }, same: null },
    );
    expect(describeChanges(changes)).toEqual([
      'f.gone: true -> (absent)',
      'f.x: "old" -> "new"',
      'f.y: [1,2] -> [1,3]',
      'f.z: (absent) -> null',
    ]);
  });
});
