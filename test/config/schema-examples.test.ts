// Every `examples` entry in the schemas is a working config: placed where its definition is used
// in a small project (with a module for a custom strategy), it validates and passes lint with no
// error and no warning. An example nobody can place fails the test, so none goes unchecked.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CUSTOM_INTERFACES, type CustomKind } from '../../engine/config/custom-modules.js';
import { lintWithModules } from '../../engine/config/lint.js';
import { BUILTIN_TEMPLATE_VARS } from '../../engine/config/references.js';
import { removeTempProjects, repoRoot, tempProject } from './helpers.js';

afterEach(removeTempProjects);

interface Node {
  $ref?: string;
  oneOf?: Node[];
  examples?: unknown[];
}
type Schema = { definitions: Record<string, Node> };

const load = (name: string) =>
  JSON.parse(readFileSync(join(repoRoot, 'schemas', `${name}.schema.json`), 'utf8')) as Schema;

/** The union a definition is a branch of (Auth, Pagination, ...), or itself when it is none. */
function unionOf(schema: Schema, def: string): string {
  const hit = Object.entries(schema.definitions).find(([, n]) =>
    n.oneOf?.some((b) => b.$ref === `#/definitions/${def}`),
  );
  return hit ? hit[0] : def;
}

const BASE = { name: 'example', base_url: 'https://api.example.test', auth: { type: 'none' } };
const STREAM = { path: '/items', primary_key: 'id' };

/** Where an example of each union goes in a connector, and which kind of custom module it may name. */
const CONNECTOR_SLOTS: Record<string, { place: (ex: unknown) => object; kind: CustomKind }> = {
  Auth: { place: (ex) => ({ ...BASE, auth: ex }), kind: 'auth' },
  Pagination: { place: (ex) => ({ ...BASE, streams: { items: { ...STREAM, pagination: ex } } }), kind: 'paginator' },
  Cursor: { place: (ex) => ({ ...BASE, streams: { items: { ...STREAM, incremental: ex } } }), kind: 'cursor' },
  Write: {
    place: (ex) => ({ ...BASE, operations: { items: { match_key: 'external_id', upsert: ex } } }),
    kind: 'writer',
  },
  Results: {
    place: (ex) => ({
      ...BASE,
      operations: {
        items: { match_key: 'external_id', upsert: { writer: 'batch', method: 'POST', path: '/items', results: ex } },
      },
    }),
    kind: 'result reader',
  },
  Webhook: { place: (ex) => ({ ...BASE, webhook: ex }), kind: 'webhook verifier' },
  // Not a strategy: the kind is never used (a deletion names no module).
  Deletion: { place: (ex) => ({ ...BASE, streams: { items: { ...STREAM, deletion: ex } } }), kind: 'paginator' },
};

/** The {variables} an example's strings use, declared so that the template check passes. */
function variablesOf(ex: unknown): Record<string, object> {
  const names = [...JSON.stringify(ex).matchAll(/\{([A-Za-z_]\w*)\}/g)]
    .map((m) => m[1])
    .filter((n) => !BUILTIN_TEMPLATE_VARS.includes(n));
  return Object.fromEntries(names.map((n) => [n, {}]));
}

/** A module with the export a kind needs, so a custom example's module exists and fits. */
function moduleFor(kind: CustomKind): string {
  const name = CUSTOM_INTERFACES[kind].name;
  return name === 'default'
    ? 'export default function (date, startMonth) { return date; }\n'
    : `export function ${name}() { return undefined; }\n`;
}

function examples(schemaName: string): [string, string, unknown][] {
  const schema = load(schemaName);
  return Object.entries(schema.definitions).flatMap(([def, n]) =>
    (n.examples ?? []).map((ex, i): [string, string, unknown] => [`${def}#${i}`, unionOf(schema, def), ex]),
  );
}

describe('schema examples pass lint', () => {
  const connector = examples('connector');

  it('the connector schema has an example for every strategy branch', () => {
    const schema = load('connector');
    for (const union of Object.keys(CONNECTOR_SLOTS)) {
      for (const b of schema.definitions[union].oneOf ?? []) {
        const def = b.$ref!.split('/').pop()!;
        expect(schema.definitions[def].examples?.length ?? 0, `${def} has an example`).toBeGreaterThan(0);
      }
    }
  });

  it.each(connector)('connector %s (%s)', async (_id, union, ex) => {
    const slot = CONNECTOR_SLOTS[union];
    expect(slot, `no place for an example of ${union} in this test: add one`).toBeDefined();
    const data = { ...slot.place(ex), variables: variablesOf(ex) };
    const files: Record<string, string> = { 'connectors/example.yaml': JSON.stringify(data, null, 2) };
    const module = (ex as { module?: string }).module;
    if (module) files[join('connectors', module)] = moduleFor(slot.kind);
    const root = tempProject(files, false);
    expect(await lintWithModules(root)).toEqual([]);
  });

  it.each(examples('mapping'))('mapping %s (%s)', async (_id, def, ex) => {
    expect(['CustomFunction', 'OnDelete'], 'a mapping example with no place here: add one').toContain(def);
    const custom = def === 'CustomFunction';
    // visma's customers declare deletions: a flow reading them says what it does with them.
    const flow = {
      from: 'customers',
      to: 'upsert_organizations',
      transform: custom ? '{ "external_id": number, "fy": $fiscalYear(createdDateTime) }' : '{ "external_id": number }',
      on_delete: custom ? { action: 'ignore' } : ex,
    };
    const mapping = {
      name: 'example',
      source: { connector: 'visma' },
      target: { connector: 'zendesk' },
      ...(custom ? { functions: { fiscalYear: ex } } : {}),
      flows: { organizations: flow },
    };
    const files: Record<string, string> = { 'mappings/example/mapping.yaml': JSON.stringify(mapping, null, 2) };
    if (custom) files[join('mappings/example', (ex as { module: string }).module)] = moduleFor('function');
    else files['mappings/example/deleted.jsonata'] = '{ "external_id": number, "name": "deleted" }\n';
    expect(await lintWithModules(tempProject(files))).toEqual([]);
  });

  it('the connections schema has no examples yet (add a slot here when it gets one)', () => {
    expect(examples('connections')).toEqual([]);
  });
});
