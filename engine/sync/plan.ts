import type { Connection, Connections, Connector, Flow, Mapping } from '../config/types.generated.js';
import { ConfigError, type Diagnostic } from '../config/diagnostic.js';
import { checkProject } from '../config/lint.js';
import { loadProject, type Project } from '../config/project.js';

export interface MappingPlan {
  project: Project;
  mapping: Mapping;
  mappingFile: string;
  source: { name: string; connector: Connector; connection: Connection; where: string };
  target: { name: string; connector: Connector; connection: Connection; where: string };
  /** Flows in an order that respects depends_on */
  flows: [string, Flow][];
}

export interface PlanOptions {
  root: string;
  mapping: string;
  connectionsFile?: string;
  /** Connection profiles given directly (the sandbox); they win over the file */
  connections?: Connections['connections'];
  /** False for work that calls no API (fixtures): a missing connection is not an error */
  requireConnections?: boolean;
}

function diag(file: string, message: string): Diagnostic {
  return { file, line: 1, col: 1, severity: 'error', message, path: '' };
}

/** Loads and lints everything a mapping needs; a config with lint errors does not run. */
export function planMapping(o: PlanOptions): MappingPlan {
  const project = loadProject(o.root, { connections: o.connectionsFile });
  const loaded = project.mappings.get(o.mapping);
  if (!loaded)
    throw new ConfigError([
      diag(
        `mappings/${o.mapping}/mapping.yaml`,
        `no mapping "${o.mapping}" (have: ${[...project.mappings.keys()].join(', ') || 'none'})`,
      ),
    ]);
  const profiles = { ...(project.connections?.data?.connections ?? {}), ...(o.connections ?? {}) };
  // Only what this mapping uses must be valid: a broken connector it does not use does not stop it.
  const raw = loaded.raw as Partial<Mapping> | undefined;
  const ends = [raw?.source, raw?.target].filter((e): e is Mapping['source'] => !!e);
  const connectors = [
    ...new Set(
      ends
        .flatMap((e) => [e.connector, profiles[e.connection ?? e.connector]?.connector])
        .filter((c): c is string => typeof c === 'string'),
    ),
  ];
  const errors = checkProject(project, { connectors, mappings: [o.mapping] }).filter(
    (d) =>
      d.severity === 'error' &&
      (d.file.includes(`mappings/${o.mapping}/`) ||
        connectors.some((c) => d.file.endsWith(`connectors/${c}.yaml`) || d.file.endsWith(`connectors/${c}.yml`)) ||
        d.file.includes('connections')),
  );
  if (errors.length) throw new ConfigError(errors);
  const mapping = loaded.data!;
  const connFile = project.connections?.yaml.file ?? 'connections.yaml';
  const side = (key: 'source' | 'target') => {
    const ep = mapping[key];
    const name = ep.connection ?? ep.connector;
    const connection = profiles[name] ?? (o.requireConnections === false ? { connector: ep.connector } : undefined);
    if (!connection)
      throw new ConfigError([
        diag(
          connFile,
          `mapping ${mapping.name} needs connection "${name}" for its ${key}, and there is none: add it to ${connFile} (or pass --connections FILE, or use --sandbox)`,
        ),
      ]);
    const connector = project.connectors.get(connection.connector)?.data;
    if (!connector)
      throw new ConfigError([
        diag(connFile, `connection "${name}" names connector "${connection.connector}", which does not exist`),
      ]);
    return { name, connector, connection, where: o.connections?.[name] ? 'sandbox connections' : connFile };
  };
  return {
    project,
    mapping,
    mappingFile: loaded.path,
    source: side('source'),
    target: side('target'),
    flows: orderFlows(mapping),
  };
}

function orderFlows(m: Mapping): [string, Flow][] {
  const out: [string, Flow][] = [];
  const seen = new Set<string>();
  const visit = (name: string, trail: string[]) => {
    if (seen.has(name)) return;
    if (trail.includes(name))
      throw new ConfigError([
        diag(
          `mappings/${m.name}/mapping.yaml`,
          `flows depend on each other in a cycle: ${[...trail, name].join(' -> ')}`,
        ),
      ]);
    for (const d of m.flows[name].depends_on ?? []) visit(d, [...trail, name]);
    seen.add(name);
    out.push([name, m.flows[name]]);
  };
  for (const name of Object.keys(m.flows)) visit(name, []);
  return out;
}

/** The connectors a mapping uses, before any connection exists (to start the sandbox). */
export function mappingConnectors(root: string, mapping: string): string[] {
  const project = loadProject(root);
  const loaded = project.mappings.get(mapping);
  if (!loaded?.data) {
    const errors = checkProject(project).filter(
      (d) => d.severity === 'error' && d.file.includes(`mappings/${mapping}/`),
    );
    throw new ConfigError(
      errors.length
        ? errors
        : [
            diag(
              `mappings/${mapping}/mapping.yaml`,
              `no mapping "${mapping}" (have: ${[...project.mappings.keys()].join(', ') || 'none'})`,
            ),
          ],
    );
  }
  return [loaded.data.source.connector, loaded.data.target.connector];
}
