// Every strategy registry holds exactly the names the connector schema allows, so a name the schema
// accepts always has an implementation and no implementation is unreachable.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUTH_STRATEGIES } from '../../engine/auth/registry.js';
import { CURSORS } from '../../engine/read/cursors.js';
import { PAGINATORS } from '../../engine/read/paginators.js';
import { WRITERS } from '../../engine/write/registry.js';
import { loadProject } from '../../engine/config/project.js';
import { WEBHOOK_VERIFIERS } from '../../engine/webhook/verifiers.js';
import { repoRoot } from './helpers.js';

interface SchemaNode {
  $ref?: string;
  const?: string;
  enum?: string[];
  oneOf?: SchemaNode[];
  properties?: Record<string, SchemaNode>;
}

const schema = JSON.parse(readFileSync(join(repoRoot, 'schemas', 'connector.schema.json'), 'utf8')) as { definitions: Record<string, SchemaNode> };
const defs = schema.definitions;
const deref = (n: SchemaNode): SchemaNode => (n.$ref ? defs[n.$ref.replace('#/definitions/', '')] : n);
const sorted = (xs: Iterable<string>) => [...xs].sort();

describe('registries equal the schema enums', () => {
  it('AUTH_STRATEGIES == the type consts of the Auth oneOf branches', () => {
    const branches = defs.Auth.oneOf!.map(deref);
    const names = branches.map((b) => b.properties?.type?.const);
    expect(names.every((n) => typeof n === 'string')).toBe(true);
    expect(new Set(names).size).toBe(names.length);
    expect(sorted(Object.keys(AUTH_STRATEGIES))).toEqual(sorted(names as string[]));
    for (const f of Object.values(AUTH_STRATEGIES)) expect(typeof f).toBe('function');
  });

  it('PAGINATORS == Pagination.type enum', () => {
    expect(sorted(Object.keys(PAGINATORS))).toEqual(sorted(defs.Pagination.properties!.type.enum!));
  });

  it('CURSORS == Cursor.type enum', () => {
    expect(sorted(Object.keys(CURSORS))).toEqual(sorted(defs.Cursor.properties!.type.enum!));
  });

  it('WRITERS == Write.writer enum', () => {
    expect(sorted(Object.keys(WRITERS))).toEqual(sorted(defs.Write.properties!.writer.enum!));
  });

  it('every shipped connector uses only registered names', () => {
    const project = loadProject(repoRoot);
    expect(project.connectors.size).toBeGreaterThanOrEqual(6);
    for (const [name, loaded] of project.connectors) {
      const c = loaded.data;
      expect(c, `connectors/${name}.yaml is valid`).toBeDefined();
      for (const a of [c!.auth, ...Object.values(c!.auth_options ?? {})]) expect(AUTH_STRATEGIES, name).toHaveProperty(a.type);
      const streams = [...Object.values(c!.streams ?? {}), ...Object.values(c!.custom_fields ?? {}).map((f) => f.list)];
      for (const st of streams) {
        if (st.pagination) expect(PAGINATORS, name).toHaveProperty(st.pagination.type);
        if (st.incremental) expect(CURSORS, name).toHaveProperty(st.incremental.type);
      }
      const writes = [...Object.values(c!.operations ?? {}).flatMap((o) => [o.upsert, o.create, o.update]), ...Object.values(c!.custom_fields ?? {}).map((f) => f.create)];
      for (const w of writes) if (w) expect(WRITERS, name).toHaveProperty(w.writer);
    }
  });

  it('WEBHOOK_VERIFIERS == Webhook.verifier enum, and a shipped connector with a webhook names a registered verifier', () => {
    expect(sorted(Object.keys(WEBHOOK_VERIFIERS))).toEqual(sorted(defs.Webhook.properties!.verifier.enum!));
    for (const f of Object.values(WEBHOOK_VERIFIERS)) expect(typeof f).toBe('function');
    const project = loadProject(repoRoot);
    const withWebhook = [...project.connectors.values()].filter((c) => c.data?.webhook);
    expect(withWebhook.length).toBeGreaterThan(0);
    for (const c of withWebhook) expect(WEBHOOK_VERIFIERS).toHaveProperty(c.data!.webhook!.verifier);
  });
});
