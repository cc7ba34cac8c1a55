import { lstatSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { Connections, Connector, Mapping } from './types.generated.js';
import type { Diagnostic } from './diagnostic.js';
import { fsErrorReason } from './read-text.js';
import { validateAgainstSchema, type SchemaName } from './schema-validator.js';
import { YamlFile } from './yaml-file.js';
import { errorMessage } from '../util/text.js';

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
  let problems: Diagnostic[];
  try {
    problems = validateAgainstSchema(schema, yaml, data);
  } catch (e) {
    // The data came from a parser with nesting and alias limits; anything still too much for the validator is the file's error, not a crash.
    problems = [
      {
        file: yaml.file,
        line: 1,
        col: 1,
        severity: 'error',
        message: `cannot check this file against the ${schema} schema: ${errorMessage(e)}`,
        path: '',
      },
    ];
  }
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

/** The names in a folder, or why it cannot be listed (a symbolic link loop, a file where a folder is expected). */
export function listFolder(dir: string): { names: string[] } | { problem: string } {
  try {
    return { names: readdirSync(dir).sort() };
  } catch (e) {
    return {
      problem:
        (e as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'is a file where a folder is expected' : fsErrorReason(e),
    };
  }
}

/** Whether anything, even a dangling or looping symbolic link, is at a path. */
export function entryExists(abs: string): boolean {
  try {
    lstatSync(abs);
    return true;
  } catch {
    return false;
  }
}

function folderDiag(abs: string, problem: string): Diagnostic {
  return { file: displayPath(abs), line: 1, col: 1, severity: 'error', message: `this folder ${problem}`, path: '' };
}

/** A placeholder for a file that could not be read, so that the error is reported under its name. */
function unreadable<T>(abs: string, problem: string, diagnostics: Diagnostic[]): Loaded<T> {
  const d: Diagnostic = { file: displayPath(abs), line: 1, col: 1, severity: 'error', message: problem, path: '' };
  diagnostics.push(d);
  const yaml = new YamlFile(d.file, '');
  yaml.parseDiagnostics.push(d);
  return { path: abs, yaml };
}

/** Loads every connector, mapping and the connections file below a project root. */
export function loadProject(root: string, opts: LoadOptions = {}): Project {
  const abs = resolve(root);
  const diagnostics: Diagnostic[] = [];
  const project: Project = { root: abs, connectors: new Map(), mappings: new Map(), diagnostics };
  const connDir = join(abs, 'connectors');
  if (entryExists(connDir)) {
    const list = listFolder(connDir);
    if ('problem' in list) diagnostics.push(folderDiag(connDir, list.problem));
    else {
      for (const f of list.names) {
        if (!/\.ya?ml$/.test(f)) continue;
        project.connectors.set(
          f.replace(/\.ya?ml$/, ''),
          loadFile<Connector>(join(connDir, f), 'connector', diagnostics),
        );
      }
    }
  }
  const mapDir = join(abs, 'mappings');
  if (entryExists(mapDir)) {
    const list = listFolder(mapDir);
    if ('problem' in list) diagnostics.push(folderDiag(mapDir, list.problem));
    else for (const d of list.names) loadMappingFolder(project, join(mapDir, d), diagnostics);
  }
  const connFile = opts.connections ? resolve(opts.connections) : join(abs, 'connections.yaml');
  if (entryExists(connFile)) project.connections = loadFile<Connections>(connFile, 'connections', diagnostics);
  return project;
}

/**
 * A mapping folder that cannot be read, or whose mapping.yaml cannot, is still registered under
 * its name: a sync of it then reports why, instead of saying there is no such mapping.
 */
function loadMappingFolder(project: Project, dir: string, diagnostics: Diagnostic[]): void {
  const name = basename(dir);
  const file = join(dir, 'mapping.yaml');
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    project.mappings.set(name, unreadable(file, `mapping folder ${displayPath(dir)} ${fsErrorReason(e)}`, diagnostics));
    return;
  }
  // Other files beside the mapping folders (a README) are not mappings.
  if (!st.isDirectory() || !entryExists(file)) return;
  project.mappings.set(name, loadFile<Mapping>(file, 'mapping', diagnostics));
}
