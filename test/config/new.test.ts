// `mlc new <source>-<target>`: a scaffold that lints clean and tests green, from a real sandbox record.
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { connectorsOfName, scaffoldMapping } from '../../engine/cli/new.js';
import { runCommand } from '../../engine/cli/run-command.js';
import { testMappings } from '../../engine/cli/test.js';
import { lint } from '../../engine/config/lint.js';
import { removeTempProjects, repoRoot, tempProject } from './helpers.js';

afterEach(removeTempProjects);

/** A project with every shipped connector and no mappings. */
function project(): string {
  const root = tempProject({});
  for (const f of readdirSync(join(repoRoot, 'connectors')))
    copyFileSync(join(repoRoot, 'connectors', f), join(root, 'connectors', f));
  return root;
}

async function scaffold(
  root: string,
  name: string,
  more: { stream?: string; operation?: string } = {},
): Promise<string> {
  let out = '';
  expect(
    await scaffoldMapping({ root, name, ...more, write: (t) => (out += t), now: new Date('2026-11-21T12:00:00Z') }),
  ).toBe(0);
  return out;
}

async function testGreen(root: string, mapping: string): Promise<void> {
  let out = '';
  const code = await testMappings({ root, mapping, write: (t) => (out += t) });
  expect({ code, out }).toEqual({ code: 0, out: `ok    ${mapping}/sample\n1 passed, 0 failed\n` });
}

const read = (root: string, rel: string) => readFileSync(join(root, rel), 'utf8');

describe('mlc new', () => {
  it('visma suppliers into zendesk organizations: lint clean, test green, the fixture a real sandbox supplier', async () => {
    const root = project();
    const out = await scaffold(root, 'visma-zendesk-demo', { stream: 'suppliers', operation: 'upsert_organizations' });
    const dir = 'mappings/visma-zendesk-demo';
    expect(parse(read(root, `${dir}/mapping.yaml`))).toEqual({
      name: 'visma-zendesk-demo',
      description:
        'visma suppliers into zendesk upsert_organizations (made by mlc new; say here what the mapping is for).',
      source: { connector: 'visma' },
      target: { connector: 'zendesk' },
      flows: { suppliers: { from: 'suppliers', to: 'upsert_organizations', transform: 'suppliers.jsonata' } },
    });
    expect(read(root, `${dir}/suppliers.jsonata`)).toContain('"external_id": $string(number),\n  "name": name\n}');
    const fixture = parse(read(root, `${dir}/fixtures/sample.yaml`));
    // The simulator's supplier DTO, as the engine read it over HTTP.
    expect(fixture.record).toMatchObject({
      number: expect.any(String),
      name: expect.any(String),
      supplierClass: expect.anything(),
      timeStamp: expect.anything(),
    });
    expect(fixture).toMatchObject({
      flow: 'suppliers',
      now: '2026-11-21T12:00:00Z',
      expect: { external_id: fixture.record.number, name: fixture.record.name },
    });
    expect(lint(root, [join(root, dir)])).toEqual([]);
    expect(lint(root)).toEqual([]);
    await testGreen(root, 'visma-zendesk-demo');
    expect(out).toContain('created ');
    expect(out).toMatch(
      /^next: add fields to .*suppliers\.jsonata, then mlc lint .*visma-zendesk-demo, mlc test visma-zendesk-demo --update, mlc dry-run visma-zendesk-demo, mlc sync visma-zendesk-demo --sandbox$/m,
    );
  });

  it("takes the source's first stream and the target's first operation by default", async () => {
    const root = project();
    await scaffold(root, 'visma-zendesk');
    expect(parse(read(root, 'mappings/visma-zendesk/mapping.yaml')).flows).toEqual({
      customers: { from: 'customers', to: 'upsert_organizations', transform: 'customers.jsonata' },
    });
    expect(lint(root)).toEqual([]);
    await testGreen(root, 'visma-zendesk');
  });

  it('a match key inside the custom fields (Pipedrive) becomes a declared custom field', async () => {
    const root = project();
    await scaffold(root, 'visma-pipedrive');
    const flow = parse(read(root, 'mappings/visma-pipedrive/mapping.yaml')).flows.customers;
    expect(flow.custom_fields).toEqual([{ key: 'erp_id', title: 'ERP id', type: 'text' }]);
    expect(parse(read(root, 'mappings/visma-pipedrive/fixtures/sample.yaml')).expect).toEqual({
      custom_fields: { erp_id: expect.any(String) },
      name: expect.any(String),
    });
    expect(lint(root)).toEqual([]);
    await testGreen(root, 'visma-pipedrive');
  });

  it('a source without a simulator gets a placeholder record and says so', async () => {
    const root = project();
    const out = await scaffold(root, 'quickbooks-zendesk');
    expect(out).toContain(
      'note: the sandbox has no quickbooks simulator, so fixtures/sample.yaml holds a placeholder record; replace it with a real customers record',
    );
    expect(parse(read(root, 'mappings/quickbooks-zendesk/fixtures/sample.yaml')).record).toEqual({
      Id: '1',
      name: 'Example',
    });
    expect(lint(root)).toEqual([]);
    await testGreen(root, 'quickbooks-zendesk');
  });

  it.each([
    [
      'Visma_Zendesk',
      {},
      '"Visma_Zendesk" is not a mapping name: use lowercase letters, digits and dashes, starting with a letter, such as visma-zendesk',
    ],
    [
      'sap-zendesk',
      {},
      '"sap-zendesk" does not start with <source>-<target> connectors of connectors/ (known: acumatica, marketo, pipedrive, quickbooks, visma, zendesk)',
    ],
    [
      'visma',
      {},
      '"visma" does not start with <source>-<target> connectors of connectors/ (known: acumatica, marketo, pipedrive, quickbooks, visma, zendesk)',
    ],
    [
      'visma-zendesk',
      { stream: 'vendors' },
      'connector "visma" has no stream "vendors" (it has: customers, customer_invoices, suppliers, contacts)',
    ],
    [
      'visma-zendesk',
      { operation: 'upsert_tickets' },
      'connector "zendesk" has no operation "upsert_tickets" (it has: upsert_organizations, delete_organization, upsert_users)',
    ],
  ])('refuses %s %o with exit 2 and creates nothing', async (name, more, message) => {
    const root = project();
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const before = process.exitCode;
    try {
      await runCommand(() => scaffoldMapping({ root, name, ...more, write: () => undefined }));
      expect(process.exitCode).toBe(2);
      expect(err).toHaveBeenCalledWith(`mlc: ${message}\n`);
    } finally {
      err.mockRestore();
      process.exitCode = before;
    }
    expect(existsSync(join(root, 'mappings'))).toBe(false);
  });

  it('refuses a folder that exists, and leaves it as it was', async () => {
    const root = project();
    await scaffold(root, 'visma-zendesk');
    const before = read(root, 'mappings/visma-zendesk/mapping.yaml');
    await expect(
      scaffoldMapping({ root, name: 'visma-zendesk', stream: 'suppliers', write: () => undefined }),
    ).rejects.toThrow(/mappings\/visma-zendesk already exists; choose another name or remove it/);
    expect(read(root, 'mappings/visma-zendesk/mapping.yaml')).toBe(before);
  });

  it('splits names on the connectors, dashes in connector names too', () => {
    expect(connectorsOfName('visma-zendesk-demo', ['visma', 'zendesk'])).toEqual({
      source: 'visma',
      target: 'zendesk',
    });
    expect(connectorsOfName('my-erp-zendesk', ['my-erp', 'zendesk'])).toEqual({ source: 'my-erp', target: 'zendesk' });
    expect(connectorsOfName('zendesk', ['zendesk'])).toBeUndefined();
  });
});
