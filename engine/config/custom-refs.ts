/**
 * Where a project names custom modules, and how one is found, imported and checked: what lint,
 * the strategy registries' loader (custom-modules.ts) and the map worker's function loader
 * (custom-functions.ts) share. Imports no strategy, so the map worker stays light.
 */
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { containedIn } from './contained.js';
import type { Diagnostic } from './diagnostic.js';
import { arityOf, type Param } from './jsonata-vocabulary.js';
import { displayPath, entryExists, type Loaded } from './project.js';
import type {
  Connector,
  CustomFieldSet,
  CustomFunction,
  Mapping,
  Operation,
  Results,
  Stream,
  Write,
} from './types.generated.js';
import { errorMessage } from '../util/text.js';
import type { YamlFile, YamlPath } from './yaml-file.js';

export type CustomKind = 'auth' | 'paginator' | 'cursor' | 'writer' | 'result reader' | 'webhook verifier' | 'function';

/** What each kind's module must export: a function by that name taking at most `params` arguments. */
export const CUSTOM_INTERFACES: Record<CustomKind, { name: string; params: number; usage: string }> = {
  auth: { name: 'createAuth', params: 2, usage: 'createAuth(spec, context) => { apply(request), invalidate() }' },
  paginator: { name: 'createPaginator', params: 2, usage: 'createPaginator(spec, label) => { first(), next(page) }' },
  cursor: {
    name: 'createCursor',
    params: 4,
    usage:
      'createCursor(spec, saved, label, startedAt) => { request(), observeRecord(r), observePage(body), result(), warnings }',
  },
  writer: { name: 'write', params: 2, usage: 'write(items, context) => Promise<outcome[]>' },
  'result reader': {
    name: 'readResults',
    params: 5,
    usage: 'readResults(spec, container, items, kind, label) => Promise<outcome[]>',
  },
  'webhook verifier': {
    name: 'verify',
    params: 3,
    usage: 'verify(spec, request, vars) => { ok: true } | { ok: false, reason }',
  },
  function: { name: 'default', params: Infinity, usage: 'export default function (...args)' },
};

/** One place a YAML file names a custom module. */
export interface CustomRef {
  kind: CustomKind;
  /** The spec object that names it (bound to the loaded module) */
  spec: { module: string };
  /** Where `module` is in the YAML file */
  yaml: YamlFile;
  at: YamlPath;
  /** The folder the path is relative to, and the project it must stay inside */
  base: string;
  root: string;
  /** A mapping function's name and parameters */
  fn?: { name: string; params: readonly Param[] };
}

export type Fn = (...args: never[]) => unknown;
const modules = new Map<string, Promise<Record<string, unknown>>>();
/** Why a module's export does not fit, by file and export name; empty string when it fits. */
const exportProblems = new Map<string, string>();

const isCustom = (v: unknown, tag: string): v is { module: string } =>
  !!v &&
  typeof v === 'object' &&
  (v as Record<string, unknown>)[tag] === 'custom' &&
  typeof (v as { module?: unknown }).module === 'string';

/** Every custom module a connector names, with where. */
function connectorRefs(c: Loaded<Connector>): CustomRef[] {
  const data = (c.data ?? c.raw) as Connector | undefined;
  if (!data || typeof data !== 'object') return [];
  const base = dirname(c.path);
  const root = dirname(base);
  const out: CustomRef[] = [];
  const add = (kind: CustomKind, v: unknown, tag: string, at: YamlPath) => {
    if (isCustom(v, tag)) out.push({ kind, spec: v, yaml: c.yaml, at: [...at, 'module'], base, root });
  };
  add('auth', data.auth, 'type', ['auth']);
  for (const [k, a] of Object.entries(data.auth_options ?? {})) add('auth', a, 'type', ['auth_options', k]);
  const stream = (s: Stream | undefined, at: YamlPath) => {
    add('paginator', s?.pagination, 'type', [...at, 'pagination']);
    add('cursor', s?.incremental, 'type', [...at, 'incremental']);
  };
  const write = (w: Write | undefined, at: YamlPath) => {
    add('writer', w, 'writer', at);
    add('result reader', (w as { results?: Results } | undefined)?.results, 'type', [...at, 'results']);
  };
  for (const [n, s] of Object.entries(data.streams ?? {})) stream(s, ['streams', n]);
  // Lint reads files that fail the schema too: any entry may be null.
  for (const [n, f] of Object.entries<CustomFieldSet | null>(data.custom_fields ?? {})) {
    stream(f?.list, ['custom_fields', n, 'list']);
    write(f?.create, ['custom_fields', n, 'create']);
    write(f?.update, ['custom_fields', n, 'update']);
  }
  for (const [n, op] of Object.entries<Operation | null>(data.operations ?? {}))
    for (const k of ['upsert', 'create', 'update'] as const) write(op?.[k], ['operations', n, k]);
  add('webhook verifier', data.webhook, 'verifier', ['webhook']);
  return out;
}

/** A declared parameter list as the signature lint and the call check use. */
export function paramsOf(declared: readonly string[]): Param[] {
  return declared.map((p) => ({
    name: p.replace(/^\.\.\.|\?$/g, ''),
    types: 'any',
    optional: p.endsWith('?'),
    rest: p.startsWith('...'),
  }));
}

/** A mapping's custom functions with their signatures, as lint checks calls against them. */
export function customSignatures(m: Mapping | undefined): Record<string, readonly Param[]> {
  const fns = m && typeof m === 'object' && m.functions && typeof m.functions === 'object' ? m.functions : {};
  return Object.fromEntries(
    Object.entries<CustomFunction | null>(fns).flatMap(([n, f]) =>
      Array.isArray(f?.params) ? [[n, paramsOf(f.params)]] : [],
    ),
  );
}

function mappingRefs(m: Loaded<Mapping>): CustomRef[] {
  const data = (m.data ?? m.raw) as Mapping | undefined;
  if (!data || typeof data !== 'object' || !data.functions || typeof data.functions !== 'object') return [];
  const base = dirname(m.path);
  return Object.entries<CustomFunction | null>(data.functions).flatMap(([name, f]) =>
    f && typeof f.module === 'string'
      ? [
          {
            kind: 'function' as const,
            spec: f,
            yaml: m.yaml,
            at: ['functions', name, 'module'],
            base,
            root: dirname(dirname(base)),
            fn: { name, params: paramsOf(Array.isArray(f.params) ? f.params : []) },
          },
        ]
      : [],
  );
}

/** Every custom module a loaded connector or mapping file names. */
export function customRefs(loaded: Loaded<Connector> | Loaded<Mapping>, schema: 'connector' | 'mapping'): CustomRef[] {
  return schema === 'connector' ? connectorRefs(loaded as Loaded<Connector>) : mappingRefs(loaded as Loaded<Mapping>);
}

const fileOf = (ref: CustomRef) => resolve(ref.base, ref.spec.module);
const exportOf = (ref: CustomRef) => CUSTOM_INTERFACES[ref.kind].name;

/** Where the module is, or why it cannot be used: missing, or (after links) outside the project. */
function locate(ref: CustomRef): { file: string } | { problem: string } {
  const file = fileOf(ref);
  const what = `custom ${ref.kind} module "${ref.spec.module}"`;
  if (!entryExists(file)) return { problem: `${what} not found (looked for ${displayPath(file)})` };
  const where = containedIn(
    file,
    ref.root,
    'the project; keep custom modules in its connectors/ or mappings/<name>/ folder',
  );
  return where.inside ? { file } : { problem: `${what} ${where.problem}` };
}

/**
 * Lint of the custom modules a file names: each exists and lies inside the project; once loaded
 * (loadCustomModules), each exports its kind's interface. Every problem is at the YAML that names
 * the module.
 */
export function checkCustomRefs(
  loaded: Loaded<Connector> | Loaded<Mapping>,
  schema: 'connector' | 'mapping',
): Diagnostic[] {
  return customRefs(loaded, schema).flatMap((ref) => {
    const found = locate(ref);
    const problem =
      'problem' in found
        ? found.problem
        : exportProblems.get(`${found.file}#${exportOf(ref)}#${ref.fn?.params.length ?? ''}`);
    return problem ? [ref.yaml.diagAt(ref.at, 'error', problem)] : [];
  });
}

/** Why an export does not fit its kind's interface, or undefined when it does. */
function interfaceProblem(ref: CustomRef, exported: unknown): string | undefined {
  const want = CUSTOM_INTERFACES[ref.kind];
  const what = `custom ${ref.kind} module "${ref.spec.module}"`;
  if (typeof exported !== 'function') {
    const named = want.name === 'default' ? 'a default export that is a function' : `a function named ${want.name}`;
    const has = typeof exported === 'undefined' ? 'none' : `a ${typeof exported}`;
    return `${what} must export ${named} (${want.usage}); it exports ${has}`;
  }
  const max = ref.fn ? arityOf(ref.fn.params).max : want.params;
  if (exported.length > max) {
    const declared = ref.fn
      ? ` than the ${ref.fn.params.length} params declared for $${ref.fn.name}`
      : ` (${want.usage})`;
    const fn = want.name === 'default' ? 'its default export' : want.name;
    return `${what}: ${fn} takes ${exported.length} parameters, more${declared}`;
  }
  return undefined;
}

async function importOnce(file: string): Promise<Record<string, unknown>> {
  let m = modules.get(file);
  if (!m) {
    m = import(pathToFileURL(file).href) as Promise<Record<string, unknown>>;
    modules.set(file, m);
  }
  return m;
}

/** Imports one named module, checks its export and binds it; the problem as a diagnostic when it does not fit. */
export async function loadRef(
  ref: CustomRef,
  bind: (ref: CustomRef, exported: Fn) => void,
): Promise<Diagnostic | undefined> {
  const found = locate(ref);
  if ('problem' in found) return ref.yaml.diagAt(ref.at, 'error', found.problem);
  const key = `${found.file}#${exportOf(ref)}#${ref.fn?.params.length ?? ''}`;
  let problem: string | undefined;
  try {
    const m = await importOnce(found.file);
    const exported = m[exportOf(ref)];
    problem = interfaceProblem(ref, exported);
    if (!problem) bind(ref, exported as Fn);
  } catch (e) {
    problem = `custom ${ref.kind} module "${ref.spec.module}" cannot be loaded: ${errorMessage(e)}`;
  }
  exportProblems.set(key, problem ?? '');
  return problem ? ref.yaml.diagAt(ref.at, 'error', problem) : undefined;
}

/** The module files a connector or mapping names that exist inside the project (for a flow's fingerprint). */
export function customModuleFiles(
  loaded: Loaded<Connector> | Loaded<Mapping>,
  schema: 'connector' | 'mapping',
): string[] {
  return customRefs(loaded, schema).flatMap((ref) => {
    const found = locate(ref);
    return 'file' in found ? [found.file] : [];
  });
}
