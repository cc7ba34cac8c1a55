// Every strategy registry holds exactly the names the connector schema's oneOf branches allow, so a name the schema
// accepts always has an implementation and no implementation is unreachable.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUTH_STRATEGIES } from '../../engine/auth/registry.js';
import { CURSORS } from '../../engine/read/cursors.js';
import { PAGINATORS } from '../../engine/read/paginators.js';
import { WRITERS } from '../../engine/write/registry.js';
import { RESULT_READERS } from '../../engine/write/results.js';
import { loadProject } from '../../engine/config/project.js';
import { WEBHOOK_VERIFIERS } from '../../engine/webhook/verifiers.js';
import { repoRoot } from './helpers.js';

interface SchemaNode {
  $ref?: string;
  const?: string;
  enum?: string[];
  oneOf?: SchemaNode[];
  discriminator?: { propertyName: string };
  properties?: Partial<Record<string, SchemaNode>>;
}

const schema = JSON.parse(readFileSync(join(repoRoot, 'schemas', 'connector.schema.json'), 'utf8')) as {
  definitions: Record<string, SchemaNode>;
};
const defs = schema.definitions;
const deref = (n: SchemaNode): SchemaNode => (n.$ref ? defs[n.$ref.replace('#/definitions/', '')] : n);
const sorted = (xs: Iterable<string>) => [...xs].sort();

/** The names a strategy union accepts: each branch's const of the discriminator, once each. */
function branchNames(def: string): string[] {
  const union = defs[def];
  const tag = union.discriminator?.propertyName;
  expect(tag, `${def} is a discriminated oneOf`).toBeDefined();
  const names = union.oneOf!.map(deref).map((b) => b.properties?.[tag!]?.const);
  expect(names.every((n) => typeof n === 'string')).toBe(true);
  expect(new Set(names).size).toBe(names.length);
  return names as string[];
}

describe('registries equal the schema branches', () => {
  it('AUTH_STRATEGIES == the type consts of the Auth oneOf branches', () => {
    expect(sorted(Object.keys(AUTH_STRATEGIES))).toEqual(sorted(branchNames('Auth')));
    for (const f of Object.values(AUTH_STRATEGIES)) expect(typeof f).toBe('function');
  });

  it('PAGINATORS == the type consts of the Pagination oneOf branches', () => {
    expect(sorted(Object.keys(PAGINATORS))).toEqual(sorted(branchNames('Pagination')));
  });

  it('CURSORS == the type consts of the Cursor oneOf branches', () => {
    expect(sorted(Object.keys(CURSORS))).toEqual(sorted(branchNames('Cursor')));
  });

  it('WRITERS == the writer consts of the Write oneOf branches', () => {
    expect(sorted(Object.keys(WRITERS))).toEqual(sorted(branchNames('Write')));
  });

  it('RESULT_READERS: JSONata results (no type) and the type consts of the other Results branches', () => {
    const branches = defs.Results.oneOf!.map(deref);
    const tagged = branches.map((b) => b.properties?.type?.const).filter((n): n is string => typeof n === 'string');
    expect(branches.length - tagged.length).toBe(1);
    expect(sorted(Object.keys(RESULT_READERS))).toEqual(sorted(['jsonata', ...tagged]));
  });

  it('every strategy entry carries its lint rules', () => {
    for (const registry of [AUTH_STRATEGIES, PAGINATORS, CURSORS, WRITERS, WEBHOOK_VERIFIERS]) {
      for (const e of Object.values(registry)) expect(typeof (e as { lint?: unknown }).lint).toBe('function');
    }
  });

  it('every shipped connector uses only registered names', () => {
    const project = loadProject(repoRoot);
    expect(project.connectors.size).toBeGreaterThanOrEqual(6);
    for (const [name, loaded] of project.connectors) {
      const c = loaded.data;
      expect(c, `connectors/${name}.yaml is valid`).toBeDefined();
      for (const a of [c!.auth, ...Object.values(c!.auth_options ?? {})])
        expect(AUTH_STRATEGIES, name).toHaveProperty(a.type);
      const streams = [...Object.values(c!.streams ?? {}), ...Object.values(c!.custom_fields ?? {}).map((f) => f.list)];
      for (const st of streams) {
        if (st.pagination) expect(PAGINATORS, name).toHaveProperty(st.pagination.type);
        if (st.incremental) expect(CURSORS, name).toHaveProperty(st.incremental.type);
      }
      const writes = [
        ...Object.values(c!.operations ?? {}).flatMap((o) => [o.upsert, o.create, o.update]),
        ...Object.values(c!.custom_fields ?? {}).map((f) => f.create),
      ];
      for (const w of writes) if (w) expect(WRITERS, name).toHaveProperty(w.writer);
    }
  });

  it('WEBHOOK_VERIFIERS == the verifier consts of the Webhook oneOf branches, and a shipped connector with a webhook names a registered verifier', () => {
    expect(sorted(Object.keys(WEBHOOK_VERIFIERS))).toEqual(sorted(branchNames('Webhook')));
    for (const f of Object.values(WEBHOOK_VERIFIERS)) expect(typeof f).toBe('function');
    const project = loadProject(repoRoot);
    const withWebhook = [...project.connectors.values()].filter((c) => c.data?.webhook);
    expect(withWebhook.length).toBeGreaterThan(0);
    for (const c of withWebhook) expect(WEBHOOK_VERIFIERS).toHaveProperty(c.data!.webhook!.verifier);
  });
});
