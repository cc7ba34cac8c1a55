// Lint of custom strategies and mapping functions: the module a YAML file names exists, lies inside
// the project (after symbolic links), and exports its kind's interface; each problem is placed on
// the `module` value that names it.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../engine/config/diagnostic.js';
import { lint, lintWithModules } from '../../engine/config/lint.js';
import { lines, relativeTo, removeTempProjects, tempProject } from './helpers.js';

afterEach(removeTempProjects);

const CONNECTOR = 'connectors/acme.yaml';
const MAPPING = 'mappings/ar/mapping.yaml';

/** A connector whose one stream pages with the module at `module` (line 8, the value at col 60). */
const pagedBy = (module: string) =>
  lines(
    'name: acme',
    'base_url: https://api.acme.test',
    'auth: { type: none }',
    'streams:',
    '  widgets:',
    '    path: /widgets',
    '    primary_key: id',
    `    pagination: { type: custom, options: { n: 1 }, module: ${module} }`, // "module: " ends at col 59
  );

function d(file: string, line: number, col: number, message: string, path: string): Diagnostic {
  return { file, line, col, severity: 'error', message, path };
}

async function lintBoth(files: Record<string, string>, extra?: (root: string) => void) {
  const root = tempProject(files);
  extra?.(root);
  return { root, sync: relativeTo(root, lint(root)), loaded: relativeTo(root, await lintWithModules(root)) };
}

const AT = 'streams.widgets.pagination.module';

describe('custom strategy modules', () => {
  it('passes a module that exists in the project and exports the interface', async () => {
    const { sync, loaded } = await lintBoth({
      [CONNECTOR]: pagedBy('./strategies/pager.mjs'),
      'connectors/strategies/pager.mjs':
        'export function createPaginator(spec, label) { return { first: () => ({ query: {}, vars: {} }), next: async () => null }; }\n',
    });
    expect(sync).toEqual([]);
    expect(loaded).toEqual([]);
  });

  it('lets a custom paginator fill {page.*} templates, and leaves custom options to the module', async () => {
    const connector = lines(
      'name: acme',
      'base_url: https://api.acme.test',
      'auth: { type: none }',
      'streams:',
      '  widgets:',
      '    path: /widgets',
      '    primary_key: id',
      '    headers: { x-continuation: "{page.token}" }',
      '    pagination: { type: custom, module: ./strategies/pager.mjs, options: { shape: "{not a template}" } }',
      '  gadgets:',
      '    path: /gadgets',
      '    primary_key: id',
      '    headers: { x-continuation: "{page.token}" }',
    );
    const pager =
      'export function createPaginator() { return { first: () => ({ query: {}, vars: {} }), next: async () => null }; }\n';
    const { loaded } = await lintBoth({ [CONNECTOR]: connector, 'connectors/strategies/pager.mjs': pager });
    // Only the stream without a custom paginator has no {page.token}.
    expect(loaded.map((x) => `${x.line}: ${x.message}`)).toEqual([
      expect.stringMatching(
        /^13: unknown template variable \{page\.token\}: declare it under variables/,
      ) as unknown as string,
    ]);
  });

  it('reports a module that is not there, at the module value', async () => {
    const { sync } = await lintBoth({ [CONNECTOR]: pagedBy('./strategies/nope.mjs') });
    expect(sync).toEqual([
      d(
        CONNECTOR,
        8,
        60,
        expect.stringMatching(
          /^custom paginator module "\.\/strategies\/nope\.mjs" not found \(looked for .*connectors\/strategies\/nope\.mjs\)$/,
        ) as unknown as string,
        AT,
      ),
    ]);
  });

  it('reports a module outside the project, by path and by symbolic link', async () => {
    const { sync } = await lintBoth({ [CONNECTOR]: pagedBy('../../outside.mjs') }, (root) => {
      writeFileSync(join(dirname(root), 'outside.mjs'), 'export function createPaginator() {}\n');
    });
    const outside =
      'resolves (after symbolic links) to a file outside the project; keep custom modules in its connectors/ or mappings/<name>/ folder';
    expect(sync).toEqual([d(CONNECTOR, 8, 60, `custom paginator module "../../outside.mjs" ${outside}`, AT)]);
    const linked = await lintBoth({ [CONNECTOR]: pagedBy('./strategies/link.mjs') }, (root) => {
      const target = join(dirname(root), `elsewhere-${Date.now()}.mjs`);
      writeFileSync(target, 'export function createPaginator() {}\n');
      mkdirSync(join(root, 'connectors', 'strategies'), { recursive: true });
      symlinkSync(target, join(root, 'connectors', 'strategies', 'link.mjs'));
    });
    expect(linked.sync).toEqual([
      d(CONNECTOR, 8, 60, `custom paginator module "./strategies/link.mjs" ${outside}`, AT),
    ]);
  });

  it('reports, once loaded, a module without the export its kind needs, or whose export takes too many parameters', async () => {
    const none = await lintBoth({
      [CONNECTOR]: pagedBy('./strategies/pager.mjs'),
      'connectors/strategies/pager.mjs': 'export const createPager = 1;\n',
    });
    expect(none.sync).toEqual([]);
    expect(none.loaded).toEqual([
      d(
        CONNECTOR,
        8,
        60,
        'custom paginator module "./strategies/pager.mjs" must export a function named createPaginator (createPaginator(spec, label) => { first(), next(page) }); it exports none',
        AT,
      ),
    ]);
    const wide = await lintBoth({
      [CONNECTOR]: pagedBy('./strategies/wide.mjs'),
      'connectors/strategies/wide.mjs': 'export function createPaginator(a, b, c) {}\n',
    });
    expect(wide.loaded).toEqual([
      d(
        CONNECTOR,
        8,
        60,
        'custom paginator module "./strategies/wide.mjs": createPaginator takes 3 parameters, more (createPaginator(spec, label) => { first(), next(page) })',
        AT,
      ),
    ]);
  });

  it('reports a module that cannot be imported (a syntax error), with the reason', async () => {
    const { loaded } = await lintBoth({
      [CONNECTOR]: pagedBy('./strategies/broken.mjs'),
      'connectors/strategies/broken.mjs': 'export function createPaginator( {\n',
    });
    expect(loaded).toHaveLength(1);
    expect(loaded[0]).toMatchObject({ file: CONNECTOR, line: 8, col: 60, path: AT });
    expect(loaded[0].message).toMatch(/^custom paginator module "\.\/strategies\/broken\.mjs" cannot be loaded: /);
  });
});

describe('custom mapping functions', () => {
  const mapping = (fns: string[], transform: string) =>
    lines(
      'name: ar',
      'source: { connector: visma }',
      'target: { connector: zendesk }',
      'functions:',
      ...fns,
      'flows:',
      '  organizations:',
      '    from: customers',
      '    to: upsert_organizations',
      `    transform: '${transform}'`,
    );
  const FY = 'mappings/ar/functions/fy.mjs';

  it('checks calls against the declared params, like the built-in functions', async () => {
    const { sync, loaded } = await lintBoth({
      [MAPPING]: mapping(
        ['  fiscalYear: { module: ./functions/fy.mjs, params: [date, start?] }'],
        '{ "external_id": number, "fy": $fiscalYear() }',
      ),
      [FY]: 'export default function (date, start) { return 1; }\n',
    });
    // line 10: `    transform: '` is 16 chars, "$fiscalYear" starts at index 31 of the expression -> col 48
    const wrong = {
      file: MAPPING,
      line: 10,
      col: 48,
      severity: 'error',
      message: '$fiscalYear takes 1 to 2 arguments ($fiscalYear(date, [start])), got 0',
      path: 'flows.organizations.transform',
    };
    expect(sync).toEqual([wrong]);
    expect(loaded).toEqual([wrong]);
  });

  it('reports a function whose module has no default export, and one named like a built-in', async () => {
    const { loaded } = await lintBoth({
      [MAPPING]: mapping(
        [
          '  fiscalYear: { module: ./functions/fy.mjs, params: [date] }',
          '  aging: { module: ./functions/fy.mjs, params: [x] }',
        ],
        '{ "external_id": number }',
      ),
      [FY]: 'export function fiscalYear(date) { return 1; }\n',
    });
    expect(loaded).toEqual([
      d(
        MAPPING,
        5,
        25,
        'custom function module "./functions/fy.mjs" must export a default export that is a function (export default function (...args)); it exports none',
        'functions.fiscalYear.module',
      ),
      d(
        MAPPING,
        6,
        3,
        '$aging is already a mapping function: give the custom function another name',
        'functions.aging',
      ),
      d(
        MAPPING,
        6,
        20,
        'custom function module "./functions/fy.mjs" must export a default export that is a function (export default function (...args)); it exports none',
        'functions.aging.module',
      ),
    ]);
  });
});
