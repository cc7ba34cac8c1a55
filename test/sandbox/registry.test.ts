// The sandbox's simulator registry: every simulated system is one definition the engine asks for
// (start, mutate, examples, session knobs), so the engine names no vendor.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSandboxSession, sandboxExamples } from '../../engine/sandbox/session.js';
import { registry, startSandbox, SYSTEMS, zendeskOf, type SimulatorDefinition } from '../../sandbox/index.js';
import { SimulatorRegistry } from '../../sandbox/registry.js';
import { zendeskClient } from './helpers/zendesk-client.js';

const ROOT = join(import.meta.dirname, '..', '..');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('the registered simulators', () => {
  it.each(SYSTEMS.map((s) => [s]))('%s simulates a connector in connectors/ and starts as one', async (system) => {
    const d = registry.get(system);
    expect(d.system).toBe(system);
    expect(existsSync(join(ROOT, 'connectors', `${system}.yaml`))).toBe(true);
    const sim = await d.start({ seed: 1, size: 3 });
    try {
      expect(sim.name).toBe(system);
      expect(sim.connection.connector).toBe(system);
      expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      // A source the sandbox cannot change shows no delta on a second run; a target shows what it got.
      if (d.role !== 'target') expect(typeof d.mutate).toBe('function');
      if (d.role !== 'source') expect(typeof d.examples).toBe('function');
    } finally {
      await sim.stop();
    }
  });

  it('refuses a second definition for one system and names the registered ones for an unknown name', () => {
    const start = () => Promise.reject(new Error('unused'));
    const fake = (system: string): SimulatorDefinition => ({ system, role: 'target', start });
    expect(() => new SimulatorRegistry([fake('a'), fake('b'), fake('a')])).toThrow(/two simulators registered for a/);
    const r = new SimulatorRegistry([fake('a'), fake('b')]);
    expect(r.systems).toEqual(['a', 'b']);
    expect(r.unknown(['b', 'c'])).toEqual(['c']);
    expect(() => r.get('c')).toThrow(/no simulator for c; it simulates a, b/);
  });

  it('startSandbox refuses a system nobody registered, before starting any', async () => {
    await expect(startSandbox({ systems: ['visma', 'nosuch' as 'visma'] })).rejects.toThrow(/no simulator for nosuch/);
  });
});

describe('a sandbox session asks the registry', () => {
  it('a continued session changes each source and says where; examples come from the target', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlc-registry-'));
    dirs.push(dir);
    const files = { dataFile: join(dir, 'data.json'), stateFile: join(dir, 'state.db') };
    const first = await openSandboxSession({ systems: ['visma', 'zendesk'], ...files, size: 12, seed: 3 });
    expect(first.notes).toEqual([]);
    await first.finish();

    const second = await openSandboxSession({ systems: ['visma', 'zendesk'], ...files, asked: { size: 30 } });
    try {
      expect(second.notes.join('\n')).toMatch(/reused the existing sandbox .*\(12 customers, seed 3\)/);
      const changed = /continued the sandbox from .*data\.json; changed in Visma since the last run: \d+ customer/;
      expect(second.notes.join('\n')).toMatch(changed);
      const none = sandboxExamples(second.sandbox, []);
      const nothing = expect.stringContaining('No organization');
      expect(none).toEqual([expect.objectContaining({ records: [], nothing })]);

      const zd = zendeskClient(zendeskOf(second.sandbox));
      const made = async (name: string, fields: Record<string, unknown>) => {
        const body = { organization: { name, external_id: name.toLowerCase(), organization_fields: fields } };
        const res = await zd.post<{ organization: { id: number } }>('/api/v2/organizations', body);
        return String(res.body.organization.id);
      };
      const tier = { organization_field: { key: 'tier', type: 'text', title: 'Tier' } };
      await zd.post('/api/v2/organization_fields', tier);
      const plain = await made('Plain', {});
      const rich = await made('Rich', { tier: 'gold' });
      const [shown] = sandboxExamples(second.sandbox, [plain, rich], 1);
      expect(shown.title).toContain('wrote in (simulated)');
      const views = shown.records.map((r) => shown.view!(r));
      expect(views).toEqual([{ heading: 'Rich (external_id rich)', fields: { tier: 'gold' } }]);
    } finally {
      await second.finish();
    }
  });
});
