// `mlc test --update` and the checks on fixture cases: the author's loop after changing a mapping.
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { testMappings } from '../../engine/cli/test.js';
import { lint } from '../../engine/config/lint.js';
import { lines, relativeTo, removeTempProjects, repoRoot, tempProject } from './helpers.js';

afterEach(removeTempProjects);

const FIX = 'mappings/visma-zendesk/fixtures';

/** A temp project holding a copy of the shipped visma-zendesk mapping. */
function project(): string {
  const root = tempProject({});
  cpSync(join(repoRoot, 'mappings', 'visma-zendesk'), join(root, 'mappings', 'visma-zendesk'), { recursive: true });
  return root;
}

async function mlcTest(root: string, update = false): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await testMappings({ root, mapping: 'visma-zendesk', update, write: (t) => (out += t) });
  return { code, out };
}

/** Adds a field to the transform (and, unless told otherwise, declares it as a custom field). */
function addVatField(root: string, key = 'vat_registration_id', declare = true): void {
  const t = join(root, 'mappings/visma-zendesk/organization.jsonata');
  writeFileSync(
    t,
    readFileSync(t, 'utf8').replace(
      '"erp_customer_number": number,',
      `"erp_customer_number": number,\n      "${key}": vatRegistrationId ? vatRegistrationId : null,`,
    ),
  );
  if (declare) {
    const m = join(root, 'mappings/visma-zendesk/mapping.yaml');
    writeFileSync(
      m,
      readFileSync(m, 'utf8').replace(
        '    custom_fields:\n',
        `    custom_fields:\n      - { key: ${key}, title: VAT registration id, type: text }\n`,
      ),
    );
  }
}

describe('mlc test --update', () => {
  it('writes the new payloads into every case, says what changed, and the cases then pass', async () => {
    const root = project();
    addVatField(root);
    expect((await mlcTest(root)).code).toBe(1);
    const { code, out } = await mlcTest(root, true);
    expect(code).toBe(0);
    expect(out).toMatch(
      /^updated {2}visma-zendesk\/good-standing {2}\(.*good-standing\.yaml\): added organization_fields\.vat_registration_id$/m,
    );
    // The two on_delete cases map through deleted.jsonata, which the new field leaves alone.
    expect(out).toContain('6 updated, 2 unchanged, 0 failed');
    const again = await mlcTest(root);
    expect(again).toEqual({ code: 0, out: expect.stringContaining('8 passed, 0 failed') });
    // A second update has nothing left to write.
    expect((await mlcTest(root, true)).out).toContain('0 updated, 8 unchanged, 0 failed');
  });

  // The yaml library writes one space before a trailing comment, so the test's comments are written that way.
  it('keeps comments, other keys and the layout of the file; only the new field is a new line', async () => {
    const root = project();
    const file = join(root, FIX, 'good-standing.yaml');
    const before = readFileSync(file, 'utf8')
      .replace('flow: organizations', '# Why this case exists.\nflow: organizations # the only flow')
      .replace('    erp_currency: NOK', '    erp_currency: NOK # ISO 4217');
    writeFileSync(file, before);
    addVatField(root);
    await mlcTest(root, true);
    const after = readFileSync(file, 'utf8');
    const added = after.split('\n').filter((l) => !before.split('\n').includes(l));
    expect(added).toEqual(['    vat_registration_id: null']);
    expect(before.split('\n').filter((l) => !after.split('\n').includes(l))).toEqual([]);
  });

  it('reports changed and removed fields by path', async () => {
    const root = project();
    const t = join(root, 'mappings/visma-zendesk/organization.jsonata');
    writeFileSync(
      t,
      readFileSync(t, 'utf8')
        .replace('"notes": "Synced from Visma.net ERP customer " & number,', '')
        .replace('"erp_customer_status": status,', '"erp_customer_status": $lowercase(status),'),
    );
    const { out } = await mlcTest(root, true);
    expect(out).toMatch(
      /^updated {2}visma-zendesk\/good-standing .*: changed organization_fields\.erp_customer_status; removed notes$/m,
    );
    expect(parse(readFileSync(join(root, FIX, 'good-standing.yaml'), 'utf8')).expect).not.toHaveProperty('notes');
  });

  it('writes an expect into a case that has none', async () => {
    const root = project();
    const file = join(root, FIX, 'no-invoices.yaml');
    const doc = parse(readFileSync(file, 'utf8'));
    const wanted = doc.expect;
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^expect:[\s\S]*$/m, ''));
    const { out } = await mlcTest(root, true);
    expect(out).toMatch(
      /^updated {2}visma-zendesk\/no-invoices .*: added external_id, name, details, notes, organization_fields$/m,
    );
    expect(parse(readFileSync(file, 'utf8')).expect).toEqual(wanted);
  });

  it('never touches a case whose mapping fails, reports it, exits 1 and still updates the others', async () => {
    const root = project();
    addVatField(root);
    const broken = join(root, FIX, 'credit-hold.yaml');
    // $trim of a number is a JSONata type error: the mapping throws on this record.
    writeFileSync(broken, readFileSync(broken, 'utf8').replace(/^ {2}name: .*$/m, '  name: 42'));
    const badNow = join(root, FIX, 'no-invoices.yaml');
    writeFileSync(
      badNow,
      readFileSync(badNow, 'utf8').replace('now: "2026-11-21T12:00:00Z"', 'now: "2026-02-30T12:00:00Z"'),
    );
    const texts = [broken, badNow].map((f) => readFileSync(f, 'utf8'));
    const { code, out } = await mlcTest(root, true);
    expect(code).toBe(1);
    expect(out).toMatch(/^FAIL {5}visma-zendesk\/credit-hold .*not updated\)\n {2}.*trim/m);
    expect(out).toMatch(
      /^FAIL {5}visma-zendesk\/no-invoices .*not updated\)\n {2}"now" is not a real date and time: "2026-02-30T12:00:00Z"/m,
    );
    expect(out).toContain('4 updated, 2 unchanged, 2 failed (left as they were)');
    expect([broken, badNow].map((f) => readFileSync(f, 'utf8'))).toEqual(texts);
  });

  it('refuses to write a custom-field key the flow does not declare (the target would drop it)', async () => {
    const root = project();
    // Built with $merge, the key is out of lint's sight: the payload itself is checked.
    const t = join(root, 'mappings/visma-zendesk/organization.jsonata');
    writeFileSync(
      t,
      readFileSync(t, 'utf8')
        .replace(
          '"organization_fields": {',
          '"organization_fields": $merge([{"vat_registraton_id": vatRegistrationId ? vatRegistrationId : null}, {',
        )
        .replace('"credit_standing": $standing\n    }', '"credit_standing": $standing\n    }])'),
    );
    expect(lint(root, [root])).toEqual([]);
    const before = readdirSync(join(root, FIX)).map((f) => readFileSync(join(root, FIX, f), 'utf8'));
    const { code, out } = await mlcTest(root, true);
    expect(code).toBe(1);
    expect(out).toContain(
      `the payload writes organization_fields "vat_registraton_id", which the flow's custom_fields do not declare`,
    );
    expect(readdirSync(join(root, FIX)).map((f) => readFileSync(join(root, FIX, f), 'utf8'))).toEqual(before);
    // The two on_delete cases (deleted.jsonata) still pass.
    expect((await mlcTest(root)).out).toContain('2 passed, 6 failed');
  });

  it('does not run on a mapping lint rejects (a typo lint sees), and touches no fixture', async () => {
    const root = project();
    addVatField(root, 'vat_registraton_id', false);
    const before = readdirSync(join(root, FIX)).map((f) => readFileSync(join(root, FIX, f), 'utf8'));
    await expect(mlcTest(root, true)).rejects.toThrow(
      /organization\.jsonata:\d+:\d+ {2}error {2}custom field "vat_registraton_id" is written into organization_fields but not declared/,
    );
    expect(readdirSync(join(root, FIX)).map((f) => readFileSync(join(root, FIX, f), 'utf8'))).toEqual(before);
  });
});

describe('fixture "now"', () => {
  const cases: [string, string][] = [
    [
      '2026-02-30T12:00:00Z',
      '"now" is not a real date and time: "2026-02-30T12:00:00Z" (such as 2026-11-21T12:00:00Z)',
    ],
    ['1', '"now" must be a date and time with its offset (Z or +01:00), such as 2026-11-21T12:00:00Z; got "1"'],
    [
      '2026-11-21T12:00:00',
      '"now" must be a date and time with its offset (Z or +01:00), such as 2026-11-21T12:00:00Z; got "2026-11-21T12:00:00"',
    ],
    [
      '2026-11-21T24:00:00Z',
      '"now" is not a real date and time: "2026-11-21T24:00:00Z" (such as 2026-11-21T12:00:00Z)',
    ],
  ];
  for (const [now, message] of cases) {
    it(`lint rejects now: "${now}" at its line, and mlc test fails the case`, async () => {
      const root = project();
      const file = join(root, FIX, 'good-standing.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('now: "2026-11-21T12:00:00Z"', `now: "${now}"`));
      expect(relativeTo(root, lint(root, [root]))).toEqual([
        { file: `${FIX}/good-standing.yaml`, line: 3, col: 6, severity: 'error', message, path: 'now' },
      ]);
      const { code, out } = await mlcTest(root);
      expect(code).toBe(1);
      expect(out).toContain(`FAIL  visma-zendesk/good-standing`);
      expect(out).toContain(message);
    });
  }

  it('accepts offsets and fractions of a second', () => {
    const root = tempProject({
      'mappings/ar/mapping.yaml': lines(
        'name: ar',
        'source: { connector: visma }',
        'target: { connector: zendesk }',
        'flows:',
        '  orgs:',
        '    from: customers',
        '    to: upsert_organizations',
        `    transform: '{"external_id": number, "name": name}'`,
      ),
      'mappings/ar/fixtures/a.yaml': lines(
        'flow: orgs',
        'now: 2026-11-21T12:00:00.250+01:00',
        'record: { number: "1", name: A }',
      ),
      'mappings/ar/fixtures/b.yaml': lines(
        'flow: orgs',
        'now: "2024-02-29T23:59:59z"',
        'record: { number: "1", name: A }',
      ),
    });
    expect(lint(root, [root])).toEqual([]);
  });
});
