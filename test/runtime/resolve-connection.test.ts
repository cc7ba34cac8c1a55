// The one connection lookup (engine/runtime/resolve-connection.ts) that ping and the sync plan use:
// given profiles win over the connections file, a missing connection or connector is a config error.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../engine/config/diagnostic.js';
import { loadProject } from '../../engine/config/project.js';
import type { Mapping } from '../../engine/config/types.generated.js';
import { endpointConnection, resolveConnection } from '../../engine/runtime/resolve-connection.js';
import { removeTempDirs, repoRoot, tempDir } from './helpers.js';

afterAll(removeTempDirs);

function projectWith(connections: string) {
  const file = join(tempDir(), 'connections.yaml');
  writeFileSync(file, connections);
  return { project: loadProject(repoRoot, { connections: file }), file };
}

const FILE =
  'connections:\n  zd:\n    connector: zendesk\n    values: { subdomain: acme }\n  odd:\n    connector: nosuch\n';

describe('resolveConnection', () => {
  it('finds a profile of the connections file and its connector, naming the file as where', () => {
    const { project, file } = projectWith(FILE);
    const r = resolveConnection(project, 'zd');
    expect(r.connection.values).toEqual({ subdomain: 'acme' });
    expect(r.connector.name).toBe('zendesk');
    expect(r.where).toBe(file);
  });

  it('a given profile (the sandbox) wins over the file', () => {
    const { project } = projectWith(FILE);
    const r = resolveConnection(project, 'zd', { given: { zd: { connector: 'visma' } } });
    expect(r.connector.name).toBe('visma');
    expect(r.where).toBe('sandbox connections');
  });

  it('no such connection: the caller says what to do; by default a diagnostic on the file', () => {
    const { project, file } = projectWith(FILE);
    expect(() => resolveConnection(project, 'nope')).toThrow(ConfigError);
    expect(() => resolveConnection(project, 'nope')).toThrow('no connection "nope"');
    expect(() => resolveConnection(project, 'nope', { missing: (f) => new Error(`none in ${f}`) })).toThrow(
      `none in ${file}`,
    );
  });

  it('a profile naming a connector that does not exist is a config error', () => {
    const { project } = projectWith(FILE);
    expect(() => resolveConnection(project, 'odd')).toThrow(
      'connection "odd" names connector "nosuch", which does not exist',
    );
  });
});

describe('endpointConnection', () => {
  const mapping = {
    name: 'm',
    source: { connector: 'visma' },
    target: { connector: 'zendesk', connection: 'zd' },
    flows: {},
  } as unknown as Mapping;

  it("a mapping's end uses its connection, or its connector's name; missing, it says how to add it", () => {
    const { project } = projectWith(FILE);
    expect(endpointConnection(project, mapping, 'target').name).toBe('zd');
    expect(() => endpointConnection(project, mapping, 'source')).toThrow(
      /mapping m needs connection "visma" for its source, and there is none: add it to/,
    );
  });

  it('optional: a missing connection becomes a bare profile of the connector (work that calls no API)', () => {
    const { project } = projectWith(FILE);
    const r = endpointConnection(project, mapping, 'source', { optional: true });
    expect(r.connection).toEqual({ connector: 'visma' });
    expect(r.connector.name).toBe('visma');
  });
});
