// Issue 12, "Done means": the README's "To add a field" steps, run as a mapping author would, on a
// copy of visma-zendesk in a sandbox project; after the one sync, every organization carries the field.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, vismaOf, zendeskOf, type SystemName } from '../../sandbox/index.js';
import { ensureBuilt, ROOT } from './helpers.js';
import { addVatField, copyProject } from './temp-project.js';

const SIZE = 60;
let root: string;

/** `mlc <args>` in the temp project (its cwd is the project root, as for a user). */
function mlc(...args: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'mlc.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** The simulated systems as the sandbox saved them. */
async function savedSandbox() {
  const snapshot = JSON.parse(readFileSync(join(root, '.mlc', 'sandbox', 'data.json'), 'utf8')) as Partial<
    Record<SystemName, unknown>
  >;
  const sb = await startSandbox({ systems: ['visma', 'zendesk'], snapshot });
  try {
    // Record URLs name the port this start happened to get.
    const data = {
      customers: vismaOf(sb).customers(),
      invoices: vismaOf(sb).invoices({}),
      organizations: zendeskOf(sb).organizations(),
    };
    return JSON.parse(JSON.stringify(data, (k, v: unknown) => (k === 'url' ? undefined : v))) as typeof data;
  } finally {
    await sb.stop();
  }
}

beforeAll(async () => {
  await ensureBuilt();
  root = copyProject();
}, 240_000);
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('adding a field to a mapping (README "To add a field")', () => {
  it('reaches every organization with lint, test, dry-run and one sync', async () => {
    const first = mlc('sync', 'visma-zendesk', '--sandbox', '--size', String(SIZE));
    expect(first.code, first.out).toBe(0);

    // 1. The field in the transform and in custom_fields.
    addVatField(root);
    // 2. mlc lint
    const lint = mlc('lint');
    expect(lint.code, lint.out).toBe(0);
    // 3. The fixtures' expected payloads follow the mapping, then the cases pass.
    const stale = mlc('test', 'visma-zendesk');
    expect(stale.code, stale.out).toBe(1);
    const update = mlc('test', 'visma-zendesk', '--update');
    expect(update.code, update.out).toBe(0);
    expect(update.out).toContain('added organization_fields.vat_registration_id');
    const test = mlc('test', 'visma-zendesk');
    expect(test.code, test.out).toBe(0);
    // Six cases of the organization transform, two of the on_delete mark (deleted.jsonata, which the field leaves alone).
    expect(test.out).toContain('8 passed, 0 failed');

    // 4. The dry run counts every organization and shows the new field, and changes no sandbox data.
    const before = await savedSandbox();
    // Inactive customers' organizations carry the on_delete mark (deleted.jsonata): the field leaves them alone.
    const inactive = before.customers.filter((c) => c.status === 'Inactive');
    const active = SIZE - inactive.length;
    expect(inactive.length).toBeGreaterThan(0);
    const dry = mlc('dry-run', 'visma-zendesk', '--live', '--sandbox');
    expect(dry.code, dry.out).toBe(0);
    expect(dry.out).toContain(
      `organizations: mapping changed: ${SIZE} re-mapped, 0 created, ${active} updated, ${SIZE - active} unchanged`,
    );
    expect(dry.out).toMatch(/organization_fields\.vat_registration_id: \(absent\) -> "[A-Z]{2}\w+"/);
    expect(dry.out).not.toMatch(/\brun \d{8}T/);
    expect(await savedSandbox()).toEqual(before);

    // 5. One sync writes it to every organization.
    const sync = mlc('sync', 'visma-zendesk', '--sandbox');
    expect(sync.code, sync.out).toBe(0);
    expect(sync.out).toContain('provisioned custom fields for organizations: vat_registration_id');
    expect(sync.out).toContain(`organizations: mapping changed: ${SIZE} re-mapped`);
    const after = await savedSandbox();
    const vat = new Map(after.customers.map((c) => [String(c.number), c.vatRegistrationId ?? null]));
    const orgs = after.organizations.filter((o) => o.external_id !== null);
    expect(orgs).toHaveLength(SIZE);
    const wrong = orgs.filter(
      (o) => (o.organization_fields as Record<string, unknown>).vat_registration_id !== vat.get(String(o.external_id)),
    );
    const marked = new Set(inactive.map((c) => String(c.number)));
    expect(wrong.map((o) => String(o.external_id)).filter((n) => !marked.has(n))).toEqual([]);
    expect(
      orgs.filter((o) => (o.organization_fields as Record<string, unknown>).vat_registration_id).length,
    ).toBeGreaterThan(SIZE / 2);
  }, 240_000);
});
