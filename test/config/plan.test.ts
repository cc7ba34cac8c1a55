// What a sync checks before it runs: the files of its mapping and the connectors it uses.
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../engine/config/diagnostic.js';
import { planMapping } from '../../engine/sync/plan.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeTempProjects, repoRoot, tempProject } from './helpers.js';

afterEach(removeTempProjects);

const shipped = (rel: string) => readFileSync(join(repoRoot, rel), 'utf8');
const project = (files: Record<string, string>) =>
  tempProject({
    'mappings/visma-zendesk/mapping.yaml': shipped('mappings/visma-zendesk/mapping.yaml'),
    'mappings/visma-zendesk/organization.jsonata': shipped('mappings/visma-zendesk/organization.jsonata'),
    'mappings/visma-zendesk/deleted.jsonata': shipped('mappings/visma-zendesk/deleted.jsonata'),
    ...files,
  });
const plan = (root: string) =>
  planMapping({ root, mapping: 'visma-zendesk', connections: {}, requireConnections: false });

describe('planning a sync', () => {
  it('is not stopped by a broken connector the mapping does not use', () => {
    const root = project({ 'connectors/marketo.yaml': 'name: marketo\nbase_url: 42\nnot_a_field: true\n' });
    expect(plan(root).mapping.name).toBe('visma-zendesk');
  });

  it('is stopped, with the file named, by a broken connector the mapping uses', () => {
    const root = project({ 'connectors/zendesk.yaml': 'name: zendesk\nbase_url: 42\nnot_a_field: true\n' });
    let err: unknown;
    try {
      plan(root);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).diagnostics.some((d) => d.file.endsWith('connectors/zendesk.yaml'))).toBe(true);
  });
});
