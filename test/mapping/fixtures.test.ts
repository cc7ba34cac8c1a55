import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { loadProject } from '../../engine/config/project.js';
import { FlowMapper } from '../../engine/map/flow-mapper.js';
import { runFixtures } from '../../engine/map/fixtures.js';
import { planMapping } from '../../engine/sync/plan.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// Every shipped mapping's fixtures/ cases, exactly as `mlc test` runs them.
describe('mapping fixtures', () => {
  for (const name of loadProject(root).mappings.keys()) {
    it(`${name}: every fixture case produces its expected payload`, async () => {
      const plan = planMapping({ root, mapping: name, connections: {}, requireConnections: false });
      const results = await runFixtures(plan, join(dirname(plan.mappingFile), 'fixtures'));
      expect(results.length).toBeGreaterThan(0);
      for (const r of results)
        expect({ case: r.name, error: r.error, diff: r.diff }).toEqual({
          case: r.name,
          error: undefined,
          diff: undefined,
        });
    });
  }

  it('computes the overdue-buckets case from its invoices', async () => {
    const plan = planMapping({ root, mapping: 'visma-zendesk', connections: {}, requireConnections: false });
    const [good] = (await runFixtures(plan, join(root, 'mappings', 'visma-zendesk', 'fixtures'))).filter(
      (r) => r.name === 'overdue-buckets',
    );
    expect(good.payload?.organization_fields).toMatchObject({ days_overdue: 173, aging_over_90: 4000.25 });
  });

  it('fails a case where the compiled transform and the interpreter disagree (every fixture is a cross-check)', async () => {
    const plan = planMapping({ root, mapping: 'visma-zendesk', connections: {}, requireConnections: false });
    const spy = vi.spyOn(FlowMapper.prototype, 'interpretTransform').mockImplementation((input) =>
      Promise.resolve({
        external_id: (input as { number: string }).number,
        name: 'not what the compiled transform says',
      }),
    );
    try {
      const results = await runFixtures(plan, join(root, 'mappings', 'visma-zendesk', 'fixtures'));
      expect(results.every((r) => !r.ok)).toBe(true);
      expect(results[0].error).toMatch(/compiled transform and the JSONata interpreter disagree.*\n.*name/s);
    } finally {
      spy.mockRestore();
    }
    expect((await runFixtures(plan, join(root, 'mappings', 'visma-zendesk', 'fixtures'))).every((r) => r.ok)).toBe(
      true,
    );
  });
});
