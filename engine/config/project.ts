import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { Connections, Connector, Mapping } from './types.generated.js';
import type { Diagnostic } from './diagnostic.js';
import { validateAgainstSchema, type SchemaName } from './schema-validator.js';
import { YamlFile } from './yaml-file.js';

export interface Loaded<T> {
  /** Absolute path */
  path: string;
  yaml: YamlFile;
  /** Present when the file parsed and matched its schema */
  data?: T;
  /** The parsed data even when it does not match the schema, so reference checks can still run */
  raw?: unknown;
}

export interface Project {
  root: string;
  connectors: Map<string, Loaded<Connector>>;
  mappings: Map<string, Loaded<Mapping>>;
  connections?: Loaded<Connections>;
  diagnostics: Diagnostic[];
}

export function displayPath(abs: string): string {
  const rel = relative(process.cwd(), abs);
  return rel.startsWith('..') ? abs : rel;
}

/** Reads and schema-validates one YAML config file. */
export function loadFile<T>(abs: string, schema: SchemaName, diagnostics: Diagnostic[]): Loaded<T> {
  const yaml = YamlFile.read(abs, displayPath(abs));
  diagnostics.push(...yaml.parseDiagnostics);
  if (!yaml.ok) return { path: abs, yaml };
  const data = yaml.toJS();
  const problems = validateAgainstSchema(schema, yaml, data);
  diagnostics.push(...problems);
  return { path: abs, yaml, raw: data, data: problems.length ? undefined : (data as T) };
}

export function schemaFor(abs: string): SchemaName | undefined {
  if (basename(abs) === 'mapping.yaml') return 'mapping';
  if (basename(dirname(abs)) === 'connectors') return 'connector';
  if (/connections.*\.ya?ml$/.test(basename(abs))) return 'connections';
  return undefined;
}

export interface LoadOptions {
  /** Connections file; default <root>/connections.yaml when it exists */
  connections?: string;
}

/** Loads every connector, mapping and the connections file below a project root. */
export function loadProject(root: string, opts: LoadOptions = {}): Project {
  const abs = resolve(root);
  const diagnostics: Diagnostic[] = [];
  const project: Project = { root: abs, connectors: new Map(), mappings: new Map(), diagnostics };
  const connDir = join(abs, 'connectors');
  if (existsSync(connDir)) {
    for (const f of readdirSync(connDir).sort()) {
      if (!/\.ya?ml$/.test(f)) continue;
      project.connectors.set(f.replace(/\.ya?ml$/, ''), loadFile<Connector>(join(connDir, f), 'connector', diagnostics));
    }
  }
  const mapDir = join(abs, 'mappings');
  if (existsSync(mapDir)) {
    for (const d of readdirSync(mapDir).sort()) {
      const file = join(mapDir, d, 'mapping.yaml');
      if (statSync(join(mapDir, d)).isDirectory() && existsSync(file)) project.mappings.set(d, loadFile<Mapping>(file, 'mapping', diagnostics));
    }
  }
  const connFile = opts.connections ? resolve(opts.connections) : join(abs, 'connections.yaml');
  if (existsSync(connFile)) project.connections = loadFile<Connections>(connFile, 'connections', diagnostics);
  return project;
}
