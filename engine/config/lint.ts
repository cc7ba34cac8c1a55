import { existsSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Diagnostic } from './diagnostic.js';
import { loadFile, loadProject, schemaFor, type LoadOptions, type Project } from './project.js';
import { checkConnections, checkConnector, checkMapping } from './references.js';
import type { Connections, Connector, Mapping } from './types.generated.js';

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
  for (const [name, c] of project.connectors) if (wanted('connectors', name)) out.push(...bestEffort(c.data, () => checkConnector(name, c)));
  for (const [name, m] of project.mappings) if (wanted('mappings', name)) out.push(...bestEffort(m.data, () => checkMapping(name, m, project)));
  const conns = project.connections;
  if (conns) out.push(...bestEffort(conns.data, () => checkConnections(conns, project)));
  return dedupe(out).sort(byPosition);
}

/**
 * Reference checks also run on files that failed the schema, so a user sees every problem at
 * once; on such data a check may meet a shape it does not expect, and then only says less.
 */
export function bestEffort(valid: unknown, check: () => Diagnostic[]): Diagnostic[] {
  try {
    return check();
  } catch (e) {
    if (valid) throw e;
    return [];
  }
}

function dedupe(diags: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diags.filter((d) => {
    const k = `${d.file}:${d.line}:${d.col}:${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * `mlc lint [paths]`: with no paths, the whole project at `root`. A path may be a project folder or
 * a single connector, mapping or connections file; references are resolved against the project
 * the file belongs to (or `root`).
 */
export function lint(root: string, paths: string[] = [], opts: LoadOptions = {}): Diagnostic[] {
  if (paths.length === 0) return checkProject(loadProject(root, opts));
  const out: Diagnostic[] = [];
  for (const p of paths) {
    const abs = resolve(p);
    if (!existsSync(abs)) {
      out.push({ file: p, line: 1, col: 1, severity: 'error', message: 'no such file or folder', path: '' });
      continue;
    }
    if (statSync(abs).isDirectory()) {
      out.push(...checkProject(loadProject(abs, opts)));
      continue;
    }
    out.push(...lintFile(abs, root, opts));
  }
  return dedupe(out).sort(byPosition);
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
    return [{ file: abs, line: 1, col: 1, severity: 'error', message: 'not a config file: expected connectors/<name>.yaml, mappings/<name>/mapping.yaml or a connections*.yaml file', path: '' }];
  }
  const project = loadProject(existsSync(resolve(projectRootOf(abs, root), 'connectors')) ? projectRootOf(abs, root) : root, opts);
  const diags: Diagnostic[] = [];
  if (schema === 'connector') {
    const c = loadFile<Connector>(abs, 'connector', diags);
    return [...diags, ...bestEffort(c.data, () => checkConnector(basename(abs).replace(/\.ya?ml$/, ''), c))];
  }
  if (schema === 'mapping') {
    const m = loadFile<Mapping>(abs, 'mapping', diags);
    return [...diags, ...bestEffort(m.data, () => checkMapping(basename(dirname(abs)), m, project))];
  }
  const c = loadFile<Connections>(abs, 'connections', diags);
  return [...diags, ...bestEffort(c.data, () => checkConnections(c, project))];
}
