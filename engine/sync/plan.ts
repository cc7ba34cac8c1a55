import { readFileSync } from 'node:fs';
import type { Connections, Flow, Mapping } from '../config/types.generated.js';
import { ConfigError, type Diagnostic } from '../config/diagnostic.js';
import { checkProject } from '../config/lint.js';
import { loadCustomModules } from '../config/custom-modules.js';
import { customModuleFiles } from '../config/custom-refs.js';
import { displayPath, loadProject, type Project } from '../config/project.js';
import { endpointConnection, type ResolvedConnection } from '../runtime/resolve-connection.js';

export interface MappingPlan {
  project: Project;
  mapping: Mapping;
  mappingFile: string;
  source: ResolvedConnection;
  target: ResolvedConnection;
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

function noMapping(project: Project, name: string): Diagnostic {
  const have = [...project.mappings.keys()].join(', ') || 'none';
  return diag(`mappings/${name}/mapping.yaml`, `no mapping "${name}" (have: ${have})`);
}

/**
 * Lints the mapping and what it uses: its files, the connectors its ends name (directly or
 * through their connections), and the connections. A broken connector it does not use does not
 * stop it.
 */
function lintMapping(project: Project, o: PlanOptions, raw: Partial<Mapping> | undefined): void {
  // A connection the mapping names may be defined nowhere: lint reports that, this only looks it up.
  const profiles: Partial<Connections['connections']> = {
    ...(project.connections?.data?.connections ?? {}),
    ...(o.connections ?? {}),
  };
  const ends = [raw?.source, raw?.target].filter((e): e is Mapping['source'] => !!e);
  const named = ends.flatMap((e) => [e.connector, profiles[e.connection ?? e.connector]?.connector]);
  const connectors = [...new Set(named.filter((c): c is string => typeof c === 'string'))];
  const isConnector = (file: string) =>
    connectors.some((c) => file.endsWith(`connectors/${c}.yaml`) || file.endsWith(`connectors/${c}.yml`));
  const errors = checkProject(project, { connectors, mappings: [o.mapping] }).filter(
    (d) =>
      d.severity === 'error' &&
      (d.file.includes(`mappings/${o.mapping}/`) || isConnector(d.file) || d.file.includes('connections')),
  );
  if (errors.length) throw new ConfigError(errors);
}

/** Loads and lints everything a mapping needs; a config with lint errors does not run. */
export function planMapping(o: PlanOptions): MappingPlan {
  const project = loadProject(o.root, { connections: o.connectionsFile });
  const loaded = project.mappings.get(o.mapping);
  if (!loaded) throw new ConfigError([noMapping(project, o.mapping)]);
  lintMapping(project, o, loaded.raw as Partial<Mapping> | undefined);
  const mapping = loaded.data;
  // A mapping without data failed to parse or match its schema, which lint reported above.
  if (!mapping) throw new ConfigError([diag(displayPath(loaded.path), `mapping "${o.mapping}" is not valid`)]);
  const lookup = { given: o.connections, optional: o.requireConnections === false };
  const source = endpointConnection(project, mapping, 'source', lookup);
  const target = endpointConnection(project, mapping, 'target', lookup);
  return { project, mapping, mappingFile: loaded.path, source, target, flows: orderFlows(mapping) };
}

/**
 * A plan a run can use: planMapping, with the custom modules (strategies and functions) that its
 * mapping and its two connectors name imported and bound. Lint only reads what they export; a
 * run calls them, so a module that is missing or exports the wrong thing stops it here, before
 * anything is read or written.
 */
export async function prepareMapping(o: PlanOptions): Promise<MappingPlan> {
  const plan = planMapping(o);
  const used = [
    plan.mappingFile,
    ...[plan.source, plan.target].map((e) => plan.project.connectors.get(e.connector.name)?.path),
  ]
    .filter((f): f is string => !!f)
    .map(displayPath);
  const errors = (await loadCustomModules(plan.project)).filter((d) => d.severity === 'error' && used.includes(d.file));
  if (errors.length) throw new ConfigError(errors);
  return plan;
}

/** The text of the mapping's custom function modules, for the flows' fingerprints. */
export function mappingCustomCode(plan: MappingPlan): string[] {
  const loaded = plan.project.mappings.get(plan.mapping.name);
  return loaded ? customModuleFiles(loaded, 'mapping').map((f) => readFileSync(f, 'utf8')) : [];
}

function orderFlows(m: Mapping): [string, Flow][] {
  const out: [string, Flow][] = [];
  const seen = new Set<string>();
  const visit = (name: string, trail: string[]) => {
    if (seen.has(name)) return;
    if (trail.includes(name)) {
      const cycle = [...trail, name].join(' -> ');
      throw new ConfigError([
        diag(`mappings/${m.name}/mapping.yaml`, `flows depend on each other in a cycle: ${cycle}`),
      ]);
    }
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
    throw new ConfigError(errors.length ? errors : [noMapping(project, mapping)]);
  }
  return [loaded.data.source.connector, loaded.data.target.connector];
}
