import { closest } from '../util/closest.js';
import { unclosedPlaceholders, variablesIn } from '../util/template.js';
import { plainText } from '../util/text.js';
import { lintAuth } from '../auth/registry.js';
import { lintCursor } from '../read/cursors.js';
import { lintPagination } from '../read/paginators.js';
import { lintWebhook } from '../webhook/verifiers.js';
import { lintWrite } from '../write/registry.js';
import { checkCustomRefs, customSignatures } from './custom-refs.js';
import { JSONATA_BUILTINS, MAPPING_FUNCTION_SIGNATURES, type Param } from './jsonata-vocabulary.js';
import type { StrategyProblem } from './strategy.js';
import type { Diagnostic } from './diagnostic.js';
import { checkJsonata, rootFields } from './jsonata-check.js';
import type { Loaded, Project } from './project.js';
import { displayPath } from './project.js';
import { duplicateCustomFields, undeclaredCustomFieldKeys } from './custom-field-check.js';
import { checkFlowDeletions, isByIdOnly } from './deletion-lint.js';
import { stringLeaves } from './schema-walk.js';
import type { Auth, Connections, Connector, Mapping, Stream } from './types.generated.js';
import type { YamlFile, YamlPath } from './yaml-file.js';

import { transformSource } from './transform-source.js';

// Kept for callers that import it from here (cli/test.ts).
export { transformSource };

/** Template names the runtime fills in itself. */
export const BUILTIN_TEMPLATE_VARS = [
  'cursor',
  'page.size',
  'page.offset',
  'page.number',
  'id',
  'ids',
  'key',
  'keys',
  'status',
  'error',
];

const ENV_REF = /\$\{([^}]*)\}/g;

type Signatures = Readonly<Record<string, readonly Param[]>>;

function jsonataDiagnostics(
  yaml: YamlFile,
  path: YamlPath,
  expr: string,
  functions: readonly string[] | Signatures = MAPPING_FUNCTION_SIGNATURES,
): Diagnostic[] {
  return checkJsonata(expr, functions).map((p) =>
    yaml.diag(yaml.offsetInScalar(path, p.index), p.severity, p.message, path),
  );
}

function suggest(word: string, names: string[]): string {
  const hint = closest(word, names);
  return hint ? `; did you mean "${hint}"?` : names.length ? ` (known: ${names.join(', ')})` : '';
}

export function checkConnector(name: string, c: Loaded<Connector>): Diagnostic[] {
  const { yaml } = c;
  const data = (c.data ?? c.raw) as Connector | undefined;
  if (!data || typeof data !== 'object') return [];
  const out: Diagnostic[] = [];
  if (data.name !== name)
    out.push(yaml.diagAt(['name'], 'error', `connector name "${data.name}" must equal the file name "${name}"`));
  out.push(...templateDiagnostics(yaml, data));
  out.push(...checkCustomRefs(c, 'connector'));
  if (data.webhook) out.push(...placed(yaml, ['webhook'], data.webhook, lintWebhook(data.webhook)));
  // Lint reads files that fail the schema too: an auth may be missing or not an object at all.
  const auths: [YamlPath, unknown][] = [
    [['auth'], data.auth],
    ...Object.entries(data.auth_options ?? {}).map(([k, a]): [YamlPath, unknown] => [['auth_options', k], a]),
  ];
  for (const [at, auth] of auths)
    if (auth && typeof auth === 'object') out.push(...placed(yaml, at, auth, lintAuth(auth as Auth)));
  for (const [sname, s] of Object.entries(data.streams ?? {})) out.push(...checkStream(yaml, ['streams', sname], s));
  for (const [fname, f] of Object.entries(data.custom_fields ?? {})) {
    out.push(...checkStream(yaml, ['custom_fields', fname, 'list'], f.list));
    for (const kind of ['create', 'update'] as const) {
      const w = f[kind];
      if (w) out.push(...placed(yaml, ['custom_fields', fname, kind], w, lintWrite(w, { kind })));
    }
  }
  for (const [oname, op] of Object.entries(data.operations ?? {})) {
    const at = ['operations', oname];
    // One with "update" alone acts on one record by id (archive, delete): flows reach it by on_delete.
    if (!op.upsert && !(op.create && op.update) && !isByIdOnly(op))
      out.push(yaml.diagAt(at, 'error', 'an operation needs "upsert", or both "create" and "update"'));
    if (op.create && !op.update && !op.upsert)
      out.push(
        yaml.diagAt(
          [...at, 'create'],
          'error',
          'an operation with "create" needs "update" too (records the target already has)',
        ),
      );
    if (op.custom_fields && !data.custom_fields?.[op.custom_fields])
      out.push(
        yaml.diagAt(
          [...at, 'custom_fields'],
          'error',
          `no custom field set "${op.custom_fields}" in this connector${suggest(op.custom_fields, Object.keys(data.custom_fields ?? {}))}`,
        ),
      );
    for (const kind of ['upsert', 'create', 'update'] as const) {
      const w = op[kind];
      if (w) out.push(...placed(yaml, [...at, kind], w, lintWrite(w, { kind })));
    }
  }
  return out;
}

/** JSONata and {template} checks of every string of a connector, by the definition it was declared with. */
function templateDiagnostics(yaml: YamlFile, data: Connector): Diagnostic[] {
  const out: Diagnostic[] = [];
  const declared = Object.keys(data.variables ?? {});
  const cursorVars = Object.values(data.streams ?? {}).flatMap((s) =>
    Object.keys((s.incremental && 'vars' in s.incremental && s.incremental.vars) || {}),
  );
  const allowed = [...declared, ...BUILTIN_TEMPLATE_VARS, ...cursorVars];
  for (const leaf of stringLeaves('connector', data)) {
    if (leaf.def === 'Jsonata') {
      // Connector expressions run on JSONata alone, without the mapping functions.
      out.push(...jsonataDiagnostics(yaml, leaf.path, leaf.value, []));
    } else if (isTemplate(leaf.path, leaf.def) && !underCustomOptions(data, leaf.path)) {
      for (const v of unclosedPlaceholders(leaf.value)) {
        out.push(
          yaml.diag(
            yaml.offsetInScalar(leaf.path, v.index),
            'error',
            `unclosed template {${v.name}: close it with "}" (write {{ for a literal brace)`,
            leaf.path,
          ),
        );
      }
      const pagedByModule = customPaged(data, leaf.path);
      for (const v of variablesIn(leaf.value)) {
        // A custom paginator may hand any {page.*} value to the stream's templates.
        if (!allowed.includes(v.name) && !(pagedByModule && v.name.startsWith('page.'))) {
          out.push(
            yaml.diag(
              yaml.offsetInScalar(leaf.path, v.index),
              'error',
              `unknown template variable {${v.name}}: declare it under variables${suggest(v.name, allowed)}`,
              leaf.path,
            ),
          );
        }
      }
    }
  }
  return out;
}

/** Whether a path lies in the `options` of a custom strategy: what they mean is the module's business. */
function underCustomOptions(data: unknown, path: YamlPath): boolean {
  let cur: unknown = data;
  for (const key of path) {
    if (!cur || typeof cur !== 'object') return false;
    if (key === 'options' && typeof (cur as { module?: unknown }).module === 'string') return true;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return false;
}

/** Whether a path lies in a stream (or custom field list) that a custom paginator pages. */
function customPaged(data: Connector, path: YamlPath): boolean {
  const stream =
    path[0] === 'streams'
      ? data.streams?.[String(path[1])]
      : path[0] === 'custom_fields' && path[2] === 'list'
        ? data.custom_fields?.[String(path[1])]?.list
        : undefined;
  return stream?.pagination?.type === 'custom';
}

/** Descriptions, docs, variable declarations and module paths are text, not templates. */
function isTemplate(path: YamlPath, def: string | undefined): boolean {
  return (
    path[0] !== 'description' &&
    path.at(-1) !== 'description' &&
    path[0] !== 'docs' &&
    path[0] !== 'variables' &&
    def !== 'CustomModule'
  );
}

/** A strategy's own problems, each at the key it names (when the spec has it) or at the spec. */
function placed(yaml: YamlFile, at: YamlPath, spec: object, problems: StrategyProblem[]): Diagnostic[] {
  return problems.map((p) => {
    const onKey = p.key && Object.hasOwn(spec, p.key) ? p.key : undefined;
    return yaml.diagAt(onKey ? [...at, onKey] : at, p.severity ?? 'error', p.message, !onKey && at.length === 1);
  });
}

function checkStream(yaml: YamlFile, at: YamlPath, raw: unknown): Diagnostic[] {
  if (!raw || typeof raw !== 'object') return [];
  const s = raw as Stream;
  const templates = [s.path, ...Object.values(s.query ?? {}), ...Object.values(s.headers ?? {})].filter(
    (t): t is string => typeof t === 'string',
  );
  const out: Diagnostic[] = [];
  if (s.pagination && typeof s.pagination === 'object')
    out.push(...placed(yaml, [...at, 'pagination'], s.pagination, lintPagination(s.pagination, { templates })));
  if (s.incremental && typeof s.incremental === 'object')
    out.push(...placed(yaml, [...at, 'incremental'], s.incremental, lintCursor(s.incremental, { templates })));
  return out;
}

/** A diagnostic at character `index` of a .jsonata file. */
function fileDiag(
  file: string,
  expr: string,
  index: number,
  severity: Diagnostic['severity'],
  message: string,
  path: YamlPath,
): Diagnostic {
  const before = expr.slice(0, index);
  return {
    file: displayPath(file),
    line: before.split('\n').length,
    col: index - before.lastIndexOf('\n'),
    severity,
    message,
    path: path.join('.'),
  };
}

function jsonataFileDiagnostics(file: string, expr: string, path: YamlPath, functions: Signatures): Diagnostic[] {
  return checkJsonata(expr, functions).map((p) => fileDiag(file, expr, p.index, p.severity, p.message, path));
}

export function checkMapping(dirName: string, m: Loaded<Mapping>, project: Project): Diagnostic[] {
  const { yaml } = m;
  const data = (m.data ?? m.raw) as Mapping | undefined;
  if (!data || typeof data !== 'object') return [];
  const out: Diagnostic[] = [];
  if (data.name !== dirName)
    out.push(yaml.diagAt(['name'], 'error', `mapping name "${data.name}" must equal its folder name "${dirName}"`));
  const connectorNames = [...project.connectors.keys()];
  const side = (key: 'source' | 'target') => {
    const name = data[key].connector;
    const c = project.connectors.get(name);
    if (!c)
      out.push(
        yaml.diagAt(
          [key, 'connector'],
          'error',
          `no connector "${name}" in connectors/${suggest(name, connectorNames)}`,
        ),
      );
    return c?.data;
  };
  const src = side('source');
  const tgt = side('target');
  out.push(...checkCustomRefs(m, 'mapping'), ...functionNameClashes(yaml, data));
  const functions: Signatures = { ...customSignatures(data), ...MAPPING_FUNCTION_SIGNATURES };
  const streams = Object.keys(src?.streams ?? {});
  const ops = Object.keys(tgt?.operations ?? {});
  const flowNames = Object.keys(data.flows);
  const flowsByName: Readonly<Partial<Mapping['flows']>> = data.flows;
  for (const [fname, flow] of Object.entries(data.flows)) {
    const at = ['flows', fname];
    const stream = src?.streams?.[flow.from];
    if (src && !stream)
      out.push(
        yaml.diagAt(
          [...at, 'from'],
          'error',
          `connector "${data.source.connector}" has no stream "${flow.from}"${suggest(flow.from, streams)}`,
        ),
      );
    const op = tgt?.operations?.[flow.to];
    if (tgt && !op)
      out.push(
        yaml.diagAt(
          [...at, 'to'],
          'error',
          `connector "${data.target.connector}" has no operation "${flow.to}"${suggest(flow.to, ops)}`,
        ),
      );
    if (op && isByIdOnly(op))
      out.push(
        yaml.diagAt(
          [...at, 'to'],
          'error',
          `operation "${flow.to}" only updates records by id (an on_delete operation): a flow writes through one with "upsert", or "create" and "update"`,
        ),
      );
    out.push(...checkFlowDeletions(yaml, at, flow, { src, tgt, mappingFile: m.path }));
    for (const [jname, join] of Object.entries(flow.join ?? {})) {
      const js = src?.streams?.[join.from];
      if (src && !js)
        out.push(
          yaml.diagAt(
            [...at, 'join', jname, 'from'],
            'error',
            `connector "${data.source.connector}" has no stream "${join.from}"${suggest(join.from, streams)}`,
          ),
        );
      const on: unknown = join.on; // what the file says, checked or not
      const first = plainText(on ?? '').split('.')[0];
      if (js?.fields && join.on && !js.fields.includes(first))
        out.push(
          yaml.diagAt(
            [...at, 'join', jname, 'on'],
            'error',
            `stream "${join.from}" has no field "${first}"${suggest(first, js.fields)}`,
          ),
        );
      if (join.where) out.push(...jsonataDiagnostics(yaml, [...at, 'join', jname, 'where'], join.where, functions));
    }
    for (const dep of flow.depends_on ?? [])
      if (!flowsByName[dep])
        out.push(
          yaml.diagAt([...at, 'depends_on'], 'error', `no flow "${dep}" in this mapping${suggest(dep, flowNames)}`),
        );
    if (flow.where) out.push(...jsonataDiagnostics(yaml, [...at, 'where'], flow.where, functions));
    if (flow.recompute?.when)
      out.push(...jsonataDiagnostics(yaml, [...at, 'recompute', 'when'], flow.recompute.when, functions));
    if (flow.custom_fields?.length && op && !op.custom_fields)
      out.push(
        yaml.diagAt(
          [...at, 'custom_fields'],
          'error',
          `operation "${flow.to}" of connector "${data.target.connector}" declares no custom field set, so these fields cannot be provisioned`,
        ),
      );
    out.push(...duplicateCustomFields(yaml, at, flow.custom_fields));
    const t = transformSource(m.path, flow.transform);
    if (t.problem) {
      out.push(yaml.diagAt([...at, 'transform'], 'error', t.problem));
      continue;
    }
    out.push(
      ...(t.file
        ? jsonataFileDiagnostics(t.file, t.expr, [...at, 'transform'], functions)
        : jsonataDiagnostics(yaml, [...at, 'transform'], t.expr, functions)),
    );
    const setKey = op?.custom_fields ? tgt?.custom_fields?.[op.custom_fields]?.payload_path : undefined;
    for (const p of undeclaredCustomFieldKeys(t.expr, setKey, flow.custom_fields, fname)) {
      out.push(
        t.file
          ? fileDiag(t.file, t.expr, p.index, 'error', p.message, [...at, 'transform'])
          : yaml.diag(yaml.offsetInScalar([...at, 'transform'], p.index), 'error', p.message, [...at, 'transform']),
      );
    }
    if (stream?.fields) {
      const known = [...stream.fields, ...Object.keys(flow.join ?? {})];
      for (const f of rootFields(t.expr)) {
        if (known.includes(f.name)) continue;
        const message = `field "${f.name}" is not a field of stream "${flow.from}" nor a join${suggest(f.name, known)}`;
        if (t.file) {
          out.push(fileDiag(t.file, t.expr, f.index, 'warning', message, [...at, 'transform']));
        } else {
          out.push(
            yaml.diag(yaml.offsetInScalar([...at, 'transform'], f.index), 'warning', message, [...at, 'transform']),
          );
        }
      }
    }
  }
  out.push(...flowCycles(yaml, data.flows));
  return out;
}

/** A custom function named like one of JSONata's or the project's would hide it, or be hidden. */
function functionNameClashes(yaml: YamlFile, data: Mapping): Diagnostic[] {
  const fns = data.functions && typeof data.functions === 'object' ? Object.keys(data.functions) : [];
  return fns
    .filter((n) => Object.hasOwn(MAPPING_FUNCTION_SIGNATURES, n) || Object.hasOwn(JSONATA_BUILTINS, n))
    .map((n) =>
      yaml.diagAt(
        ['functions', n],
        'error',
        `$${n} is already ${Object.hasOwn(MAPPING_FUNCTION_SIGNATURES, n) ? 'a mapping function' : 'a JSONata function'}: give the custom function another name`,
        true,
      ),
    );
}

/**
 * Cycles of depends_on (a flow needing itself among them), each at the dependency that closes it
 * in the cycle's first flow in file order, so the user is taken to the line to change.
 */
function flowCycles(yaml: YamlFile, flows: Readonly<Partial<Mapping['flows']>>): Diagnostic[] {
  const names = Object.keys(flows);
  const depsOf = (name: string): string[] => {
    const d: unknown = flows[name]?.depends_on;
    return Array.isArray(d) ? d.filter((x): x is string => typeof x === 'string' && Object.hasOwn(flows, x)) : [];
  };
  const out: Diagnostic[] = [];
  const done = new Set<string>();
  const report = (cycle: string[]) => {
    const first = cycle.reduce((a, b) => (names.indexOf(b) < names.indexOf(a) ? b : a));
    const i = cycle.indexOf(first);
    const ring = [...cycle.slice(i), ...cycle.slice(0, i)];
    const next = ring[1] ?? first;
    const message =
      ring.length === 1
        ? `flow "${first}" depends on itself`
        : `flows depend on each other in a cycle: ${[...ring, first].join(' -> ')}`;
    const deps: unknown = flows[first]?.depends_on;
    out.push(
      yaml.diagAt(['flows', first, 'depends_on', Array.isArray(deps) ? deps.indexOf(next) : -1], 'error', message),
    );
  };
  // Depth-first: a dependency on a flow still on the current path closes a cycle.
  const visit = (name: string, path: string[]) => {
    if (done.has(name)) return;
    const here = [...path, name];
    for (const dep of depsOf(name)) {
      const start = here.indexOf(dep);
      if (start >= 0) report(here.slice(start));
      else visit(dep, here);
    }
    done.add(name);
  };
  for (const name of names) visit(name, []);
  return out;
}

export function checkConnections(c: Loaded<Connections>, project: Project): Diagnostic[] {
  const { yaml } = c;
  const data = (c.data ?? c.raw) as Connections | undefined;
  if (!data || typeof data !== 'object') return [];
  const out: Diagnostic[] = [];
  const connectorNames = [...project.connectors.keys()];
  for (const [cname, conn] of Object.entries(data.connections)) {
    const at = ['connections', cname];
    const connector = project.connectors.get(conn.connector);
    if (!connector) {
      out.push(
        yaml.diagAt(
          [...at, 'connector'],
          'error',
          `no connector "${conn.connector}" in connectors/${suggest(conn.connector, connectorNames)}`,
        ),
      );
      continue;
    }
    if (conn.auth !== undefined) {
      const options = Object.keys(connector.data?.auth_options ?? {});
      const auth: unknown = conn.auth; // what the file says, checked or not
      if (connector.data && !options.includes(String(auth))) {
        const known = options.length
          ? suggest(String(auth), options)
          : ' (it offers no auth_options; remove "auth" to use its default auth)';
        out.push(
          yaml.diagAt(
            [...at, 'auth'],
            'error',
            `connector "${conn.connector}" has no auth option "${conn.auth}"${known}`,
          ),
        );
      }
    }
    const vars = connector.data?.variables ?? {};
    const values = conn.values ?? {};
    for (const [vname, v] of Object.entries(vars)) {
      if (v.required && v.default === undefined && !(vname in values))
        out.push(
          yaml.diagAt(
            [...at, 'values'],
            'error',
            `missing value "${vname}" that connector "${conn.connector}" requires${v.description ? ` (${v.description})` : ''}`,
          ),
        );
    }
    for (const [k, val] of Object.entries(values)) {
      const vpath = [...at, 'values', k];
      if (!(k in vars))
        out.push(
          yaml.diagAt(
            vpath,
            'warning',
            `connector "${conn.connector}" does not use a value "${k}"${suggest(k, Object.keys(vars))}`,
            true,
          ),
        );
      if (typeof val !== 'string') continue;
      const unclosed = val.lastIndexOf('${');
      if (unclosed >= 0 && !val.includes('}', unclosed)) {
        out.push(
          yaml.diag(
            yaml.offsetInScalar(vpath, unclosed),
            'error',
            `unclosed reference "${val.slice(unclosed, unclosed + 40)}": close it with "}" (\${env:NAME} or \${store:NAME})`,
            vpath,
          ),
        );
      }
      for (const m of val.matchAll(ENV_REF)) {
        const ref = m[1];
        const idx = m.index + 2;
        const [kind, name] = ref.split(':', 2);
        if ((kind !== 'env' && kind !== 'store') || !name) {
          out.push(
            yaml.diag(
              yaml.offsetInScalar(vpath, idx),
              'error',
              `unknown reference "\${${ref}}": expected \${env:NAME} or \${store:NAME}`,
              vpath,
            ),
          );
        } else if (kind === 'env' && process.env[name] === undefined) {
          out.push(
            yaml.diag(
              yaml.offsetInScalar(vpath, idx),
              'warning',
              `environment variable ${name} is not set; a run that needs this connection will stop`,
              vpath,
            ),
          );
        }
      }
      if (Object.hasOwn(vars, k) && vars[k].secret && !/\$\{(env|store):/.test(val) && val !== '') {
        out.push(
          yaml.diagAt(
            vpath,
            'warning',
            `"${k}" is a secret written in plain text; use \${env:NAME} or \${store:NAME} (mlc credentials set)`,
          ),
        );
      }
    }
  }
  return out;
}
