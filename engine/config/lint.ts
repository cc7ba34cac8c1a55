import { statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { tidyMessage, type Diagnostic } from './diagnostic.js';
import { loadCustomModules } from './custom-modules.js';
import { checkFixtures } from './fixture-check.js';
import {
  displayPath,
  entryExists,
  loadFile,
  loadProject,
  schemaFor,
  type LoadOptions,
  type Loaded,
  type Project,
} from './project.js';
import { fsErrorReason } from './read-text.js';
import { checkConnections, checkConnector, checkMapping } from './references.js';
import { transformSource } from './transform-source.js';
import type { Connections, Connector, Mapping } from './types.generated.js';
import { errorMessage } from '../util/text.js';

function byPosition(a: Diagnostic, b: Diagnostic): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col;
}

/**
 * All problems of a loaded project: schema, references, JSONata, templates. With `only`, the
 * checks run on just those connectors and mappings (and the connections file).
 */
export function checkProject(project: Project, only?: { connectors: string[]; mappings: string[] }): Diagnostic[] {
  const wanted = (kind: 'connectors' | 'mappings', name: string) => !only || only[kind].includes(name);
  const out = [...project.diagnostics];
  for (const [name, c] of project.connectors)
    if (wanted('connectors', name)) out.push(...bestEffort(c, () => checkConnector(name, c)));
  for (const [name, m] of project.mappings)
    if (wanted('mappings', name)) out.push(...bestEffort(m, () => checkMapping(name, m, project)));
  const conns = project.connections;
  if (conns) out.push(...bestEffort(conns, () => checkConnections(conns, project)));
  return finish(out);
}

/**
 * Reference checks also run on files that failed the schema, so a user sees every problem at
 * once; on such data a check may meet a shape it does not expect, and then only says less. On a
 * file that passed the schema, a check that throws is an mlc bug: it still becomes an error of
 * that file, so a config is never passed unchecked and the user sees no stack trace.
 */
export function bestEffort(loaded: Loaded<unknown>, check: () => Diagnostic[]): Diagnostic[] {
  try {
    return check();
  } catch (e) {
    if (!loaded.data) return [];
    return [
      {
        file: loaded.yaml.file,
        line: 1,
        col: 1,
        severity: 'error',
        message: `mlc could not finish checking this file (an mlc bug, please report it): ${errorMessage(e)}`,
        path: '',
      },
    ];
  }
}

/** Sorted, without repeats, every message short and printable whatever the file held. */
function finish(diags: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diags
    .map((d) => ({ ...d, message: tidyMessage(d.message) }))
    .filter((d) => {
      const k = `${d.file}:${d.line}:${d.col}:${d.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort(byPosition);
}

function pathError(file: string, message: string): Diagnostic {
  return { file, line: 1, col: 1, severity: 'error', message, path: '' };
}

/**
 * `mlc lint [paths]`: with no paths, the whole project at `root`. A path may be a project folder or
 * a single connector, mapping or connections file; references are resolved against the project
 * the file belongs to (or `root`). Whole projects also get their mappings' fixture files checked.
 */
export function lint(root: string, paths: string[] = [], opts: LoadOptions = {}): Diagnostic[] {
  if (paths.length === 0) return lintProject(root, opts);
  const out: Diagnostic[] = [];
  for (const p of paths) {
    const abs = resolve(p);
    if (!entryExists(abs)) {
      out.push(pathError(p, 'no such file or folder'));
      continue;
    }
    let isDir: boolean;
    try {
      isDir = statSync(abs).isDirectory();
    } catch (e) {
      out.push(pathError(p, `this path ${fsErrorReason(e)}`));
      continue;
    }
    out.push(...(isDir ? lintFolder(abs, p, opts) : lintFile(abs, root, opts)));
  }
  return finish(out);
}

/**
 * `lint` after loading the custom modules of every project the paths belong to, so that a module
 * whose export does not fit its interface (or that cannot be imported) is reported too. What the
 * CLI runs; `lint` alone checks that each module exists inside the project.
 */
export async function lintWithModules(
  root: string,
  paths: string[] = [],
  opts: LoadOptions = {},
): Promise<Diagnostic[]> {
  const roots = new Set(paths.length ? paths.map((p) => projectOf(resolve(p), root)) : [resolve(root)]);
  for (const r of roots) await loadCustomModules(loadProject(r, opts));
  return lint(root, paths, opts);
}

/** The project a path to lint belongs to (itself when it is a project folder). */
function projectOf(abs: string, fallback: string): string {
  if (isProject(abs)) return abs;
  const mapping = mappingFolderOf(abs);
  if (mapping) return dirname(dirname(mapping));
  if (['connectors', 'mappings'].includes(basename(abs)) && isProject(dirname(abs))) return dirname(abs);
  return projectRootOf(abs, resolve(fallback));
}

const isProject = (dir: string) =>
  ['connectors', 'mappings', 'connections.yaml'].some((n) => entryExists(join(dir, n)));

/**
 * The mapping folder (mappings/<name>/ with a mapping.yaml) that `abs` is or lies in, so that a
 * path the author works on (the folder, a .jsonata file, a fixture) lints the mapping it belongs to.
 */
function mappingFolderOf(abs: string): string | undefined {
  for (let d = abs, i = 0; i < 4 && dirname(d) !== d; d = dirname(d), i++) {
    if (basename(dirname(d)) === 'mappings' && entryExists(join(d, 'mapping.yaml'))) return d;
  }
  return undefined;
}

/** A folder names a project, the connectors/ or mappings/ folder of one, or (a folder in) a mapping. */
function lintFolder(abs: string, shown: string, opts: LoadOptions): Diagnostic[] {
  if (isProject(abs)) return lintProject(abs, opts);
  const mapping = mappingFolderOf(abs);
  if (mapping) return lintFile(join(mapping, 'mapping.yaml'), dirname(dirname(mapping)), opts);
  if (['connectors', 'mappings'].includes(basename(abs)) && isProject(dirname(abs)))
    return lintProject(dirname(abs), opts);
  return [
    pathError(
      shown,
      'nothing to lint in this folder: expected a project folder (with connectors/ or mappings/), a mapping folder (with mapping.yaml) or a config file',
    ),
  ];
}

/** A file inside a mapping folder lints that mapping; a .jsonata file must be the transform of one of its flows. */
function lintInMapping(abs: string, mapping: string, opts: LoadOptions): Diagnostic[] {
  const mappingFile = join(mapping, 'mapping.yaml');
  const diags = lintFile(mappingFile, dirname(dirname(mapping)), opts);
  if (!abs.endsWith('.jsonata')) return diags;
  const m = loadFile<Mapping>(mappingFile, 'mapping', []);
  const flows = ((m.data ?? m.raw) as Partial<Mapping> | undefined)?.flows;
  const uses = Object.values(flows && typeof flows === 'object' ? flows : {}).some((f) => {
    const t = (f as { transform?: unknown } | null)?.transform;
    return typeof t === 'string' && transformSource(mappingFile, t).file === abs;
  });
  if (uses) return diags;
  return [
    ...diags,
    pathError(
      displayPath(abs),
      `no flow in ${displayPath(mappingFile)} uses this file as its transform, so it is not checked (name it in a flow's transform)`,
    ),
  ];
}

function lintProject(root: string, opts: LoadOptions): Diagnostic[] {
  const project = loadProject(root, opts);
  const out = checkProject(project);
  for (const [, m] of project.mappings) out.push(...checkFixtures(m));
  return finish(out);
}

function projectRootOf(file: string, fallback: string): string {
  const schema = schemaFor(file);
  if (schema === 'connector') return dirname(dirname(file));
  if (schema === 'mapping') return dirname(dirname(dirname(file)));
  return fallback;
}

function lintFile(abs: string, root: string, opts: LoadOptions): Diagnostic[] {
  const schema = schemaFor(abs);
  if (!schema) {
    const mapping = mappingFolderOf(dirname(abs));
    if (mapping) return lintInMapping(abs, mapping, opts);
    return [
      pathError(
        displayPath(abs),
        'not a config file: expected connectors/<name>.yaml, mappings/<name>/mapping.yaml (or a file in that folder) or a connections*.yaml file',
      ),
    ];
  }
  const own = projectRootOf(abs, root);
  const project = loadProject(entryExists(resolve(own, 'connectors')) ? own : root, opts);
  const diags: Diagnostic[] = [];
  if (schema === 'connector') {
    const c = loadFile<Connector>(abs, 'connector', diags);
    return [...diags, ...bestEffort(c, () => checkConnector(basename(abs).replace(/\.ya?ml$/, ''), c))];
  }
  if (schema === 'mapping') {
    const m = loadFile<Mapping>(abs, 'mapping', diags);
    return [...diags, ...bestEffort(m, () => checkMapping(basename(dirname(abs)), m, project)), ...checkFixtures(m)];
  }
  const c = loadFile<Connections>(abs, 'connections', diags);
  return [...diags, ...bestEffort(c, () => checkConnections(c, project))];
}
