// Lint where the author works: a mapping folder, a .jsonata file, custom-field keys, and schema words that stay true.
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { lint } from '../../engine/config/lint.js';
import { customFieldKeysWritten } from '../../engine/config/custom-field-check.js';
import { lines, relativeTo, removeTempProjects, repoRoot, tempProject } from './helpers.js';

afterEach(removeTempProjects);

const DIR = 'mappings/visma-zendesk';

function project(): string {
  const root = tempProject({});
  cpSync(join(repoRoot, DIR), join(root, DIR), { recursive: true });
  return root;
}

function edit(root: string, rel: string, from: string, to: string): void {
  const f = join(root, rel);
  const text = readFileSync(f, 'utf8');
  if (!text.includes(from)) throw new Error(`${rel} has no ${from}`);
  writeFileSync(f, text.replace(from, to));
}

/** The transform's line that writes `key`, and the column of the key's first character. */
function keyAt(root: string, key: string): { line: number; col: number } {
  const ls = readFileSync(join(root, DIR, 'organization.jsonata'), 'utf8').split('\n');
  const line = ls.findIndex((l) => l.includes(`"${key}"`));
  return { line: line + 1, col: ls[line].indexOf(`"${key}"`) + 2 };
}

const TYPO =
  'custom field "vat_registraton_id" is written into organization_fields but not declared in flow "organizations"\'s custom_fields, so the target would drop it; did you mean "vat_registration_id"?';

/** The shipped mapping with a new field whose key in the transform has a typo. */
function withTypo(root: string): void {
  edit(
    root,
    `${DIR}/organization.jsonata`,
    '"erp_customer_number": number,',
    '"erp_customer_number": number,\n      "vat_registraton_id": vatRegistrationId,',
  );
  edit(
    root,
    `${DIR}/mapping.yaml`,
    '    custom_fields:\n',
    '    custom_fields:\n      - { key: vat_registration_id, title: VAT registration id, type: text }\n',
  );
}

describe('lint paths the author works on', () => {
  it('a mapping folder lints that mapping (it used to lint nothing and pass)', () => {
    const root = project();
    withTypo(root);
    const { line, col } = keyAt(root, 'vat_registraton_id');
    const expected = [
      {
        file: `${DIR}/organization.jsonata`,
        line,
        col,
        severity: 'error',
        message: TYPO,
        path: 'flows.organizations.transform',
      },
    ];
    expect(relativeTo(root, lint(root, [join(root, DIR)]))).toEqual(expected);
    expect(relativeTo(root, lint(root, [join(root, DIR, 'fixtures')]))).toEqual(expected);
    expect(relativeTo(root, lint(root, [join(root, DIR, 'fixtures', 'good-standing.yaml')]))).toEqual(expected);
  });

  it('a .jsonata file lints the mapping that uses it (it used to be refused as "not a config file")', () => {
    const root = project();
    expect(lint(root, [join(root, DIR, 'organization.jsonata')])).toEqual([]);
    withTypo(root);
    expect(relativeTo(root, lint(root, [join(root, DIR, 'organization.jsonata')])).map((d) => d.message)).toEqual([
      TYPO,
    ]);
  });

  it('a .jsonata file no flow uses is an error, not a silent pass', () => {
    const root = project();
    writeFileSync(join(root, DIR, 'spare.jsonata'), '{"a": 1}\n');
    expect(relativeTo(root, lint(root, [join(root, DIR, 'spare.jsonata')]))).toEqual([
      {
        file: `${DIR}/spare.jsonata`,
        line: 1,
        col: 1,
        severity: 'error',
        message: `no flow in ${join(root, DIR, 'mapping.yaml')} uses this file as its transform, so it is not checked (name it in a flow's transform)`,
        path: '',
      },
    ]);
  });

  it('a folder that is neither a project nor a mapping is an error', () => {
    const root = tempProject({ 'notes/readme.txt': 'x' });
    expect(relativeTo(root, lint(root, [join(root, 'notes')]))).toEqual([
      {
        file: 'notes',
        line: 1,
        col: 1,
        severity: 'error',
        message:
          'nothing to lint in this folder: expected a project folder (with connectors/ or mappings/), a mapping folder (with mapping.yaml) or a config file',
        path: '',
      },
    ]);
  });

  it('the mappings/ folder of a project lints the project', () => {
    const root = project();
    withTypo(root);
    expect(lint(root, [join(root, 'mappings')]).map((d) => d.message)).toEqual([TYPO]);
  });
});

describe('custom-field keys', () => {
  it('the shipped mapping is clean', () => {
    expect(lint(repoRoot, [join(repoRoot, DIR)])).toEqual([]);
  });

  it('an inline transform writing an undeclared key is an error at the key', () => {
    const root = tempProject({
      'mappings/ar/mapping.yaml': lines(
        'name: ar',
        'source: { connector: visma }',
        'target: { connector: zendesk }',
        'flows:',
        '  orgs:',
        '    from: customers',
        '    to: upsert_organizations',
        `    transform: '{"external_id": number, "name": name, "organization_fields": {"credit": creditLimit, "curency": currencyId}}'`,
        '    custom_fields:',
        '      - { key: credit, title: Credit, type: decimal }',
        '      - { key: currency, title: Currency, type: text }',
      ),
    });
    const col =
      1 +
      `    transform: '{"external_id": number, "name": name, "organization_fields": {"credit": creditLimit, "`.length;
    expect(relativeTo(root, lint(root))).toEqual([
      {
        file: 'mappings/ar/mapping.yaml',
        line: 8,
        col,
        severity: 'error',
        message:
          'custom field "curency" is written into organization_fields but not declared in flow "orgs"\'s custom_fields, so the target would drop it; did you mean "currency"?',
        path: 'flows.orgs.transform',
      },
    ]);
  });

  it('a flow that declares no custom fields writes fields made in the target outside mlc: not checked', () => {
    const root = tempProject({
      'mappings/ar/mapping.yaml': lines(
        'name: ar',
        'source: { connector: visma }',
        'target: { connector: zendesk }',
        'flows:',
        '  orgs:',
        '    from: customers',
        '    to: upsert_organizations',
        `    transform: '{"external_id": number, "name": name, "organization_fields": {"x": 1}}'`,
      ),
    });
    expect(lint(root)).toEqual([]);
  });

  it('the same key declared twice is an error at the second one', () => {
    const root = project();
    edit(
      root,
      `${DIR}/mapping.yaml`,
      '      - { key: erp_currency, title: ERP currency, type: text }\n',
      '      - { key: erp_currency, title: ERP currency, type: text }\n      - { key: erp_currency, title: Currency, type: text }\n',
    );
    const ls = readFileSync(join(root, DIR, 'mapping.yaml'), 'utf8').split('\n');
    const line = ls.lastIndexOf('      - { key: erp_currency, title: Currency, type: text }') + 1;
    expect(relativeTo(root, lint(root, [join(root, DIR)]))).toEqual([
      {
        file: `${DIR}/mapping.yaml`,
        line,
        col: 16,
        severity: 'error',
        message: 'custom field "erp_currency" is declared twice (also item 3 of custom_fields); keep one',
        path: 'flows.organizations.custom_fields[3].key',
      },
    ]);
  });

  it('finds keys in nested blocks and conditions, never a key computed at run time or of another object', () => {
    const expr = `( $x := 1; cond ? {"organization_fields": {"a": 1, "b": 2}} : {"organization_fields": {"c": 3, (k): 4}, "other": {"d": 5}, organization_fields: {"e": 6}} )`;
    expect(
      customFieldKeysWritten(expr, 'organization_fields').map((k) => [
        k.key,
        expr.slice(k.index, k.index + k.key.length),
      ]),
    ).toEqual([
      ['a', 'a'],
      ['b', 'b'],
      ['c', 'c'],
    ]);
  });
});

describe('schema words stay true', () => {
  it('every `mlc <command>` a schema description names is a command of the CLI, or is said to be planned', async () => {
    const main = readFileSync(join(repoRoot, 'engine/cli/main.ts'), 'utf8');
    const program = new Command();
    for (const m of main.matchAll(/import \{ ([^}]+) \} from '\.\/([\w-]+)\.js'/g)) {
      const mod = (await import(pathToFileURL(join(repoRoot, 'engine/cli', `${m[2]}.ts`)).href)) as Record<
        string,
        unknown
      >;
      for (const name of m[1].split(',').map((s) => s.trim()))
        if (name.startsWith('register') && typeof mod[name] === 'function')
          (mod[name] as (p: Command) => void)(program);
    }
    const commands = program.commands.map((c) => c.name());
    expect(commands).toContain('lint');
    for (const f of readdirSync(join(repoRoot, 'schemas'))) {
      const text = readFileSync(join(repoRoot, 'schemas', f), 'utf8');
      for (const m of text.matchAll(/`mlc ([a-z-]+)`( \(planned\))?/g)) {
        expect({ file: f, mention: m[0], ok: commands.includes(m[1]) || !!m[2] }).toEqual({
          file: f,
          mention: m[0],
          ok: true,
        });
      }
    }
  });
});
